"""Reads of imported layers for maps and the API: which layers are shown, and their
features as GeoJSON or as Mapbox vector tiles, both built by PostGIS in one query.

Large layers go to the map as vector tiles (`layer_tile`, `ST_AsMVT`): a tile carries
only the features inside it, clipped and quantised to the tile's 4096×4096 grid, so a
layer of 200,000 features costs the browser what is on screen. Small ones come whole
as GeoJSON (`layer_geojson`). bench/bench_tiles.py measures the tile of the densest area.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import psycopg
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import geojson, tenancy
from core.db_router import read_connection
from gisdata.models import Feature, GeometryType, ImportRun, ImportStatus, Layer

# Above this many features, the map loads a layer as vector tiles instead of GeoJSON.
TILE_THRESHOLD = 2000
MAX_GEOJSON = 5000
DEFAULT_GEOJSON = 2000
MAX_ZOOM = 22
# A tile never carries more features than this: at low zooms, where a whole city fits
# in one tile, a dense layer is thinned (by feature id, which is spatially arbitrary).
MAX_TILE_FEATURES = 20_000
# The name of the one layer inside every tile.
TILE_LAYER = "features"
EXTENT = 4096
BUFFER = 64


AREA_TYPES = (GeometryType.POLYGON, GeometryType.MULTIPOLYGON)
SEARCH_MAX = 20
NAME_MAX = 120


def layer_label(layer: Layer) -> str:
    """A layer as planners pick it: "Districts — Barcelona districts 2024 (10 areas)".
    Titles alone repeat (two imports of one file, a layer named like its dataset)."""
    count = layer.feature_count
    if layer.geometry_type in AREA_TYPES:
        amount = ngettext("%(n)s area", "%(n)s areas", count) % {"n": count}
    else:
        amount = ngettext("%(n)s feature", "%(n)s features", count) % {"n": count}
    return _("%(title)s — %(dataset)s (%(amount)s)") % {
        "title": layer.title, "dataset": layer.dataset.name, "amount": amount}


def feature_name(layer: Layer, properties: dict | None, number: int | None) -> str:
    """A feature's name: its layer's label property, else its number in the file."""
    value = (properties or {}).get(layer.label_property) if layer.label_property else None
    if value not in (None, ""):
        return " ".join(str(value).split())[:NAME_MAX]
    return _("Feature %(number)s") % {"number": number or "?"}


def features_search(layer: Layer, query: str, *, limit: int = SEARCH_MAX
                    ) -> tuple[list[dict], bool]:
    """Features of a layer whose name contains `query` (any case, with or without its
    accents: "gracia" finds "Gràcia"), sorted by name:
    [{id, name}, …] and whether more matched. Without a label property, a number
    finds the feature of that number."""
    query = " ".join((query or "").split())[:NAME_MAX]
    features = Feature.objects.filter(layer=layer)
    if layer.label_property:
        features = features.annotate(
            label=KeyTextTransform(layer.label_property, "properties"))
        if query:
            features = features.filter(label__unaccent__icontains=query)
        features = features.order_by("label", "number", "pk")
    else:
        if query:
            features = features.filter(number=int(query)) if query.isdigit() else \
                features.none()
        features = features.order_by("number", "pk")
    rows = list(features.values_list("pk", "properties", "number")[:limit + 1])
    found = [{"id": pk, "name": feature_name(layer, props, number)}
             for pk, props, number in rows[:limit]]
    return found, len(rows) > limit


def feature_geojson(feature_id: int, *, layers: QuerySet[Layer]) -> dict | None:
    """One feature of one of `layers` as a GeoJSON Feature with its name, or None."""
    row = (Feature.objects.filter(pk=feature_id, layer__in=layers)
           .annotate(json=AsGeoJSON("geometry", precision=geojson.PRECISION))
           .values("pk", "layer_id", "properties", "number", "json").first())
    if row is None:
        return None
    layer = Layer.objects.get(pk=row["layer_id"])
    return {"type": "Feature", "id": row["pk"], "geometry": json.loads(row["json"]),
            "properties": {"name": feature_name(layer, row["properties"], row["number"]),
                           "layer": layer.pk}}


def can_see_unpublished(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("gisdata.view_layer"))


def layers_published() -> QuerySet[Layer]:
    return Layer.objects.filter(is_published=True).select_related("dataset")


# What a tile's answer needs of its layer: the ETag's version, and whether it is public.
# In the model's field order (Layer.from_db takes the values in that order).
TILE_LAYER_FIELDS = ("id", "is_published", "version")
# Only a layer the municipality being served may show (as Layer's manager selects): its
# own, or one of a dataset its region shares; every layer outside a request.
_TILE_LAYER_SQL = """
SELECT l.id, l.is_published, l.version FROM gisdata_layer l
 WHERE l.id = %(layer)s AND l.is_published
   AND (%(served)s::bigint[] IS NULL OR l.municipality_id = ANY(%(served)s)
        OR EXISTS (SELECT 1 FROM gisdata_dataset d
                     JOIN municipalities_municipality m ON m.id = d.municipality_id
                    WHERE d.id = l.dataset_id AND d.shared_with_region
                      AND m.region_id = %(region)s))
"""


def layer_published_for_tiles(layer_id: int) -> Layer | None:
    """The published layer `layer_id` (as `layers_published()` selects: is_published),
    with only TILE_LAYER_FIELDS loaded; None when there is none. Every tile a map asks
    for looks its layer up: in SQL of its own this is one indexed row (~0.2 ms), where
    the ORM spent three times that composing the query."""
    connection = read_connection()
    with connection.cursor() as cursor:
        visible = tenancy.visible_ids()
        cursor.execute(_TILE_LAYER_SQL, {
            "layer": layer_id, "served": None if visible is None else sorted(visible),
            "region": getattr(tenancy.current(), "region_id", None)})
        row = cursor.fetchone()
    return Layer.from_db(connection.alias, TILE_LAYER_FIELDS, row) if row else None


def layers_readable(*, user) -> QuerySet[Layer]:
    """Layers a user may read: published ones; planners (who review imports) see all."""
    qs = Layer.objects.select_related("dataset")
    return qs if can_see_unpublished(user) else qs.filter(is_published=True)


def layers_for_area(area: GEOSGeometry) -> QuerySet[Layer]:
    """Published layers with features inside an area (a project's): the map's layers."""
    return layers_published().filter(extent__intersects=area, feature_count__gt=0)


def layer_extent_bbox(layer: Layer) -> list[float] | None:
    return list(layer.extent.extent) if layer.extent else None


def layer_uses_tiles(layer: Layer) -> bool:
    return layer.feature_count > TILE_THRESHOLD


def tile_in_range(z: int, x: int, y: int) -> bool:
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2 ** z and 0 <= y < 2 ** z


def layer_urls(layer: Layer) -> dict:
    base = reverse("gisdata:layer-tile", args=[layer.pk, 0, 0, 0]).rsplit("/", 3)[0]
    return {"tiles": base + "/{z}/{x}/{y}.pbf",
            "geojson": reverse("api:layer-features", args=[layer.pk])}


def layer_map_config(layer: Layer) -> dict:
    """What the project map needs to show a layer (see static/js/plaza-layers.js)."""
    return {"id": layer.pk, "title": layer.title, "geometry_type": layer.geometry_type,
            "feature_count": layer.feature_count,
            "mode": "tiles" if layer_uses_tiles(layer) else "geojson",
            "attribution": layer.dataset.attribution, "licence": layer.dataset.licence,
            "version": layer.version, **layer_urls(layer),
            # The planner's colour (#rrggbb, gisdata/layer_services.py); None: the map's.
            "color": (layer.style or {}).get("color"),
            # The version in the URL: tiles cached before a re-import are not reused.
            "tiles": f"{layer_urls(layer)['tiles']}?v={layer.version}"}


_FEATURE = geojson.feature_sql(id="t.id", geometry="t.geometry", properties="t.properties")
_GEOJSON_SQL = """
SELECT count(*),
       coalesce(json_agg(FEATURE ORDER BY t.id) FILTER (WHERE t.n <= %(limit)s), '[]')::text
FROM (SELECT row_number() OVER (ORDER BY f.id) AS n, f.id, f.geometry, f.properties
      FROM gisdata_feature f
      WHERE f.layer_id = %(layer)s {bbox}
      ORDER BY f.id LIMIT %(limit)s + 1) t
""".replace("FEATURE", _FEATURE)


def layer_geojson(layer: Layer, *, bbox: Polygon | None = None,
                  limit: int = DEFAULT_GEOJSON) -> tuple[str, int, bool]:
    """Features of a layer as a GeoJSON array text built by PostGIS, at most `limit`
    (ordered by id); returns (features, how many, whether more were left out)."""
    limit = max(1, min(limit, MAX_GEOJSON))
    params: dict = {"layer": layer.pk, "limit": limit}
    where = ""
    if bbox is not None:
        where = "AND f.geometry && ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326)"
        params.update(zip(("x0", "y0", "x1", "y1"), bbox.extent, strict=True))
    with read_connection().cursor() as cursor:
        cursor.execute(_GEOJSON_SQL.format(bbox=where), params)
        count, features = cursor.fetchone()
    return features, min(count, limit), count > limit


# The `&&` filter uses the GiST index on the geometry: the tile's envelope (with the
# buffer's margin) taken back to EPSG:4326. The properties go in as one jsonb column:
# ST_AsMVT (PostGIS ≥ 3.0) adds each top-level key as an attribute of the feature.
TILE_SQL = """
SELECT ST_AsMVT(t, %(name)s, %(extent)s, 'geom', 'id')
FROM (SELECT f.id, f.properties,
             ST_AsMVTGeom(ST_Transform(f.geometry, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s),
                          %(extent)s, %(buffer)s, true) AS geom
      FROM gisdata_feature f
      WHERE f.layer_id = %(layer)s
        AND f.geometry && ST_Transform(
            ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s), 4326)
      LIMIT %(cap)s) t
WHERE t.geom IS NOT NULL
"""


def tile_params(layer_id: int, z: int, x: int, y: int) -> dict:
    return {"name": TILE_LAYER, "extent": EXTENT, "buffer": BUFFER, "margin": BUFFER / EXTENT,
            "z": z, "x": x, "y": y, "layer": layer_id, "cap": MAX_TILE_FEATURES}


@contextmanager
def _binary_cursor(connection) -> Iterator:
    """A cursor on Django's connection (its execute wrappers and query log apply) that
    binds the parameters on the server and reads results in binary. Django's own cursors
    bind on the client, which reads only text: a tile's bytea would come as hex, twice
    its size, built by the server and decoded again here (a few ms for a dense tile)."""
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    raw.format = psycopg.pq.Format.BINARY
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    with wrap(raw) as cursor:
        yield cursor


def layer_tile(layer: Layer, z: int, x: int, y: int) -> bytes:
    """The Mapbox vector tile z/x/y of a layer (empty bytes when nothing is in it).

    JIT is off for the tile's statement (its own transaction): the PostGIS functions'
    declared costs put a dense tile past `jit_above_cost`, and PostgreSQL would compile
    its expressions anew for every request (~5 ms) to run them once."""
    if not tile_in_range(z, x, y):
        raise ValueError(f"no tile {z}/{x}/{y}")
    connection = read_connection()
    with transaction.atomic(using=connection.alias), _binary_cursor(connection) as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(TILE_SQL, tile_params(layer.pk, z, x, y))
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def import_oldest_queued_at() -> datetime | None:
    """When the oldest import still waiting for a worker was requested (/metrics: a
    queue no worker drains, or Redis down while beat cannot publish)."""
    return (ImportRun.objects.filter(status=ImportStatus.QUEUED)
            .order_by("created_at").values_list("created_at", flat=True).first())
