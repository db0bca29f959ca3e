"""Published layers on the map: the layers API, GeoJSON features and vector tiles."""

from __future__ import annotations

import math

import pytest
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.test import Client

from bench.mvt import mvt_decode
from gisdata import selectors
from gisdata.models import Dataset, Feature, Layer
from tests.factories import project_make, user_make

pytestmark = pytest.mark.django_db


def layer_make(name="fountains", *, published=True, points=(), geometry_type="Point",
               props=None, dataset=None, **fields) -> Layer:
    dataset = dataset or Dataset.objects.create(
        name=f"Dataset {name}", slug=f"ds-{name}", source_url="https://example.org/x.geojson",
        licence="CC BY 4.0", attribution="City of Barcelona <Open Data>")
    layer = Layer.objects.create(dataset=dataset, name=name, title=name.title(),
                                 geometry_type=geometry_type, is_published=published,
                                 **fields)
    for i, (lon, lat) in enumerate(points):
        Feature.objects.create(
            layer=layer, geometry=GEOSGeometry(f"POINT({lon} {lat})", srid=4326),
            properties=(props(i) if props else {"name": f"F{i}", "n": i}))
    if points:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        layer.extent = Polygon.from_bbox((min(xs) - 1e-4, min(ys) - 1e-4,
                                          max(xs) + 1e-4, max(ys) + 1e-4))
        layer.extent.srid = 4326
        layer.feature_count = len(points)
        layer.save()
    return layer


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


# ------------------------------------------------------------ selectors

POINTS = [(2.170, 41.390), (2.171, 41.391), (2.172, 41.392)]


def test_published_layers_and_the_project_map_s_layers():
    shown = layer_make("fountains", points=POINTS)
    layer_make("draft", published=False, points=POINTS)
    layer_make("faraway", points=[(-3.7, 40.4)])
    assert set(selectors.layers_published().values_list("name", flat=True)) == {
        "fountains", "faraway"}
    area = MultiPolygon(Polygon.from_bbox((2.1, 41.3, 2.3, 41.5)), srid=4326)
    assert list(selectors.layers_for_area(area)) == [shown]


@pytest.mark.quality("bbox-flood")
def test_layer_geojson_is_built_by_postgis_and_bounded():
    import json

    layer = layer_make("fountains", points=POINTS)
    text, returned, more = selectors.layer_geojson(layer)
    features = json.loads(text)
    assert returned == 3 and not more
    assert features[0]["properties"] == {"name": "F0", "n": 0}
    assert features[0]["geometry"] == {"type": "Point", "coordinates": [2.17, 41.39]}
    text, returned, more = selectors.layer_geojson(layer, limit=2)
    assert returned == 2 and more and len(json.loads(text)) == 2
    bbox = Polygon.from_bbox((2.1705, 41.3905, 2.1715, 41.3915))
    text, returned, more = selectors.layer_geojson(layer, bbox=bbox)
    assert [f["properties"]["n"] for f in json.loads(text)] == [1]


def test_a_tile_holds_the_features_inside_it_with_their_attributes():
    layer = layer_make("fountains", points=POINTS,
                       props=lambda i: {"name": f"Font {i}", "n": i, "ok": i % 2 == 0})
    data = selectors.layer_tile(layer, *tile_of(2.171, 41.391, 14))
    assert data and b"features" in data
    decoded = mvt_decode(data)
    features = decoded[selectors.TILE_LAYER]
    assert len(features) == 3 and {f["type"] for f in features} == {1}  # points
    by_id = {f["id"]: f["properties"] for f in features}
    first = Feature.objects.filter(layer=layer).order_by("pk").first()
    assert by_id[first.pk] == {"name": "Font 0", "n": 0, "ok": True}
    # Another tile, far away, is empty.
    assert selectors.layer_tile(layer, *tile_of(-3.7, 40.4, 14)) == b""


def test_the_tile_look_up_finds_exactly_the_published_layers():
    shown = layer_make("fountains", points=POINTS)
    draft = layer_make("draft", published=False, points=POINTS)
    Layer.objects.filter(pk=shown.pk).update(version=7)
    found = selectors.layer_published_for_tiles(shown.pk)
    assert (found.pk, found.version, found.is_published) == (shown.pk, 7, True)
    assert selectors.layer_published_for_tiles(draft.pk) is None
    assert selectors.layer_published_for_tiles(draft.pk + shown.pk + 1) is None
    assert selectors.layer_published_for_tiles(10 ** 30) is None  # past bigint: none
    assert {pk for pk in (shown.pk, draft.pk) if selectors.layer_published_for_tiles(pk)} == set(
        selectors.layers_published().values_list("pk", flat=True))


def test_tile_range():
    assert selectors.tile_in_range(0, 0, 0) and selectors.tile_in_range(3, 7, 7)
    assert not selectors.tile_in_range(3, 8, 0)
    assert not selectors.tile_in_range(23, 0, 0)
    with pytest.raises(ValueError):
        selectors.layer_tile(Layer(pk=1), 2, 4, 0)


def test_a_tile_of_the_whole_world_works():
    layer = layer_make("fountains", points=POINTS)
    assert len(mvt_decode(selectors.layer_tile(layer, 0, 0, 0))["features"]) == 3


# The textbook PostGIS query for a tile, as PostGIS documents it: a tile must hold exactly
# what it returns, whatever way ours sends its statement and reads its bytes back.
TEXTBOOK_TILE_SQL = """
SELECT ST_AsMVT(mvt, 'features', 4096, 'geom', 'id')
FROM (SELECT f.id, f.properties,
             ST_AsMVTGeom(ST_Transform(f.geometry, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s),
                          4096, 64, true) AS geom
      FROM gisdata_feature f
      WHERE f.layer_id = %(layer)s
        AND f.geometry && ST_Transform(
            ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096), 4326)) mvt
WHERE geom IS NOT NULL
"""

MIXED = [{"name": "Font 0", "n": 0, "ok": True},
         {"name": "Plaça d'Àngel ✓", "n": -7, "height": 2.5, "ok": False, "gone": None},
         {"name": "Font 2", "n": 2 ** 40, "tags": ["a", "b"], "address": {"street": "Pi"}}]


def test_a_tile_is_the_bytes_of_the_textbook_query():
    """Same features, same attributes with the same types, byte for byte: strings
    (accents too), negative and large integers, floats, booleans; nulls and nested
    values left out, as PostGIS does. Points in the tile's buffer are in it too."""
    from django.db import connection

    buffer_point = (2.1755, 41.3910)  # just east of the others' z14 tile, in its buffer
    layer = layer_make("fountains", points=[*POINTS, buffer_point, (-3.7, 40.4)],
                       props=lambda i: MIXED[i % 3])
    z, x, y = tile_of(2.171, 41.391, 14)
    assert tile_of(*buffer_point, 14) != (z, x, y)
    data = selectors.layer_tile(layer, z, x, y)
    with connection.cursor() as cursor:
        cursor.execute(TEXTBOOK_TILE_SQL, {"z": z, "x": x, "y": y, "layer": layer.pk})
        textbook = bytes(cursor.fetchone()[0])
    assert data == textbook
    features = mvt_decode(data)[selectors.TILE_LAYER]
    assert len(features) == 4
    assert sorted(f["properties"]["name"] for f in features) == [
        "Font 0", "Font 0", "Font 2", "Plaça d'Àngel ✓"]
    by_n = {f["properties"]["n"]: f["properties"] for f in features}
    assert by_n[-7]["height"] == 2.5 and by_n[-7]["ok"] is False and "gone" not in by_n[-7]
    assert by_n[2 ** 40] == {"name": "Font 2", "n": 2 ** 40}


@pytest.mark.django_db(transaction=True)
def test_a_tile_is_built_without_jit_and_leaves_the_connection_as_it_was():
    """PostgreSQL's JIT compiles the tile's expressions for every request (the PostGIS
    functions' costs put the statement past jit_above_cost) and then runs them once:
    milliseconds lost. It is turned off for the tile's own transaction only."""
    from django.db import connection

    layer = layer_make("fountains", points=POINTS)
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        before = cursor.fetchone()[0]
    sent = []

    def record(execute, sql, params, many, context):
        if "ST_AsMVT" in sql:
            context["cursor"].execute("SHOW jit")
            sent.append(("tile", context["cursor"].fetchone()[0]))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        data = selectors.layer_tile(layer, *tile_of(2.171, 41.391, 14))
    assert len(mvt_decode(data)[selectors.TILE_LAYER]) == 3
    assert sent == [("tile", "off")]
    assert connection.get_autocommit() and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == before


# ------------------------------------------------------------ endpoints

def tile_url(layer, z, x, y):
    return f"/tiles/{layer.pk}/{z}/{x}/{y}.pbf"


def test_tile_endpoint_answers_protobuf_with_cache_headers():
    layer = layer_make("fountains", points=POINTS)
    url = tile_url(layer, *tile_of(2.171, 41.391, 14))
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    assert f"v{layer.version}" in response["ETag"]
    assert "Cookie" not in response.get("Vary", "")
    assert len(mvt_decode(response.content)["features"]) == 3
    again = Client().get(url, headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304 and again.content == b""
    # A re-import bumps the version: the old ETag no longer matches.
    Layer.objects.filter(pk=layer.pk).update(version=layer.version + 1)
    fresh = Client().get(url, headers={"If-None-Match": response["ETag"]})
    assert fresh.status_code == 200 and fresh["ETag"] != response["ETag"]


def test_an_empty_tile_is_204():
    layer = layer_make("fountains", points=POINTS)
    response = Client().get(tile_url(layer, *tile_of(-3.7, 40.4, 14)))
    assert response.status_code == 204 and response.content == b""


@pytest.mark.parametrize("zxy", [(3, 8, 0), (3, 0, 8), (23, 0, 0)])
def test_tiles_out_of_range_are_404(zxy):
    layer = layer_make("fountains", points=POINTS)
    assert Client().get(tile_url(layer, *zxy)).status_code == 404


def test_unpublished_layers_are_for_planners_only():
    layer = layer_make("draft", published=False, points=POINTS)
    url = tile_url(layer, *tile_of(2.171, 41.391, 14))
    assert Client().get(url).status_code == 404
    citizen = Client()
    citizen.force_login(user_make("carla"))
    assert citizen.get(url).status_code == 404
    assert citizen.get(f"/api/v1/layers/{layer.pk}/features/").status_code == 404
    planner = Client()
    planner.force_login(user_make("pia", planner=True))
    response = planner.get(url)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "Cookie" in response["Vary"]
    assert planner.get(f"/api/v1/layers/{layer.pk}/features/").status_code == 200
    assert Client().get("/tiles/999999/0/0/0.pbf").status_code == 404
    assert Client().get(f"/tiles/{10 ** 30}/0/0/0.pbf").status_code == 404


def test_the_layers_api_lists_only_published_layers():
    shown = layer_make("fountains", points=POINTS)
    layer_make("draft", published=False, points=POINTS)
    response = Client().get("/api/v1/layers/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == [shown.pk]
    row = results[0]
    assert row["geometry_type"] == "Point" and row["feature_count"] == 3
    assert row["licence"] == "CC BY 4.0" and row["attribution"] == "City of Barcelona <Open Data>"
    assert row["bbox"] == pytest.approx([2.1699, 41.3899, 2.1721, 41.3921])
    assert row["tiles"].endswith(f"/tiles/{shown.pk}/{{z}}/{{x}}/{{y}}.pbf")
    assert row["geojson"].endswith(f"/api/v1/layers/{shown.pk}/features/")


def test_layer_features_as_geojson_by_bbox_and_limit():
    layer = layer_make("fountains", points=POINTS)
    url = f"/api/v1/layers/{layer.pk}/features/"
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection" and body["numberReturned"] == 3
    assert not body["truncated"]
    body = Client().get(url, {"limit": 1}).json()
    assert body["numberReturned"] == 1 and body["truncated"]
    body = Client().get(url, {"bbox": "2.1705,41.3905,2.1715,41.3915"}).json()
    assert [f["properties"]["n"] for f in body["features"]] == [1]
    for bad in ("1,2,3", "a,b,c,d", "3,0,1,1", "nan,0,1,1"):
        assert Client().get(url, {"bbox": bad}).status_code == 400
    assert Client().get(url, {"limit": 0}).status_code == 400
    assert Client().get(url, {"limit": selectors.MAX_GEOJSON + 1}).status_code == 400


def test_the_project_map_config_carries_the_layers():
    import json

    project = project_make("layers-map")
    minx, miny, maxx, maxy = project.area.extent
    inside = [((minx + maxx) / 2, (miny + maxy) / 2)]
    small = layer_make("fountains", points=inside)
    big = layer_make("trees", points=inside)
    Layer.objects.filter(pk=big.pk).update(feature_count=selectors.TILE_THRESHOLD + 1)
    layer_make("draft", published=False, points=inside)
    response = Client().get(f"/projects/{project.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="map-config"')
    text = html[html.index(">", start) + 1:html.index("</script>", start)]
    layers = {c["title"]: c for c in json.loads(text)["layers"]}
    assert set(layers) == {"Fountains", "Trees"}
    assert layers["Fountains"]["mode"] == "geojson" and layers["Trees"]["mode"] == "tiles"
    assert layers["Trees"]["tiles"] == f"/tiles/{big.pk}/{{z}}/{{x}}/{{y}}.pbf?v=1"
    assert layers["Fountains"]["geojson"] == f"/api/v1/layers/{small.pk}/features/"
