"""The front door of the import pipeline: what is this file, and how should GDAL read it?

An uploaded or downloaded file is inspected here *before* GDAL opens it, because GDAL
chooses a driver by what it finds and some drivers do more than read: a VRT opens other
files (or URLs), a KML with a DOCTYPE asks its XML parser to expand entities, a zip member
named ``../x`` escapes any directory it is extracted to. So we decide the format from the
content (never from the extension alone), check archives from their central directory
without extracting anything, and hand the reader a GDAL path that can only open what we
checked: ``/vsizip/{archive}/member`` to read zips in place, ``CSV:`` and ``GeoJSON:``
prefixes that force those drivers.

Every refusal is an :class:`InspectError` whose message a planner can act on. The reader
that follows reads ``pyogrio.raw.read(source.gdal_path, layer=name, encoding=...)`` for
each ``name`` in ``source.layers`` (GDAL's own layer names), with the options of
:func:`gdal_open_options`, after :func:`check_driver` on the driver GDAL reports;
:meth:`Source.read_target` bundles path, layer and an explicit encoding.

The zip checks live in :mod:`gisdata.inspect_archive`, the CSV analysis in
:mod:`gisdata.inspect_csv`; both import their types from here, so this module imports them
inside :func:`inspect_source` (at call time) rather than at the top.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import re
import stat
import struct
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Literal

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

Kind = Literal["shapefile", "geojson", "geopackage", "kml", "kmz", "csv"]

SUPPORTED = "Plaza reads zipped Shapefiles, GeoJSON, GeoPackage, KML/KMZ and CSV"

#: The GDAL drivers an upload may be read with. Anything else (OGR_VRT, GDALG, WFS, ...)
#: could open other files or the network on the uploader's behalf.
ALLOWED_DRIVERS = frozenset({"ESRI Shapefile", "GeoJSON", "GPKG", "LIBKML", "KML", "CSV"})

#: For ``GDAL_SKIP`` in the environment, *before* ``import pyogrio`` (GDAL reads it once,
#: when it registers its drivers; setting it later through pyogrio changes nothing). These
#: are the installed drivers that open other files or URLs named inside a file, or talk
#: to network services. Not set by this module: :func:`check_driver` works without it.
GDAL_SKIP_FOR_UPLOADS = (
    "VRT OGR_VRT GDALG HTTP WFS OAPIF OGCAPI CSW EEDA PLSCENES NGW Carto AmigoCloud "
    "Elasticsearch ADBC"
)

HEAD_BYTES = 64 * KiB  # what we read to recognise a file
_SCAN_CHUNK = 1 * MiB


class InspectError(Exception):
    """A file Plaza refuses, with a message for the planner who sent it.

    ``code`` is a stable machine word (``zip_slip``, ``zip_bomb``, ``wrong_extension``,
    ...) for the caller's logs and tests; the message is what the user reads.
    """

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Limits:
    """Bounds on what inspection accepts; the defaults suit a city's open data.

    ``max_ratio`` is only applied to members of at least ``ratio_min_bytes`` once
    uncompressed: a small, very repetitive file (a DBF of blank fields) is no bomb, and a
    bomb is only dangerous when it is big. ``max_json_parse_bytes`` bounds the GeoJSON we
    parse whole in Python to check its top-level type; bigger ones are checked from their
    first and last bytes.
    """

    max_members: int = 1000
    max_total_uncompressed: int = 2 * GiB
    max_ratio: float = 100
    ratio_min_bytes: int = 1 * MiB
    max_file_bytes: int = 1 * GiB
    max_csv_rows: int = 2_000_000
    max_csv_columns: int = 1000
    max_json_parse_bytes: int = 8 * MiB


@dataclass
class CsvInfo:
    """What a CSV holds: how to split it and which columns may carry the geometry.

    ``x_columns``/``y_columns`` are candidates by name (lon, lng, longitude, longitud_x,
    x, easting, ...), best first, kept only when their sampled values are numbers;
    ``wkt_columns`` hold WKT (``POINT (...)``, ``MULTIPOLYGON (...)``). Columns in
    ``decimal_comma_columns`` write ``2,17017``: GDAL would misread them, so the reader
    converts them with :func:`parse_coordinate`. ``rows`` counts records after the header
    (approximate only if a field holds a stray quote outside quoting).
    """

    encoding: str
    bom: bool
    delimiter: str
    columns: list[str]
    rows: int
    x_columns: list[str] = field(default_factory=list)
    y_columns: list[str] = field(default_factory=list)
    wkt_columns: list[str] = field(default_factory=list)
    decimal_comma_columns: list[str] = field(default_factory=list)

    @property
    def coordinate_pair(self) -> tuple[str, str] | None:
        """The best (x, y) columns, or None when there is no candidate pair."""
        if self.x_columns and self.y_columns:
            return self.x_columns[0], self.y_columns[0]
        return None


@dataclass
class ShapefileLayer:
    """One shapefile in a zip: ``name`` is GDAL's layer name (``ROADS``), ``member`` the
    path of its .shp in the zip (``data/ROADS.SHP``), ``gdal_path`` that .shp alone."""

    name: str
    member: str
    gdal_path: str
    has_prj: bool
    encoding: str | None  # from its .cpg, None when there is none (read as UTF-8)
    cpg: str | None = None


@dataclass(frozen=True)
class ReadTarget:
    """The arguments for ``pyogrio.raw.read(path, layer=layer, encoding=encoding)``."""

    path: str
    layer: str | None
    encoding: str | None


@dataclass
class Source:
    """An inspected file: its kind and how to read it.

    The contract with the reader: ``pyogrio.raw.read(source.gdal_path, layer=name)`` reads
    every ``name`` in ``layers``, which are GDAL's own layer names — GeoPackage tables,
    KML folders, the .shp stems of a zip (whose ``gdal_path`` is then the folder holding
    them), or the one layer of a GeoJSON or CSV (named after the stored file, as GDAL
    does). ``encoding`` None means UTF-8. ``has_crs`` False means the caller must ask for
    an EPSG code (a shapefile without .prj, every CSV). :meth:`read_target` bundles the
    path, layer and explicit encoding.
    """

    kind: Kind
    gdal_path: str
    layers: list[str]
    encoding: str | None
    has_crs: bool
    csv: CsvInfo | None = None
    warnings: list[str] = field(default_factory=list)
    name: str = ""
    shapefiles: list[ShapefileLayer] = field(default_factory=list)
    suggested_encoding: str | None = None

    def read_target(self, layer: str | None = None) -> ReadTarget:
        """The pyogrio arguments for ``layer`` (one of :attr:`layers`; None if only one).

        The encoding is explicit ("UTF-8" unless the user, a .cpg or the CSV said
        otherwise) because GDAL's own default for a DBF without .cpg is Latin-1, which
        garbles UTF-8 names such as "Sants-Montjuïc".
        """
        if layer is None:
            if len(self.layers) != 1:
                raise InspectError(
                    f"{self.name or 'This file'} has {len(self.layers)} layers: choose one of "
                    + ", ".join(self.layers)
                    + ".",
                    code="choose_layer",
                )
            layer = self.layers[0]
        if layer not in self.layers:
            raise InspectError(
                f"There is no layer {layer!r}; the layers are: " + ", ".join(self.layers) + ".",
                code="unknown_layer",
            )
        encoding = None
        if self.kind == "shapefile":
            shp = next(s for s in self.shapefiles if s.name == layer)
            encoding = self.encoding or shp.encoding or "UTF-8"
        elif self.kind == "csv" and self.csv is not None:
            encoding = self.csv.encoding
        return ReadTarget(self.gdal_path, layer, encoding)


# --- what the reader calls ------------------------------------------------------------


def check_driver(driver_name: str) -> None:
    """Refuse a dataset GDAL opened with a driver outside :data:`ALLOWED_DRIVERS`.

    Content detection never hands GDAL a VRT, but the reader should still call this with
    ``pyogrio.read_info(target.path, layer=target.layer)["driver"]`` before reading the
    features: it holds whatever GDAL's own driver probing decides, whether or not
    ``GDAL_SKIP`` (see :data:`GDAL_SKIP_FOR_UPLOADS`) was set before GDAL loaded.
    """
    if driver_name not in ALLOWED_DRIVERS:
        raise InspectError(
            f"GDAL recognised this file as {driver_name!r}, a format Plaza does not accept "
            f"in uploads. {SUPPORTED}.",
            code="driver_refused",
        )


_SEPARATORS = {",": "COMMA", ";": "SEMICOLON", "\t": "TAB", "|": "PIPE"}


def gdal_open_options(
    source: Source,
    *,
    x_column: str | None = None,
    y_column: str | None = None,
    wkt_column: str | None = None,
) -> dict[str, str]:
    """Dataset open options for ``pyogrio.raw.read(..., **options)``.

    Only CSV needs any: the separator we sniffed (GDAL's own guess is weaker), every field
    as text (``AUTODETECT_TYPE=NO``: codes like ``01`` keep their zero), and — when the
    user chose them — the geometry columns. Columns written with decimal commas are
    refused here because GDAL would silently read ``"2,17017"`` as 2: read them as text
    and convert with :func:`parse_coordinate`.
    """
    if source.kind != "csv" or source.csv is None:
        return {}
    info = source.csv
    options = {
        "HEADERS": "YES",
        "SEPARATOR": _SEPARATORS[info.delimiter],
        "AUTODETECT_TYPE": "NO",
        "EMPTY_STRING_AS_NULL": "YES",
        "KEEP_GEOM_COLUMNS": "YES",
    }
    for column in (x_column, y_column, wkt_column):
        if column is None:
            continue
        if column not in info.columns:
            raise InspectError(f"The CSV has no column {column!r}.", code="unknown_column")
        if "," in column or "*" in column:
            raise InspectError(
                f"The column name {column!r} contains ',' or '*', which GDAL reads as a list "
                "or a wildcard: rename the column.",
                code="bad_column_name",
            )
        if column in info.decimal_comma_columns:
            raise InspectError(
                f"The column {column!r} writes decimals with a comma; read it as text and "
                "convert each value with parse_coordinate().",
                code="decimal_comma",
            )
    if wkt_column:
        options["GEOM_POSSIBLE_NAMES"] = wkt_column
        options["KEEP_GEOM_COLUMNS"] = "NO"
    elif x_column and y_column:
        options["X_POSSIBLE_NAMES"] = x_column
        options["Y_POSSIBLE_NAMES"] = y_column
    return options


_COORDINATE = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def parse_coordinate(text: str) -> float:
    """Read one coordinate written ``2.17017`` or ``2,17017`` (a decimal comma).

    Raises ValueError, like ``float()``, for anything else — empty cells, ``nan``,
    thousands separators (``1.234,5``), text — with a message naming the value. ``1,234``
    is read as 1.234: in the files we import, a lone comma is a decimal comma.
    """
    stripped = text.strip().replace("\u00a0", "")
    if not stripped:
        raise ValueError("The coordinate is empty.")
    if not _COORDINATE.fullmatch(stripped):
        raise ValueError(
            f"{text[:40]!r} is not a coordinate: write a number such as 2.17017 or 2,17017."
        )
    return float(stripped.replace(",", "."))


# --- content detection ----------------------------------------------------------------

_MAGIC: list[tuple[bytes, str]] = [
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "empty_zip"),
    (b"PK\x07\x08", "split_zip"),
    (b"SQLite format 3\x00", "sqlite"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"%PDF", "pdf"),
    (b"\x1f\x8b", "gzip"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!", "rar"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\x00\x00\x27\x0a", "shp"),
    (b"\xd0\xcf\x11\xe0", "ole"),
    (b"\x00\x00\xfe\xff", "utf32"),
    (b"\xff\xfe\x00\x00", "utf32"),
    (b"\xff\xfe", "utf16"),
    (b"\xfe\xff", "utf16"),
]

LABELS = {
    "zip": "a zip archive",
    "empty_zip": "an empty zip archive",
    "split_zip": "one part of a split zip archive",
    "sqlite": "an SQLite database that is not a GeoPackage",
    "gpkg": "a GeoPackage",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "gif": "a GIF image",
    "pdf": "a PDF document",
    "gzip": "a gzip archive",
    "7z": "a 7-Zip archive",
    "rar": "a RAR archive",
    "bzip2": "a bzip2 archive",
    "xz": "an xz archive",
    "tiff": "a TIFF image (raster data, which Plaza does not import)",
    "shp": "the .shp part of a shapefile alone",
    "ole": "an old Microsoft Office document",
    "utf16": "UTF-16 text",
    "utf32": "UTF-32 text",
    "json": "JSON",
    "xml": "XML",
    "html": "an HTML web page (perhaps an error or log-in page)",
    "text": "plain text",
    "binary": "binary data of an unknown format",
}

# extension -> (content it must have, what the name promises)
_EXPECTED = {
    ".zip": ("zip", "a zip archive"),
    ".kmz": ("zip", "KMZ (zipped KML)"),
    ".geojson": ("json", "GeoJSON"),
    ".json": ("json", "GeoJSON"),
    ".gpkg": ("gpkg", "a GeoPackage"),
    ".kml": ("xml", "KML"),
    ".csv": ("text", "CSV"),
    ".tsv": ("text", "CSV"),
}
SHAPEFILE_PARTS = frozenset({".shp", ".shx", ".dbf", ".prj", ".cpg"})
_UTF8_BOM = b"\xef\xbb\xbf"
_GPKG_IDS = (b"GPKG", b"GP10", b"GP11")


def sniff(head: bytes) -> str:
    """Name what the first bytes of a file are: a key of :data:`LABELS`."""
    for magic, label in _MAGIC:
        if head.startswith(magic):
            if label == "sqlite":
                return "gpkg" if head[68:72] in _GPKG_IDS else "sqlite"
            return label
    body = head.removeprefix(_UTF8_BOM).lstrip(b" \t\r\n")
    if b"\x00" in head[:4096]:
        return "binary"
    if body[:1] in (b"{", b"["):
        return "json"
    if body[:1] == b"<":
        start = body[:256].lower()
        if start.startswith(b"<!doctype html") or start.startswith(b"<html"):
            return "html"
        return "xml"
    return "text"


def _mismatch(name: str, content: str, promised: str) -> InspectError:
    return InspectError(
        f"The file {name!r} is named as {promised}, but its content is {LABELS[content]}. "
        "Check that you picked the right file, or export it again.",
        code="wrong_extension",
    )


def _unsupported(name: str, content: str) -> InspectError:
    return InspectError(
        f"{SUPPORTED}; this file is none of them ({name!r} is {LABELS[content]}).",
        code="unsupported_format",
    )


Opener = Callable[[], contextlib.AbstractContextManager[IO[bytes]]]


def _read_head(opener: Opener, size: int = HEAD_BYTES) -> bytes:
    with opener() as stream:
        return stream.read(size)


def _iter_chunks(opener: Opener, limit: int) -> Iterator[bytes]:
    with opener() as stream:
        total = 0
        while total < limit:
            chunk = stream.read(min(_SCAN_CHUNK, limit - total))
            if not chunk:
                return
            total += len(chunk)
            yield chunk


# --- XML (KML) ------------------------------------------------------------------------

_XML_DECL_ENCODING = re.compile(rb"<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_XML_ENCODINGS = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "windows-1252"}
_DTD_MARKERS = (b"<!doctype", b"<!entity")


def _check_xml(opener: Opener, head: bytes, *, name: str, limit: int) -> list[str]:
    """Refuse a DTD anywhere in the file, before any XML parser sees it; return warnings.

    A DOCTYPE is how billion-laughs and external entities (XXE) get in, and KML never
    needs one, so the raw bytes are scanned case-insensitively, chunk by chunk with an
    overlap, and nothing is parsed or fetched. The declared encoding must be one whose
    bytes spell ``<!DOCTYPE`` in ASCII, or the scan could be dodged (UTF-7, EBCDIC).
    """
    declared = _XML_DECL_ENCODING.search(head[:512])
    if declared and declared.group(1).decode("ascii").lower() not in _XML_ENCODINGS:
        raise InspectError(
            f"The file {name!r} declares the XML encoding {declared.group(1).decode()!r}; "
            "Plaza reads KML in UTF-8 (or Latin-1): export it again as UTF-8.",
            code="xml_encoding",
        )
    tail = b""
    network_link = False
    for chunk in _iter_chunks(opener, limit):
        window = (tail + chunk).lower()
        if any(marker in window for marker in _DTD_MARKERS):
            raise InspectError(
                f"The file {name!r} declares a DOCTYPE or ENTITY. Plaza refuses these in "
                "uploads: entity declarations can make an XML reader expand a small file into "
                "gigabytes or read other files. Export the KML again without a DOCTYPE.",
                code="xml_dtd",
            )
        network_link = network_link or b"<networklink" in window
        tail = window[-16:]
    root = _xml_root(head)
    if root is None or root.split(":")[-1].lower() != "kml":
        shown = f"<{root}>" if root else "none found"
        raise InspectError(
            f"{SUPPORTED}; {name!r} is XML but not KML (its root element is {shown}).",
            code="unsupported_format",
        )
    if network_link:
        return [
            "The KML has NetworkLink elements; Plaza never fetches linked files, so only "
            "the placemarks in this file are imported."
        ]
    return []


def _xml_root(head: bytes) -> str | None:
    """The first element's name, skipping the XML declaration, comments and PIs."""
    text = head.removeprefix(_UTF8_BOM).decode("utf-8", errors="replace")
    pos = 0
    while True:
        start = text.find("<", pos)
        if start < 0:
            return None
        if text.startswith("<?", start):
            pos = text.find("?>", start)
        elif text.startswith("<!--", start):
            pos = text.find("-->", start)
        else:
            match = re.match(r"<([A-Za-z_][\w.:-]*)", text[start:])
            return match.group(1) if match else None
        if pos < 0:
            return None


# --- GeoJSON --------------------------------------------------------------------------

GEOJSON_TYPES = frozenset(
    {
        "FeatureCollection",
        "Feature",
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
    }
)
_JSON_TOKEN = re.compile(r'["{}\[\]:,]')
_TAIL_TYPE = re.compile(r'"type"\s*:\s*"(\w+)"\s*}\s*$')


def _top_level_strings(text: str) -> dict[str, str]:
    """Top-level ``"key": "string"`` members of a JSON object, from a possibly cut prefix."""
    found: dict[str, str] = {}
    depth, key, after_colon, pos = 0, None, False, 0
    while True:
        match = _JSON_TOKEN.search(text, pos)
        if match is None:
            return found
        char, pos = match.group(), match.end()
        if char == '"':
            end = pos
            while True:
                end = text.find('"', end)
                if end < 0:
                    return found
                backslashes = len(text[pos:end]) - len(text[pos:end].rstrip("\\"))
                if backslashes % 2 == 0:
                    break
                end += 1
            if depth == 1:
                if after_colon and key is not None:
                    found.setdefault(key, text[pos:end])
                    key, after_colon = None, False
                else:
                    key = text[pos:end]
            pos = end + 1
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
        elif depth == 1 and char == ":":
            after_colon = True
        elif depth == 1 and char == ",":
            key, after_colon = None, False


def _check_geojson(opener: Opener, *, name: str, size: int, limits: Limits) -> tuple[str, str]:
    """Confirm JSON is GeoJSON; return (its top-level type, its GDAL layer name or "").

    A small file is parsed whole, which also catches broken JSON with its line number; a
    big one is judged from its top-level members in the first 64 KB, then from its last
    bytes (``"type": "FeatureCollection"`` may come after the features), without loading
    it into memory.
    """
    members: dict[str, object]
    if size <= limits.max_json_parse_bytes:
        with opener() as stream:
            raw = stream.read(limits.max_json_parse_bytes + 1)
        try:
            document = json.loads(raw.removeprefix(_UTF8_BOM).decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise InspectError(
                f"{name!r} is not UTF-8 text, which GeoJSON must be (byte {exc.start}).",
                code="bad_json",
            ) from exc
        except json.JSONDecodeError as exc:
            raise InspectError(
                f"{name!r} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                f"{exc.msg}). The file may be cut short: download or export it again.",
                code="bad_json",
            ) from exc
        members = document if isinstance(document, dict) else {}
        if not isinstance(document, dict):
            raise InspectError(
                f"{SUPPORTED}; {name!r} is JSON but not GeoJSON (its top level is a list).",
                code="unsupported_format",
            )
    else:
        head = _read_head(opener).removeprefix(_UTF8_BOM).decode("utf-8", errors="replace")
        members = dict(_top_level_strings(head))
        if "type" not in members:
            with opener() as stream:
                stream.seek(max(0, size - 4 * KiB))
                tail = stream.read().decode("utf-8", errors="replace")
            match = _TAIL_TYPE.search(tail)
            if match:
                members["type"] = match.group(1)
    kind = members.get("type")
    if kind == "Topology":
        raise InspectError(
            f"{name!r} is TopoJSON, not GeoJSON: convert it to GeoJSON (e.g. with mapshaper).",
            code="unsupported_format",
        )
    if kind not in GEOJSON_TYPES:
        esri = "geometryType" in members or "spatialReference" in members
        what = "Esri JSON" if esri else 'JSON without a GeoJSON "type"'
        raise InspectError(
            f"{SUPPORTED}; {name!r} is {what}, not GeoJSON.", code="unsupported_format"
        )
    layer = members.get("name")
    return str(kind), layer if isinstance(layer, str) else ""


# --- GeoPackage -----------------------------------------------------------------------


def _check_geopackage_header(head: bytes, *, name: str, size: int) -> None:
    """Refuse a GeoPackage cut short: the header says how many pages the database has."""
    page_size = struct.unpack(">H", head[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    change_counter, pages = struct.unpack(">II", head[24:32])
    valid_for = struct.unpack(">I", head[92:96])[0]
    if pages and valid_for == change_counter and pages * page_size > size:
        raise InspectError(
            f"The GeoPackage {name!r} is incomplete ({size:,} of {pages * page_size:,} bytes): "
            "upload or download it again.",
            code="truncated",
        )


def _list_layers(gdal_path: str, *, name: str, what: str) -> list[tuple[str, str | None]]:
    """(layer, geometry type) through pyogrio, only ever called after our checks passed."""
    import pyogrio
    import pyogrio.errors

    try:
        with warnings.catch_warnings():
            # "has GPKG application_id, but non conformant file extension": our uploads
            # are stored under names of our own.
            warnings.simplefilter("ignore", RuntimeWarning)
            listed = pyogrio.list_layers(gdal_path)
            info = pyogrio.read_info(gdal_path, layer=str(listed[0][0])) if len(listed) else None
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise InspectError(
            f"GDAL could not open the {what} {name!r}; it may be damaged. (GDAL said: {exc})",
            code="unreadable",
        ) from exc
    if info is not None:
        check_driver(info["driver"])
    return [(str(layer), None if geometry is None else str(geometry)) for layer, geometry in listed]


# --- entry point ----------------------------------------------------------------------


def _vsi_quote(path: Path) -> str:
    """``{/abs/path}``: GDAL then needs no ``.zip`` in the name to find the archive."""
    text = str(path.absolute())
    if "{" in text or "}" in text:
        raise InspectError(
            "Uploaded files must be stored under a name without braces.", code="bad_path"
        )
    return "{" + text + "}"


def inspect_source(
    path: Path,
    *,
    original_name: str = "",
    limits: Limits = Limits(),  # noqa: B008 - frozen, so one shared default is safe
    encoding: str | None = None,
) -> Source:
    """Say what ``path`` is and how to read it, or raise :class:`InspectError`.

    ``original_name`` is the name the user gave (the stored file's name is ours), used
    for the extension check and in messages. ``encoding`` is the user's choice for a CSV
    or a DBF; without it a .cpg decides, else UTF-8. Nothing is extracted or written.
    """
    from gisdata import inspect_archive

    name = original_name or path.name
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise InspectError(f"Unknown encoding {encoding!r}.", code="bad_encoding") from exc
    try:
        info = path.stat()
    except OSError as exc:
        raise InspectError(f"The file {name!r} cannot be read.", code="unreadable") from exc
    if not stat.S_ISREG(info.st_mode):
        raise InspectError(f"{name!r} is not a regular file.", code="unreadable")
    if info.st_size == 0:
        raise InspectError(f"The file {name!r} is empty.", code="empty")
    if info.st_size > limits.max_file_bytes:
        raise InspectError(
            f"The file {name!r} has {info.st_size:,} bytes; Plaza accepts at most "
            f"{limits.max_file_bytes:,}.",
            code="too_big",
        )
    ext = PurePosixPath(name.lower()).suffix
    head = _read_head(lambda: path.open("rb"))
    content = sniff(head)
    if ext in SHAPEFILE_PARTS or content == "shp":
        raise InspectError(
            "A shapefile is several files (.shp, .shx, .dbf and usually .prj and .cpg): zip "
            "them together and upload the zip.",
            code="shapefile_not_zipped",
        )
    expected = _EXPECTED.get(ext)
    if expected and expected[0] != content:
        raise _mismatch(name, content, expected[1])
    if content == "zip":
        return inspect_archive.inspect_zip(
            path,
            name=name,
            vsi=_vsi_quote(path),
            limits=limits,
            encoding=encoding,
            kmz=ext == ".kmz",
        )
    return inspect_single(
        lambda: path.open("rb"),
        head=head,
        content=content,
        name=name,
        size=info.st_size,
        gdal_file=str(path.absolute()),
        limits=limits,
        encoding=encoding,
    )


def inspect_single(
    opener: Opener,
    *,
    head: bytes,
    content: str,
    name: str,
    size: int,
    gdal_file: str,
    limits: Limits,
    encoding: str | None,
    kind: Kind | None = None,
) -> Source:
    """Inspect one data file, on disk or inside a zip (``opener`` reads it from the start).

    ``gdal_file`` is how GDAL reaches it (a path, or ``/vsizip/{zip}/member``); ``kind``
    forces the reported kind (``kmz`` for the KML inside a KMZ).
    """
    from gisdata import inspect_csv

    stem = PurePosixPath(gdal_file).stem  # GDAL names a GeoJSON or CSV layer so
    if content == "gpkg":
        _check_geopackage_header(head, name=name, size=size)
        listed = _list_layers(gdal_file, name=name, what="GeoPackage")
        layers = [layer for layer, geometry in listed if geometry is not None]
        if not layers:
            raise InspectError(
                f"The GeoPackage {name!r} has no layer with geometries.", code="no_layers"
            )
        tables = [layer for layer, geometry in listed if geometry is None]
        found = (
            [f"Tables without geometry are not imported: {', '.join(tables)}."] if tables else []
        )
        return Source("geopackage", gdal_file, layers, None, True, warnings=found, name=name)
    if content == "json":
        kind_of, layer = _check_geojson(opener, name=name, size=size, limits=limits)
        if kind_of != "FeatureCollection" or not layer:
            layer = stem  # GDAL reads "name" only from a FeatureCollection
        return Source("geojson", "GeoJSON:" + gdal_file, [layer], None, True, name=name)
    if content == "xml":
        found = _check_xml(opener, head, name=name, limit=limits.max_file_bytes)
        layers = [layer for layer, _ in _list_layers(gdal_file, name=name, what="KML file")]
        if not layers:
            raise InspectError(f"The KML {name!r} has no placemarks.", code="no_layers")
        return Source(kind or "kml", gdal_file, layers, None, True, warnings=found, name=name)
    if content == "text":
        try:
            csv_info, found = inspect_csv.inspect_csv(
                opener, name=name, limits=limits, encoding=encoding
            )
        except InspectError as exc:
            # Text that is not delimited is only "a bad CSV" when it was named as one.
            named_csv = any(
                PurePosixPath(text.lower()).suffix in (".csv", ".tsv") for text in (name, gdal_file)
            )
            if exc.code == "not_delimited" and not named_csv:
                raise _unsupported(name, "text") from exc
            raise
        return Source(
            "csv",
            "CSV:" + gdal_file,
            [stem],
            encoding,
            False,
            csv=csv_info,
            warnings=found,
            name=name,
        )
    raise _unsupported(name, content)
