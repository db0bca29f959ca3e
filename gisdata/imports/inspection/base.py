"""What the inspection modules share: limits, the refusal, and the description of a source.

:mod:`.source` (the entry point), :mod:`.formats`, :mod:`.archive` and :mod:`.csv_columns`
all build on these names; this module imports none of them, so it can be imported from
anywhere without a cycle. Callers import these names from :mod:`.source`, which
re-exports them.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

Kind = Literal["shapefile", "geojson", "geopackage", "kml", "kmz", "csv"]

SUPPORTED = gettext_lazy("Plaza reads zipped Shapefiles, GeoJSON, GeoPackage, KML/KMZ and CSV")

#: The GDAL drivers an upload may be read with. Anything else (OGR_VRT, GDALG, WFS, ...)
#: could open other files or the network on the uploader's behalf.
ALLOWED_DRIVERS = frozenset({"ESRI Shapefile", "GeoJSON", "GPKG", "LIBKML", "KML", "CSV"})

#: ``GDAL_SKIP`` for the environment, set by config/env.py *before* ``import pyogrio`` (GDAL
#: reads it once, when it registers its drivers; setting it later through pyogrio changes
#: nothing): every vector driver of pyogrio's GDAL except :data:`ALLOWED_DRIVERS` and MEM.
#: Some open other files or URLs named inside a file (VRT, GDALG), talk to network
#: services (WFS, OAPIF, ...), or read sidecar files and download schemas (GML). A test
#: fails when a newer GDAL registers a driver missing here. Not set by this module:
#: :func:`check_driver` works without it.
GDAL_SKIP_FOR_UPLOADS = (
    "ADBC,AIVector,AVCBin,AVCE00,AmigoCloud,CSW,Carto,DGN,DXF,EDIGEO,EEDA,ESRIJSON,"
    "Elasticsearch,FlatGeobuf,GDALG,GML,GPSBabel,GPX,GTFS,GeoJSONSeq,GeoRSS,HTTP,"
    "Idrisi,JML,JSONFG,LVBAG,MBTiles,MVT,MapInfo File,MapML,MiraMonVector,NGW,"
    "OAPIF,ODS,OGCAPI,OGR_GMT,OGR_PDS,OGR_VRT,OSM,OpenFileGDB,PCIDSK,PDF,PDS4,"
    "PGDUMP,PLSCENES,PMTiles,S57,SQLite,SXF,Selafin,TopoJSON,VDV,VFK,VICAR,VRT,"
    "WAsP,WFS,XLSX"
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
            _("GDAL recognised this file as %(driver_name)s, a format Plaza does not "
              "accept in uploads. %(SUPPORTED)s.") % {
                "driver_name": repr(driver_name),
                "SUPPORTED": SUPPORTED},
            code="driver_refused",
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
