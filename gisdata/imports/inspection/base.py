"""What the inspection modules share: limits, the refusal, and the description of a source.

Every other module of the package builds on these names, and this one imports none of
them, so it can be imported from anywhere without a cycle. Callers outside the package
import :class:`InspectError`, :class:`Limits` and :class:`Source` from here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Literal

from django.utils.translation import gettext_lazy

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

Kind = Literal["shapefile", "geojson", "geopackage", "kml", "kmz", "csv"]

SUPPORTED = gettext_lazy("Plaza reads zipped Shapefiles, GeoJSON, GeoPackage, KML/KMZ and CSV")

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
    ``decimal_comma_columns`` write ``2,17017`` (the import's CSV reader,
    gisdata/imports/csv_reader.py, reads both spellings). ``rows`` counts records after the header
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


@dataclass
class Source:
    """An inspected file: its kind and how to read it.

    The contract with the import's readers: gisdata/imports/reader.py reads
    ``source.gdal_path`` with pyogrio, once for every ``name`` in ``layers``, which are
    GDAL's own layer names — GeoPackage tables, KML folders, the .shp stems of a zip
    (whose ``gdal_path`` is then the folder holding them), or the one layer of a GeoJSON
    (named after the stored file, as GDAL does). A CSV is read by
    gisdata/imports/csv_reader.py, in Python, with ``csv.delimiter``. ``encoding`` None
    means UTF-8 (or, for a DBF, a guess the reader says it made). ``has_crs`` False means
    the coordinates' EPSG code must come from elsewhere (a shapefile without .prj, every
    CSV).
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

Opener = Callable[[], contextlib.AbstractContextManager[IO[bytes]]]


def read_head(opener: Opener, size: int = HEAD_BYTES) -> bytes:
    with opener() as stream:
        return stream.read(size)


def iter_chunks(opener: Opener, limit: int) -> Iterator[bytes]:
    with opener() as stream:
        total = 0
        while total < limit:
            chunk = stream.read(min(_SCAN_CHUNK, limit - total))
            if not chunk:
                return
            total += len(chunk)
            yield chunk
