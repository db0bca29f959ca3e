"""tiles: the vector tile of the densest area of a 200,000-point layer.

Ours: an anonymous `GET /tiles/{layer}/{z}/{x}/{y}.pbf` over HTTP on a keep-alive
connection to the deployment's gunicorn (bench/gunicorn.py), as a map asks it (gunicorn,
URL routing, the published-layer look-up, `gisdata.selectors.layer_tile`'s `ST_AsMVT`
query, the response with its ETag). No `If-None-Match`: every request builds the tile.
The same request through `django.test.Client` in this process is a detail line: what
HTTP and gunicorn add.
Reference: the textbook PostGIS query for the same tile (`ST_AsMVT` over
`ST_AsMVTGeom(ST_Transform(geometry, 3857), ST_TileEnvelope(z, x, y), 4096, 64)` of the
rows whose geometry `&&` the tile's envelope in EPSG:4326) with ours' feature cap (a
`LIMIT`), sent with psycopg on a connection of its own to the same database, fetching
the bytes. Both plans are reduced to their shapes and must read the layer alike.

The cap's `LIMIT` can change the plan (a sequential scan, a bitmap scan of the GiST
index alone, or of it and the primary key, depending on the table's other rows), so the
textbook query without the cap, on whatever plan it gets, is a detail line of its own:
not compared with ours, it shows what the cap does to the reference's plan and time.

    .venv/bin/python -m bench.bench_tiles [--runs 50]
"""

from __future__ import annotations

import argparse
import math
import time

import psycopg

from bench import plans
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

TEXTBOOK_SQL = """
SELECT ST_AsMVT(mvt, 'features', 4096, 'geom', 'id')
FROM (SELECT f.id, f.properties,
             ST_AsMVTGeom(ST_Transform(f.geometry, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s),
                          4096, 64, true) AS geom
      FROM gisdata_feature f
      WHERE f.layer_id = %(layer)s
        AND f.geometry && ST_Transform(
            ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096), 4326){cap}) mvt
WHERE geom IS NOT NULL
"""
# The summary's reference: the textbook query with ours' cap on the features of a tile.
REFERENCE_SQL = TEXTBOOK_SQL.format(cap="\n      LIMIT %(cap)s")
TEXTBOOK_SQL = TEXTBOOK_SQL.format(cap="")

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
    params = {"layer": layer.pk, "z": z, "x": x, "y": y, "cap": selectors.MAX_TILE_FEATURES}
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

        def textbook() -> bytes:
            return bytes(conn.execute(TEXTBOOK_SQL, params).fetchone()[0])

        def same_plan(label: str, reference_sql: str) -> str:
            """Ours' tile statement and the reference's, reduced to their shapes: the
            bench fails unless they read the layer alike. Returns the access."""
            _, statements = plans.capture(in_process)
            tile = [s for s in statements if "ST_AsMVT" in s.sql]
            if len(tile) != 1:
                fail(f"GET {url} sent {len(tile)} ST_AsMVT statements, not one.")
            ours_shape = plans.shape(plans.explain_django(tile[0]))
            ref_shape = plans.shape(plans.explain_psycopg(conn, reference_sql, params))
            plans.compare(label, [ours_shape], [ref_shape], out=out, fail=fail)
            return " + ".join(sorted(next(iter(plans.accesses([ref_shape]).values()))))

        out(machine_facts(conn))
        out(server.line() + " (platform/deploy/gunicorn.conf.py, 1 worker × 1 thread: "
            "one request at a time, on one keep-alive connection)")
        in_tile = conn.execute(COUNT_SQL, params).fetchone()[0]
        ref_ids = mvt_ids(reference())
        if sorted(mvt_ids(textbook())) != sorted(ref_ids):
            fail("the textbook query without the cap and with it give other features.")
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

        access = same_plan("dense tile", REFERENCE_SQL)
        book_plan = plans.text(plans.shape(plans.explain_psycopg(conn, TEXTBOOK_SQL, params)))
        started = time.perf_counter()
        times = rounds({"ours": ours, "reference": reference, "in process": in_process,
                        "textbook": textbook}, warmup=args.warmup, runs=args.runs)
        if answered != {200}:
            fail(f"GET {url} answered {sorted(answered)} during the timed runs.")
        ours_p50, ref_p50, local_p50 = (p50(times[k]) for k in
                                        ("ours", "reference", "in process"))
        out(f"dense tile, both on {access}: {args.runs} timed rounds after {args.warmup} "
            f"warm-up, the order "
            f"rotating, {time.perf_counter() - started:.1f} s; p50 ours (HTTP) "
            f"{ours_p50 * 1000:.2f} ms, reference {ref_p50 * 1000:.2f} ms, ratio "
            f"{ours_p50 / ref_p50:.2f}; p95 ours {p95(times['ours']) * 1000:.2f} ms, "
            f"reference {p95(times['reference']) * 1000:.2f} ms; in process "
            f"(django.test.Client) p50 {local_p50 * 1000:.2f} ms, ratio "
            f"{local_p50 / ref_p50:.2f}")
        # What the cap does to the plan: the same query without it, on the plan the
        # planner picks for it (not compared with ours: its plan may be another).
        book_p50 = p50(times["textbook"])
        out(f"textbook query without the cap, on its own plan {book_plan}: p50 "
            f"{book_p50 * 1000:.2f} ms, p95 {p95(times['textbook']) * 1000:.2f} ms; the "
            f"capped reference takes {ref_p50 / book_p50:.2f}× its time")

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
