"""One data file, on disk or inside a zip: check it by its content and describe it.

:func:`inspect_single` runs the checks for the content :func:`.formats.sniff` found — a
GeoPackage's header and stored SQL (:mod:`.geopackage_schema`), a GeoJSON's top level and
``crs`` members (:mod:`.outbound`), a KML's XML, a CSV's columns (:mod:`.csv_columns`) —
and lists the layers GDAL will read (:func:`.drivers.list_layers`). :mod:`.source` calls
it for a file as uploaded, :mod:`.archive` for the data file inside a zip or a KMZ.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from django.utils.translation import gettext as _

from gisdata.imports.inspection import csv_columns
from gisdata.imports.inspection.base import InspectError, Kind, Limits, Opener, Source
from gisdata.imports.inspection.drivers import list_layers
from gisdata.imports.inspection.formats import (
    check_geojson,
    check_geopackage_header,
    check_xml,
    unsupported,
)
from gisdata.imports.inspection.geopackage_schema import check_geopackage_schema
from gisdata.imports.inspection.outbound import check_geojson_crs


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
    stem = PurePosixPath(gdal_file).stem  # GDAL names a GeoJSON or CSV layer so
    if content == "gpkg":
        check_geopackage_header(head, name=name, size=size)
        check_geopackage_schema(opener, name=name, size=size)
        listed = list_layers(gdal_file, name=name, what="GeoPackage")
        layers = [layer for layer, geometry in listed if geometry is not None]
        if not layers:
            raise InspectError(
                _("The GeoPackage %(name)s has no layer with geometries.")
                % {"name": repr(name)}, code="no_layers"
            )
        tables = [layer for layer, geometry in listed if geometry is None]
        found = (
            [f"Tables without geometry are not imported: {', '.join(tables)}."] if tables else []
        )
        return Source("geopackage", gdal_file, layers, None, True, warnings=found, name=name)
    if content == "json":
        kind_of, layer = check_geojson(opener, name=name, size=size, limits=limits)
        check_geojson_crs(opener, name=name)
        if kind_of != "FeatureCollection" or not layer:
            layer = stem  # GDAL reads "name" only from a FeatureCollection
        return Source("geojson", "GeoJSON:" + gdal_file, [layer], None, True, name=name)
    if content == "xml":
        found = check_xml(opener, head, name=name, limit=limits.max_file_bytes)
        layers = [layer for layer, _ in list_layers(gdal_file, name=name, what="KML file")]
        if not layers:
            raise InspectError(
                _("The KML %(name)s has no placemarks.")
                % {"name": repr(name)}, code="no_layers")
        return Source(kind or "kml", gdal_file, layers, None, True, warnings=found, name=name)
    if content == "text":
        try:
            csv_info, found = csv_columns.inspect_csv(
                opener, name=name, limits=limits, encoding=encoding
            )
        except InspectError as exc:
            # Text that is not delimited is only "a bad CSV" when it was named as one.
            named_csv = any(
                PurePosixPath(text.lower()).suffix in (".csv", ".tsv") for text in (name, gdal_file)
            )
            if exc.code == "not_delimited" and not named_csv:
                raise unsupported(name, "text") from exc
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
    raise unsupported(name, content)
