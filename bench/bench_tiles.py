"""tiles: the vector tile of the densest area of a 200,000-point layer.

Ours: an anonymous `GET /tiles/{layer}/{z}/{x}/{y}.pbf` over HTTP on a keep-alive
connection to the deployment's gunicorn (bench/gunicorn.py), as a map asks it (gunicorn,
URL routing, the published-layer look-up, `gisdata.selectors.layer_tile`'s `ST_AsMVT`
query, the response with its ETag). No `If-None-Match`: every request builds the tile.
The same request through `django.test.Client` in this process is a detail line: what
HTTP and gunicorn add.
Reference: the textbook PostGIS query for the same tile (`ST_AsMVT` over
`ST_AsMVTGeom(ST_Transform(geometry, 3857), ST_TileEnvelope(z, x, y), 4096, 64)` of the
rows whose geometry `&&` the tile's envelope in EPSG:4326), sent with psycopg on a
connection of its own to the same database, fetching the bytes.

    .venv/bin/python -m bench.bench_tiles [--runs 50]
"""

from __future__ import annotations

import argparse
import math
import time

import psycopg

from bench.common import fail, machine_facts, out, p50, p95, rounds, setup_django, summary
from bench.gunicorn import KeepAlive, serving

NAME = "tiles"
FEATURES = 200_000
SLUG = "bench-tiles"
# Where the points fall: Barcelona; a quarter of them in a denser district around the
# centre, so that one z14 tile holds ~10,000 points (under the tile's feature cap).
AREA = (2.05, 41.32, 2.23, 41.47)
DENSE = (2.14, 41.37, 2.20, 41.41)
DENSE_SHARE = 0.25
DENSE_POINT = (2.17, 41.39)
ZOOM = 14
SEED = 0.2024

SEED_SQL = """
INSERT INTO gisdata_feature (layer_id, geometry, properties)
SELECT %(layer)s,
       CASE WHEN g <= %(dense_n)s
            THEN ST_SetSRID(ST_MakePoint(%(dx0)s + random() * (%(dx1)s - %(dx0)s),
                                         %(dy0)s + random() * (%(dy1)s - %(dy0)s)), 4326)
            ELSE ST_SetSRID(ST_MakePoint(%(x0)s + random() * (%(x1)s - %(x0)s),
                                         %(y0)s + random() * (%(y1)s - %(y0)s)), 4326)
       END,
       jsonb_build_object('name', 'Tree ' || g, 'species',
                          (ARRAY['Platanus', 'Celtis', 'Tipuana', 'Pinus'])[1 + g %% 4],
                          'height', 3 + g %% 20, 'planted', 1950 + g %% 70)
FROM generate_series(1, %(n)s) AS g
"""

REFERENCE_SQL = """
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

COUNT_SQL = """
SELECT count(*) FROM gisdata_feature f
WHERE f.layer_id = %(layer)s
  AND f.geometry && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4326)
"""


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def seed():
    """The published layer with its 200,000 points: reused when it is complete."""
    from django.contrib.gis.geos import Polygon
    from django.db import connection, transaction

    from gisdata.models import Dataset, Feature, Layer

    layer = Layer.objects.filter(dataset__slug=SLUG).first()
    if layer is not None and Feature.objects.filter(layer=layer).count() == FEATURES:
        out(f"seed: reused layer {layer.pk} with {FEATURES:,} features")
        return layer
    started = time.perf_counter()
    with transaction.atomic():
        dataset, _ = Dataset.objects.get_or_create(slug=SLUG, defaults={
            "name": "Benchmark: street trees", "source_url": "https://example.org/trees.geojson",
            "licence": "CC BY 4.0", "attribution": "Benchmark"})
        extent = Polygon.from_bbox(AREA)
        extent.srid = 4326
        layer, _ = Layer.objects.update_or_create(dataset=dataset, name="trees", defaults={
            "title": "Street trees", "geometry_type": "Point", "is_published": True,
            "extent": extent, "feature_count": FEATURES})
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM gisdata_feature WHERE layer_id = %s", [layer.pk])
            cursor.execute("SELECT setseed(%s)", [SEED])
            x0, y0, x1, y1 = AREA
            dx0, dy0, dx1, dy1 = DENSE
            cursor.execute(SEED_SQL, {
                "layer": layer.pk, "n": FEATURES, "dense_n": int(FEATURES * DENSE_SHARE),
                "x0": x0, "y0": y0, "x1": x1, "y1": y1,
                "dx0": dx0, "dy0": dy0, "dx1": dx1, "dy1": dy1})
    seeded = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE gisdata_feature")
    out(f"seed: layer {layer.pk}, {FEATURES:,} points inserted in {seeded:.1f} s, "
        f"VACUUM ANALYZE {time.perf_counter() - started - seeded:.1f} s")
    return layer


def mvt_ids(data: bytes) -> list[int]:
    """The feature ids of a Mapbox vector tile's layers (a minimal protobuf walk)."""
    def varint(buf, i):
        shift = value = 0
        while True:
            b = buf[i]
            i += 1
            value |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return value, i

    def fields(buf):
        i = 0
        while i < len(buf):
            key, i = varint(buf, i)
            if key & 7 == 0:
                value, i = varint(buf, i)
            elif key & 7 == 2:
                size, i = varint(buf, i)
                value, i = buf[i:i + size], i + size
            else:
                i += 8 if key & 7 == 1 else 4
                value = None
            yield key >> 3, value

    ids = []
    for f, layer in fields(data):
        if f == 3:
            for g, feature in fields(layer):
                if g == 2:
                    ids += [v for h, v in fields(feature) if h == 1]
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="timed runs of each (50)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs of each first (5)")
    args = parser.parse_args()
    if args.runs < 2:
        parser.error("--runs must be at least 2")

    dsn = setup_django()
    from django.test import Client

    from gisdata import selectors

    layer = seed()
    z, x, y = tile_of(*DENSE_POINT, ZOOM)
    params = {"layer": layer.pk, "z": z, "x": x, "y": y}
    url = f"/tiles/{layer.pk}/{z}/{x}/{y}.pbf"
    client = Client()
    answered = set()

    def in_process():
        response = client.get(url)
        answered.add(response.status_code)
        return response.status_code, response.content

    with (psycopg.connect(dsn, connect_timeout=5, autocommit=True,
                          prepare_threshold=None) as conn,
          serving("/ogc/conformance") as server,
          KeepAlive(server.port) as browser):

        def ours():
            status, body = browser.get(url)
            answered.add(status)
            return status, body

        def reference() -> bytes:
            return bytes(conn.execute(REFERENCE_SQL, params).fetchone()[0])

        out(machine_facts(conn))
        out(server.line() + " (platform/deploy/gunicorn.conf.py, 1 worker × 1 thread: "
            "one request at a time, on one keep-alive connection)")
        in_tile = conn.execute(COUNT_SQL, params).fetchone()[0]
        ref_ids = mvt_ids(reference())
        for side, (status, content) in (("over HTTP", ours()), ("in process", in_process())):
            if status != 200:
                fail(f"GET {url} ({side}) answered {status}: {content[:300]!r}")
            ours_ids = mvt_ids(content)
            if not ours_ids:
                fail(f"GET {url} ({side}) returned an empty tile.")
            if sorted(ours_ids) != sorted(ref_ids):
                fail(f"ours ({side}) has {len(ours_ids)} features, the reference "
                     f"{len(ref_ids)}: not the same ones.")
        if len(ours_ids) >= selectors.MAX_TILE_FEATURES:
            fail("the dense tile reached the tile's feature cap: ours would be thinned.")
        out(f"tile {z}/{x}/{y}: {len(ours_ids):,} features ({in_tile:,} inside the tile, "
            f"the rest in its 64-unit buffer), {len(content):,} bytes; "
            f"{FEATURES:,} in the layer")

        started = time.perf_counter()
        times = rounds({"ours": ours, "reference": reference, "in process": in_process},
                       warmup=args.warmup, runs=args.runs)
        if answered != {200}:
            fail(f"GET {url} answered {sorted(answered)} during the timed runs.")
        ours_p50, ref_p50, local_p50 = (p50(times[k]) for k in
                                        ("ours", "reference", "in process"))
        out(f"dense tile: {args.runs} timed rounds after {args.warmup} warm-up, the order "
            f"rotating, {time.perf_counter() - started:.1f} s; p50 ours (HTTP) "
            f"{ours_p50 * 1000:.2f} ms, reference {ref_p50 * 1000:.2f} ms, ratio "
            f"{ours_p50 / ref_p50:.2f}; p95 ours {p95(times['ours']) * 1000:.2f} ms, "
            f"reference {p95(times['reference']) * 1000:.2f} ms; in process "
            f"(django.test.Client) p50 {local_p50 * 1000:.2f} ms, ratio "
            f"{local_p50 / ref_p50:.2f}")

        # Detail: a tile of the whole city at z11, where the feature cap thins the layer.
        wz, wx, wy = tile_of(*DENSE_POINT, 11)
        started = time.perf_counter()
        wide_url = f"/tiles/{layer.pk}/{wz}/{wx}/{wy}.pbf"
        status, wide = browser.get(wide_url)
        if status != 200:
            fail(f"GET {wide_url} answered {status}: {wide[:300]!r}")
        out(f"wide tile {wz}/{wx}/{wy} over HTTP: {len(mvt_ids(wide)):,} features (cap "
            f"{selectors.MAX_TILE_FEATURES:,}), {len(wide):,} bytes, "
            f"{(time.perf_counter() - started) * 1000:.0f} ms once")

    out(summary(NAME, ours_p50 * 1000, ref_p50 * 1000, "ms"))


if __name__ == "__main__":
    main()
