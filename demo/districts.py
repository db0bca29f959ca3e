"""Barcelona's ten districts, read from the city's zipped Shapefile, and the project area
they make together.

Kept apart from the proposals because two things need them: the Barcelona project's area
(the union) and the placing of each idea in a district (the list). The city's own CRS,
in metres, lives here too: the Shapefile is in it, and a lane's length and an idea's
small area are measured in it.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.gis.gdal import CoordTransform, DataSource, SpatialReference
from django.contrib.gis.geos import GeometryCollection, GEOSGeometry, MultiPolygon, Polygon

METRIC_SRID = 25831  # ETRS89 / UTM 31N: the city's own CRS, in metres
TO_METRIC = CoordTransform(SpatialReference(4326), SpatialReference(METRIC_SRID))
TO_WGS84 = CoordTransform(SpatialReference(METRIC_SRID), SpatialReference(4326))


def districts_read(path: Path) -> list[tuple[str, GEOSGeometry]]:
    """The ten districts as (NOM, geometry in EPSG:4326), from the zipped Shapefile."""
    # The DBF is UTF-8 but has no .cpg and no code page byte: GDAL passes its bytes on
    # unchanged and they are decoded here as UTF-8, so 'Sants-Montjuïc' keeps its ï.
    source = DataSource(f"/vsizip/{path}", encoding="utf-8")
    return [(_unmangled(feature.get("NOM")), _in_wgs84(feature.geom.geos))
            for feature in source[0]]


def _in_wgs84(geometry: GEOSGeometry) -> GEOSGeometry:
    geometry.srid = METRIC_SRID  # the .prj is ESRI WKT; the city publishes 25831
    geometry.transform(TO_WGS84)
    geometry.srid = 4326
    return geometry


def _unmangled(text: str) -> str:
    """Undo a Latin-1 reading of UTF-8 ('MontjuÃ¯c'), should GDAL be told to recode
    (SHAPE_ENCODING); a name read right does not survive the round trip and is kept."""
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return text


def _polygons(geometry: GEOSGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry]
    if isinstance(geometry, GeometryCollection):  # MultiPolygon too
        return [polygon for part in geometry for polygon in _polygons(part)]
    return []  # a line or point left over by make_valid has no area


def area_union(geometries: list[GEOSGeometry]) -> MultiPolygon:
    """One valid MultiPolygon covering all the geometries (the project's area)."""
    parts = [polygon for geometry in geometries for polygon in _polygons(geometry)]
    union = GeometryCollection(*parts, srid=4326).unary_union
    if not union.valid:  # the districts share borders exactly today; a new edition may not
        union = union.make_valid()
    return MultiPolygon(*_polygons(union), srid=4326)
