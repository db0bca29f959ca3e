"""CSV with coordinate columns or a WKT column, read row by row with a report per row.

GDAL's CSV driver cannot read `"2,17017"` (a decimal comma, as Barcelona publishes) and
stops at the first bad row; here each row is parsed on its own and every bad one is
listed with its number. The import is all-or-nothing by default: one bad row fails it,
with the list, unless the planner asks to skip bad rows (`options["skip_bad_rows"]`).
"""

from __future__ import annotations

import csv
import io
import math
import struct
from pathlib import Path

from django.contrib.gis.gdal import GDALException, OGRGeometry
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.utils.translation import gettext as _

from gisdata.imports.inspection.csv_columns import sniffer_sample
from gisdata.imports.reader import Column, ReadError, SourceLayer

MAX_ROWS = 2_000_000
MAX_LISTED = 1000
X_NAMES = ("longitude", "longitud", "longitud_x", "lon", "lng", "long", "x", "coord_x")
Y_NAMES = ("latitude", "latitud", "latitud_y", "lat", "y", "coord_y")
csv.field_size_limit(16 * 1024 * 1024)  # a WKT polygon of a whole district is long


class RowErrors(ReadError):
    """Rows that could not be read; `errors` lists them for the import run."""

    def __init__(self, message: str, errors: list[dict]):
        super().__init__(message)
        self.errors = errors


def coordinate(text: str) -> float:
    """A coordinate from a CSV cell: `2.17017` or `2,17017`; anything else is an error."""
    value = float(text.strip().replace(",", ".")) if text and text.strip() else math.nan
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a number")
    return value


def _point_wkb(x: float, y: float) -> bytes:
    return struct.pack("<BIdd", 1, 1, x, y)  # little-endian WKB Point


def _columns(header: list[str], options: dict) -> tuple[str | None, str | None, str | None]:
    lower = {name.lower(): name for name in header}
    if options.get("wkt_field"):
        return None, None, options["wkt_field"]
    x, y = options.get("x_field"), options.get("y_field")
    if not (x and y):
        x = next((lower[n] for n in X_NAMES if n in lower), None)
        y = next((lower[n] for n in Y_NAMES if n in lower), None)
    if not (x and y):
        raise ReadError(_("Say which columns hold the coordinates (longitude and latitude, "
                          "or x and y) or which holds WKT geometries. The columns are: "
                          "%(value)s.") % {
                            "value": ', '.join(header[:40])})
    return x, y, None


def read_csv(path: Path, *, info=None, options: dict, encoding: str | None) -> SourceLayer:
    """Read the whole CSV, checking every row, into a SourceLayer (points or WKT shapes)."""
    text = path.read_bytes()
    try:
        decoded = text.decode(encoding or "utf-8-sig")
    except (UnicodeError, LookupError) as exc:  # UnicodeError: codecs such as idna
        raise ReadError(_("The CSV is not in %(value)s: give its encoding (e.g. "
                          "ISO-8859-1) and import again.") % {
                            "value": encoding or 'UTF-8'}) from exc
    decoded = decoded.removeprefix("\ufeff")  # a BOM, when the encoding was given as UTF-8
    delimiter = getattr(info, "delimiter", None) or _sniff(decoded)
    # The csv module splits the records itself, so that a line break inside a quoted
    # cell stays in the cell (str.splitlines() cut the cell at it, and at \x0b, \x1c or
    # \u2028 too). newline="" hands it the text's own line endings.
    reader = csv.DictReader(io.StringIO(decoded, newline=""), delimiter=delimiter)
    try:
        return _read_rows(reader, path=path, options=options)
    except csv.Error as exc:  # a cell longer than the field size limit, say
        raise ReadError(_("The CSV could not be read: %(exc)s") % {"exc": exc}) from exc


def _read_rows(reader: csv.DictReader, *, path: Path, options: dict) -> SourceLayer:
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise ReadError(_("The CSV has no header row."))
    reader.fieldnames = header
    x, y, wkt = _columns(header, options)
    for column in filter(None, (x, y, wkt)):
        if column not in header:
            raise ReadError(_("The CSV has no column %(column)s.") % {"column": repr(column)})
    kept = [h for h in header if h not in (x, y, wkt)]
    numbers, geometries, values, errors = [], [], [[] for _ in kept], []
    n = 0
    for n, record in enumerate(reader, start=1):
        if n > MAX_ROWS:
            raise ReadError(_("The CSV has more than %(MAX_ROWS)s rows.") % {
                                "MAX_ROWS": format(MAX_ROWS, ',')})
        try:
            wkb = _geometry(record, x, y, wkt)
        except ValueError as exc:
            errors.append({"feature": n, "message": str(exc)})
            continue
        numbers.append(n)
        geometries.append(wkb)
        for column, name in zip(values, kept, strict=True):
            column.append(_text(record.get(name)))
    if errors and not options.get("skip_bad_rows"):
        listed = "; ".join(f"row {e['feature']}: {e['message']}" for e in errors[:5])
        raise RowErrors(_("%(count)s of %(n)s rows could not be read, so nothing was "
                          "imported (%(listed)s…). Fix them, or import again skipping bad "
                          "rows.") % {
                            "count": len(errors),
                            "n": n,
                            "listed": listed},
                        errors[:MAX_LISTED])
    return SourceLayer(
        name=path.stem, srid=None, numbers=numbers, geometries=geometries,
        columns=[Column(name, "text", column) for name, column in zip(kept, values,
                                                                       strict=True)],
        schema=[{"name": h, "type": "str"} for h in kept], errors=errors[:MAX_LISTED])


def _text(value: str | None) -> str | None:
    """A cell as PostgreSQL text can hold it (a short row gives None; NUL is dropped)."""
    return value.replace("\x00", "") if value and "\x00" in value else value


def _geometry(record: dict, x: str | None, y: str | None, wkt: str | None) -> bytes:
    if wkt:
        text = (record.get(wkt) or "").strip()
        if not text:
            raise ValueError("empty geometry")
        try:
            return bytes(GEOSGeometry(text).wkb)
        # A cell that looks like JSON ({...}) is handed to GDAL's GeoJSON reader, which
        # raises GDALException for a bad one: that is a bad row too, not a crash.
        except (GEOSException, GDALException, ValueError):
            pass
        # GEOS refuses WKT it could read but calls invalid (a ring of three points, an
        # unclosed ring, a one-point line); GDAL reads it, and the pipeline then mends
        # or skips that feature with its reason, as for any other format.
        try:
            return bytes(OGRGeometry(text).wkb)
        except (GDALException, ValueError) as exc:
            raise ValueError("the WKT cannot be read") from exc
    return _point_wkb(coordinate(record.get(x) or ""), coordinate(record.get(y) or ""))


def _sniff(text: str) -> str:
    try:
        # A bounded sample: the sniffer is worse than quadratic in it (csv_columns.py).
        return csv.Sniffer().sniff(sniffer_sample(text), delimiters=",;\t|").delimiter
    except csv.Error:
        return ","
