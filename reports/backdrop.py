"""The city's own layers under the report's overview map, so that the council can tell
where each proposal lies: the published layers of areas and lines around the project
(its districts, streets, bike lanes, flood zones…), read from PostGIS and drawn by
matplotlib. No tiles and no network: a report builds offline and looks the same
wherever it is built.

Points are left out (a layer of fountains would look like proposals), and so is the
report's district layer, which the map draws itself with its names. PostGIS clips each
layer to the map's frame and simplifies it to about a thousandth of the frame, finer
than print, in one query per layer: the cost does not grow with the proposals.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.contrib.gis.geos import GEOSGeometry
from django.db import connection

from gisdata.models import GeometryType, Layer
from gisdata.selectors import layers_for_area

AREAS = (GeometryType.POLYGON, GeometryType.MULTIPOLYGON)
LINES = (GeometryType.LINESTRING, GeometryType.MULTILINESTRING)
# A map with more layers than this is no easier to read; areas come first.
MAX_LAYERS = 4
# Features drawn per layer at most (a whole city's street graph, clipped, fits).
MAX_FEATURES = 20_000


def context_layers(area: GEOSGeometry, district_layer: Layer | None) -> list[dict]:
    """The published layers of areas and lines that reach into the project's area, as
    the report names them (their version is in the checksum, as the districts' is)."""
    layers = layers_for_area(area).filter(geometry_type__in=AREAS + LINES)
    if district_layer is not None:
        layers = layers.exclude(pk=district_layer.pk)
    chosen = sorted(layers, key=lambda layer: (layer.geometry_type not in AREAS, layer.pk))
    return [{"id": layer.pk, "title": layer.title, "version": layer.version,
             "kind": "areas" if layer.geometry_type in AREAS else "lines",
             "color": (layer.style or {}).get("color")}
            for layer in chosen[:MAX_LAYERS]]


@dataclass
class Backdrop:
    """Each context layer's shapes, clipped to the map: polygon rings and lines as
    coordinate lists, ready for matplotlib's collections."""

    layers: list[dict] = field(default_factory=list)  # the context_layers entries
    shapes: dict[int, list] = field(default_factory=dict)  # layer id → rings or lines


BACKDROP_SQL = """
SELECT ST_AsGeoJSON(ST_SimplifyPreserveTopology(ST_ClipByBox2D(f.geometry, b.box),
                                                %(tolerance)s), 6)
FROM gisdata_feature f,
     (SELECT ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326) AS box) b
WHERE f.layer_id = %(layer)s AND f.geometry && b.box
ORDER BY f.id
LIMIT %(cap)s
"""


def _parts(shape: dict) -> list:
    """Rings of polygons and paths of lines in a GeoJSON geometry, any nesting."""
    kind, coords = shape.get("type"), shape.get("coordinates")
    if kind == "Polygon":
        return list(coords)
    if kind == "MultiPolygon":
        return [ring for polygon in coords for ring in polygon]
    if kind == "LineString":
        return [coords]
    if kind == "MultiLineString":
        return list(coords)
    if kind == "GeometryCollection":
        return [part for g in shape.get("geometries", []) for part in _parts(g)]
    return []


def backdrop_read(*, layers: list[dict], box: tuple[float, float, float, float]) -> Backdrop:
    """The shapes of `layers` within `box` (minx, miny, maxx, maxy): one query a layer."""
    x0, y0, x1, y1 = box
    tolerance = max(x1 - x0, y1 - y0) / 1000
    shapes = {}
    with connection.cursor() as cursor:
        for layer in layers:
            cursor.execute(BACKDROP_SQL, {"x0": x0, "y0": y0, "x1": x1, "y1": y1,
                                          "tolerance": tolerance, "layer": layer["id"],
                                          "cap": MAX_FEATURES})
            shapes[layer["id"]] = [part for (text,) in cursor.fetchall() if text
                                   for part in _parts(json.loads(text)) if len(part) > 1]
    return Backdrop(layers=layers, shapes=shapes)
