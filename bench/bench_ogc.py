"""ogc: 1,000 features out of a 200,000-feature layer by bbox, from OGC API – Features.

A published layer of 200,000 random points over Barcelona, each with three attributes;
a bbox of the centre holds ~1,200 of them and `limit=1000` cuts the page. Every side
answers the same question: the first 1,000 features in the bbox by id, as GeoJSON, with
how many match in all (numberMatched).

- Ours over HTTP (the summary line's): `GET /ogc/collections/{id}/items?bbox=…&limit=1000`
  to the deployment's gunicorn (1 worker, 1 thread, bench/gunicorn.py) on 127.0.0.1, on
  a keep-alive connection as a GIS client keeps one (the whole stack: gunicorn,
  middleware, DRF, throttles, the collection look-up, the query PostGIS answers with the
  GeoJSON text, the ETag).
- Raw SQL (the reference of the summary line): the query that lets PostGIS build the
  same 1,000 features and count the matches, with psycopg on a connection of its own.
- Ours in process: the same request through Django's test client, a detail line: what
  HTTP and gunicorn add.
- The peers over HTTP (bench/peers.py), each on a keep-alive connection of its own,
  reading the same table (`gisdata_feature`, the layer by `layer_id=` in the query):
  tipg (bench/requirements-tipg.txt in var/bench-tipg/; FastAPI and asyncpg under
  uvicorn, 1 worker) and pygeoapi (bench/requirements-pygeoapi.txt in
  var/bench-pygeoapi/; its PostgreSQL provider, `sortby=id`, under gunicorn with 1 worker
  and 1 thread). Each virtualenv is made on first use; `--peers tipg` (or `--peers ''`)
  runs fewer.

All sides run in turn, round after round, so they see the same machine. Targets: ours at
most 2× raw SQL, and faster than the peers. No timing is ever asserted.

    .venv/bin/python -m bench.bench_ogc [--runs 30] [--warmup 3] [--peers tipg,pygeoapi]
"""

from __future__ import annotations

import argparse
import json
from contextlib import ExitStack
from pathlib import Path

import psycopg

from bench import peers, plans
from bench.common import fail, machine_facts, out, p50, p95, rounds, setup_django, summary
from bench.gunicorn import KeepAlive, free_port, start_gunicorn, stop_gunicorn
from bench.peers import wait_http

NAME = "ogc"
FEATURES = 200_000
PAGE = 1000
DATASET_NAME = "Benchmark: OGC API"
AREA = (2.05, 41.32, 2.23, 41.47)
BBOX = (2.160, 41.380, 2.175, 41.391)  # 0.61% of the area: ~1,220 points
SEED = 2024
ROOT = Path(__file__).resolve().parent.parent

REFERENCE_SQL = """
SELECT json_build_object(
    'type', 'FeatureCollection',
    'numberMatched', (SELECT count(*) FROM gisdata_feature
                      WHERE layer_id = %(layer)s
                        AND ST_Intersects(geometry, ST_MakeEnvelope(
                            %(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326))),
    'features', coalesce(json_agg(json_build_object(
        'type', 'Feature', 'id', id, 'geometry', ST_AsGeoJSON(geometry, 7)::json,
        'properties', properties) ORDER BY id), '[]'))::text
FROM (SELECT id, geometry, properties FROM gisdata_feature
      WHERE layer_id = %(layer)s
        AND ST_Intersects(geometry, ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326))
      ORDER BY id LIMIT %(limit)s) t
"""


def seed():
    """The published layer with its 200,000 points, imported as a planner's upload is
    (bench/seed_layers.py): reused when it is complete."""
    import numpy as np

    from bench.seed_layers import layer_imported

    rng = np.random.default_rng(SEED)
    g = np.arange(1, FEATURES + 1, dtype=np.int64)
    x0, y0, x1, y1 = AREA
    return layer_imported(
        name=DATASET_NAME, layer_name="points", title="Benchmark points",
        x=x0 + rng.random(FEATURES) * (x1 - x0), y=y0 + rng.random(FEATURES) * (y1 - y0),
        columns={"name": np.array([f"Point {i}" for i in g.tolist()], dtype=object),
                 "n": g,
                 "kind": np.array(["bench", "fountain", "tree"], dtype=object)[g % 3]},
        licence="CC0 1.0", attribution="Plaza benchmarks")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed rounds (30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first (3)")
    peers.add_peers_argument(parser)
    args = parser.parse_args()
    if args.runs < 2:
        parser.error("--runs must be at least 2")

    dsn = setup_django()
    from django.test import Client

    from opendata.catalogue import collections_all

    layer = seed()
    collection = next(c.id for c in collections_all() if c.layer and c.layer.pk == layer.pk)
    bbox = ",".join(str(v) for v in BBOX)
    query = f"bbox={bbox}&limit={PAGE}"
    ours_path = f"/ogc/collections/{collection}/items?{query}"
    params = {"layer": layer.pk, "x0": BBOX[0], "y0": BBOX[1], "x1": BBOX[2],
              "y1": BBOX[3], "limit": PAGE}
    client = Client()
    var = ROOT / "var" / "bench-ogc"
    var.mkdir(parents=True, exist_ok=True)
    ours_port, ours_log = free_port(), var / "gunicorn.log"
    accept = {"Accept": "application/geo+json"}
    with ExitStack() as stack:
        web = start_gunicorn(ours_port, workers=1, threads=1, log=ours_log)
        stack.callback(stop_gunicorn, web)
        running = [stack.enter_context(peers.serving(name, dsn, layer.pk, var))
                   for name in args.peers]
        wait_http(ours_port, "/ogc/conformance", web, ours_log, "gunicorn")
        conn = stack.enter_context(psycopg.connect(dsn, autocommit=True,
                                                   prepare_threshold=None))
        ours_conn = stack.enter_context(KeepAlive(ours_port))
        out(machine_facts(conn))
        for peer in running:
            out(peer.line())

        def raw():
            return conn.execute(REFERENCE_SQL, params).fetchone()[0]

        def ours():
            response = client.get(ours_path)
            if response.status_code != 200:
                fail(f"GET {ours_path} answered {response.status_code}")
            # A page is streamed (opendata's items view): read it all, as a client does.
            if response.streaming:
                return b"".join(response.streaming_content)
            return response.content

        def ours_http():
            status, body = ours_conn.get(ours_path, accept)
            if status != 200:
                fail(f"gunicorn: GET {ours_path} answered {status}")
            return body

        def peer_side(peer: peers.Peer):
            path = peer.items_path(query)
            keep_alive = stack.enter_context(KeepAlive(peer.port))

            def get():
                status, body = keep_alive.get(path, accept)
                if status != 200:
                    fail(f"{peer.name}: GET {path} answered {status}: {body[:300]!r}")
                return body
            return get

        sides = {"ours": ours, "raw": raw, "ours_http": ours_http}
        sides.update({peer.name: peer_side(peer) for peer in running})
        check({"ours": ours(), "ours over HTTP": ours_http(), "raw SQL": raw(),
               **{peer.name: sides[peer.name]() for peer in running}})
        same_plan(client, ours_path, conn, params)
        times = rounds(sides, warmup=args.warmup, runs=args.runs)

    med = {name: p50(t) * 1000 for name, t in times.items()}
    for name, t in times.items():
        out(f"{name}: p50 {med[name]:.2f} ms, p95 {p95(t) * 1000:.2f} ms ({args.runs} runs)")
    for peer in args.peers:
        out(f"{peer} over HTTP: ours (HTTP) {med['ours_http']:.2f} ms vs {peer} "
            f"{med[peer]:.2f} ms, ratio ours/{peer} {med['ours_http'] / med[peer]:.2f} "
            f"(target < 1); {peer}/raw SQL {med[peer] / med['raw']:.2f}")
    out(f"ours (HTTP) vs raw SQL: ratio {med['ours_http'] / med['raw']:.2f}; "
        + "; ".join(f"ours/{peer} {med['ours_http'] / med[peer]:.2f}" for peer in args.peers))
    out(f"ours in process (django.test.Client) vs raw SQL: ratio "
        f"{med['ours'] / med['raw']:.2f}")
    out(summary(NAME, med["ours_http"], med["raw"], "ms") + " (target ≤ 1.5)")


def same_plan(client, path: str, conn, params: dict) -> None:
    """The plans of ours' statements that read the features (the count, and the page
    through its server-side cursor) and of the raw SQL: the same access to the table, or
    the bench fails."""
    response, statements = plans.capture(lambda: client.get(path))
    if response.status_code != 200:
        fail(f"GET {path} answered {response.status_code}")
    reading = [s for s in statements if "gisdata_feature" in s.sql]
    if not reading:
        fail(f"GET {path} sent no statement that reads gisdata_feature.")
    plans.compare("the page", [plans.shape(plans.explain_django(s)) for s in reading],
                  [plans.shape(plans.explain_psycopg(conn, REFERENCE_SQL, params))],
                  out=out, fail=fail)

def check(pages: dict[str, bytes | str]) -> None:
    """The same 1,000 features, in the same order, and the same count, on every side."""
    docs = {name: json.loads(page) for name, page in pages.items()}
    ids = {name: [int(f["id"]) for f in doc["features"]] for name, doc in docs.items()}
    first = ids["raw SQL"]
    if len(first) != PAGE:
        fail(f"the bbox holds {len(first)} features, not more than {PAGE}")
    for name, got in ids.items():
        if got != first:
            fail(f"{name} returned other features than raw SQL ({len(got)} of them)")
        if docs[name]["numberMatched"] != docs["raw SQL"]["numberMatched"]:
            fail(f"{name} counts {docs[name]['numberMatched']} matches, raw SQL "
                 f"{docs['raw SQL']['numberMatched']}")
    sizes = ", ".join(f"{name} {len(page):,} B" for name, page in pages.items())
    out(f"page: {PAGE} of {docs['raw SQL']['numberMatched']:,} features in bbox {BBOX} "
        f"({FEATURES:,} in the layer); {sizes}")


if __name__ == "__main__":
    main()
