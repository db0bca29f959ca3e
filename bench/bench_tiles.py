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

Ours sends its statement with JIT off (`SET LOCAL` in its transaction: the PostGIS
functions' costs put the tile past `jit_above_cost`, and compiling its expressions costs
more than it saves) and reads the bytea in binary, not as the hex text twice its size
that the reference reads. The reference stays the textbook query as a client sends it
(JIT on, the server's default; text results, psycopg's): a detail line times it again
with both of ours' settings, on a connection of its own, so that the ratio to it shows
what ours adds to the same statement (routing, the layer's look-up, HTTP). Ours' bytes
must equal the reference's.

The cap's `LIMIT` can change the plan (a sequential scan, a bitmap scan of the GiST
index alone, or of it and the primary key, depending on the table's other rows), so the
textbook query without the cap, on whatever plan it gets, is a detail line of its own:
not compared with ours, it shows what the cap does to the reference's plan and time.

tipg (bench/peers.py: FastAPI and asyncpg under uvicorn, 1 worker, its own virtualenv
var/bench-tipg/) serving the same table: `GET /collections/public.gisdata_feature/tiles/
WebMercatorQuad/{z}/{x}/{y}?layer_id=…` on a keep-alive connection of its own, a detail
line (`--peers ''` skips it). Its buffer and feature cap are set to ours (64 of 4,096,
20,000); it still selects only the points inside the tile itself (its filter has no
margin), ordered by id, where ours also takes those in the buffer.

    .venv/bin/python -m bench.bench_tiles [--runs 50] [--peers tipg]
"""

from __future__ import annotations

import argparse
import math
import time
from contextlib import ExitStack
from pathlib import Path

import psycopg

from bench import peers, plans
from bench.common import fail, machine_facts, out, p50, p95, rounds, setup_django, summary
from bench.gunicorn import KeepAlive, serving
from bench.mvt import mvt_decode

NAME = "tiles"
FEATURES = 200_000
DATASET_NAME = "Benchmark: street trees"
# Where the points fall: Barcelona; a quarter of them in a denser district around the
# centre, so that one z14 tile holds ~10,000 points (under the tile's feature cap).
AREA = (2.05, 41.32, 2.23, 41.47)
DENSE = (2.14, 41.37, 2.20, 41.41)
DENSE_SHARE = 0.25
DENSE_POINT = (2.17, 41.39)
ZOOM = 14
SEED = 2024

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

# The points inside the tile itself (no buffer), what tipg's filter selects.
INSIDE_SQL = """
SELECT f.id FROM gisdata_feature f
WHERE f.layer_id = %(layer)s
  AND ST_Intersects(f.geometry, ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4326))
"""


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def seed():
    """The published layer with its 200,000 points, imported as a planner's upload is
    (bench/seed_layers.py): reused when it is complete."""
    import numpy as np

    from bench.seed_layers import layer_imported

    rng = np.random.default_rng(SEED)
    g = np.arange(1, FEATURES + 1, dtype=np.int64)
    dense = g <= int(FEATURES * DENSE_SHARE)
    (x0, y0, x1, y1), (dx0, dy0, dx1, dy1) = AREA, DENSE
    u, v = rng.random(FEATURES), rng.random(FEATURES)
    species = np.array(["Platanus", "Celtis", "Tipuana", "Pinus"], dtype=object)
    return layer_imported(
        name=DATASET_NAME, layer_name="trees", title="Street trees",
        x=np.where(dense, dx0 + u * (dx1 - dx0), x0 + u * (x1 - x0)),
        y=np.where(dense, dy0 + v * (dy1 - dy0), y0 + v * (y1 - y0)),
        columns={"name": np.array([f"Tree {i}" for i in g.tolist()], dtype=object),
                 "species": species[g % 4], "height": 3 + g % 20, "planted": 1950 + g % 70},
        licence="CC BY 4.0", attribution="Benchmark")


def mvt_ids(data: bytes) -> list[int]:
    """The feature ids of a Mapbox vector tile's layers."""
    return [f["id"] for layer in mvt_decode(data).values() for f in layer]


def mvt_attribute_ints(data: bytes, name: str) -> list[int | None]:
    """The integer attribute `name` of every feature of a Mapbox vector tile's layers
    (None where a feature has none): tipg's tiles carry the id as an attribute."""
    found = [f["properties"].get(name) for layer in mvt_decode(data).values()
             for f in layer]
    return [v if isinstance(v, int) and not isinstance(v, bool) else None for v in found]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="timed runs of each (50)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs of each first (5)")
    peers.add_peers_argument(parser, choices=("tipg",), default=("tipg",))
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

    with ExitStack() as stack:
        conn = stack.enter_context(psycopg.connect(dsn, connect_timeout=5, autocommit=True,
                                                   prepare_threshold=None))
        # The reference with ours' settings (a detail line): JIT off for its session.
        tuned = stack.enter_context(psycopg.connect(dsn, connect_timeout=5, autocommit=True,
                                                    prepare_threshold=None,
                                                    options="-c jit=off"))
        server = stack.enter_context(serving("/ogc/conformance"))
        browser = stack.enter_context(KeepAlive(server.port))
        tipg = None
        if "tipg" in args.peers:
            tipg = stack.enter_context(peers.serving(
                "tipg", dsn, layer.pk, Path(__file__).resolve().parent.parent / "var"
                / "bench-tiles"))
            tipg_conn = stack.enter_context(KeepAlive(tipg.port))
            tipg_url = tipg.tile_path(z, x, y)

        def ours():
            status, body = browser.get(url)
            answered.add(status)
            return status, body

        def reference() -> bytes:
            return bytes(conn.execute(REFERENCE_SQL, params).fetchone()[0])

        def textbook() -> bytes:
            return bytes(conn.execute(TEXTBOOK_SQL, params).fetchone()[0])

        def reference_tuned() -> bytes:
            cursor = tuned.cursor(binary=True)
            return bytes(cursor.execute(REFERENCE_SQL, params).fetchone()[0])

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
        ref_tile = reference()
        ref_ids = mvt_ids(ref_tile)
        if sorted(mvt_ids(textbook())) != sorted(ref_ids):
            fail("the textbook query without the cap and with it give other features.")
        if reference_tuned() != ref_tile:
            fail("the reference with JIT off, read in binary, gives other bytes.")
        for side, (status, content) in (("over HTTP", ours()), ("in process", in_process())):
            if status != 200:
                fail(f"GET {url} ({side}) answered {status}: {content[:300]!r}")
            ours_ids = mvt_ids(content)
            if not ours_ids:
                fail(f"GET {url} ({side}) returned an empty tile.")
            if sorted(ours_ids) != sorted(ref_ids):
                fail(f"ours ({side}) has {len(ours_ids)} features, the reference "
                     f"{len(ref_ids)}: not the same ones.")
            if content != ref_tile:
                fail(f"ours ({side}) is not byte for byte the reference's tile.")
        if len(ours_ids) >= selectors.MAX_TILE_FEATURES:
            fail("the dense tile reached the tile's feature cap: ours would be thinned.")
        out(f"tile {z}/{x}/{y}: {len(ours_ids):,} features ({in_tile:,} inside the tile, "
            f"the rest in its 64-unit buffer), {len(content):,} bytes; "
            f"{FEATURES:,} in the layer")
        sides = {"ours": ours, "reference": reference, "in process": in_process}
        if tipg is not None:
            out(tipg.line())

            def theirs():
                status, body = tipg_conn.get(tipg_url)
                answered.add(status)
                return status, body

            status, body = theirs()
            if status != 200:
                fail(f"tipg: GET {tipg_url} answered {status}: {body[:300]!r}")
            check_tipg(body, ours_ids, conn, params)
            sides["tipg"] = theirs

        access = same_plan("dense tile", REFERENCE_SQL)
        book_plan = plans.text(plans.shape(plans.explain_psycopg(conn, TEXTBOOK_SQL, params)))
        started = time.perf_counter()
        sides["textbook"] = textbook
        sides["reference, tuned"] = reference_tuned
        times = rounds(sides, warmup=args.warmup, runs=args.runs)
        if answered != {200}:
            fail(f"GET {url} (or tipg's tile) answered {sorted(answered)} during the timed "
                 f"runs.")
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
        tuned_p50 = p50(times["reference, tuned"])
        out(f"reference with ours' settings (JIT off, the bytea read in binary): p50 "
            f"{tuned_p50 * 1000:.2f} ms, p95 {p95(times['reference, tuned']) * 1000:.2f} "
            f"ms; ratio ours (HTTP)/it {ours_p50 / tuned_p50:.2f}, in process/it "
            f"{local_p50 / tuned_p50:.2f}: what ours adds to the same statement")
        if tipg is not None:
            tipg_p50 = p50(times["tipg"])
            out(f"tipg over HTTP: p50 {tipg_p50 * 1000:.2f} ms, p95 "
                f"{p95(times['tipg']) * 1000:.2f} ms; ratio ours/tipg "
                f"{ours_p50 / tipg_p50:.2f}, tipg/reference {tipg_p50 / ref_p50:.2f}")

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


def check_tipg(tile: bytes, ours_ids: list[int], conn, params: dict) -> None:
    """tipg's tile holds exactly the layer's points inside the tile itself (its filter
    has no margin), all of them (under its cap), each once; ours holds those and the
    ones in its buffer."""
    from gisdata import selectors

    ids = mvt_attribute_ints(tile, "id")
    if not ids or None in ids:
        fail(f"tipg's tile has {len(ids)} features, {ids.count(None)} without an id.")
    inside = {row[0] for row in conn.execute(INSIDE_SQL, params).fetchall()}
    if len(ids) != len(set(ids)) or set(ids) != inside:
        fail(f"tipg's tile has {len(ids):,} features ({len(set(ids)):,} ids), not the "
             f"{len(inside):,} points inside the tile.")
    if len(ids) >= selectors.MAX_TILE_FEATURES:
        fail("tipg's tile reached its feature cap: it would be cut.")
    if not inside <= set(ours_ids):
        fail("ours lacks points inside the tile that tipg has.")
    out(f"tipg's tile: {len(ids):,} features, {len(tile):,} bytes: the points inside the "
        f"tile, all in ours, whose other {len(ours_ids) - len(ids):,} lie in its buffer "
        f"(tipg's filter takes the tile without it); the id as an attribute, not as the "
        f"feature's id, and every column as attributes (id, layer_id, repaired, the "
        f"properties' keys)")


if __name__ == "__main__":
    main()
