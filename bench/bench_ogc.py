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
- pygeoapi over HTTP: pygeoapi (bench/requirements-pygeoapi.txt, in its own virtualenv
  var/bench-pygeoapi/, made on first use) with its PostgreSQL provider on the same
  table (`gisdata_feature`, `layer_id=` as a property filter, `sortby=id`), under the
  same gunicorn settings, from a configuration this bench writes under var/, on a
  keep-alive connection of its own.

All four run in turn, round after round, so they see the same machine. Targets: ours at
most 2× raw SQL, and faster than pygeoapi. No timing is ever asserted.

    .venv/bin/python -m bench.bench_ogc [--runs 30] [--warmup 3]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from bench import plans
from bench.common import fail, machine_facts, out, p50, p95, rounds, setup_django, summary
from bench.gunicorn import KeepAlive, free_port, log_tail, start_gunicorn, stop_gunicorn

NAME = "ogc"
FEATURES = 200_000
PAGE = 1000
SLUG = "bench-ogc"
AREA = (2.05, 41.32, 2.23, 41.47)
BBOX = (2.160, 41.380, 2.175, 41.391)  # 0.61% of the area: ~1,220 points
SEED = 0.2024
ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "var" / "bench-pygeoapi"
REQUIREMENTS = ROOT / "bench" / "requirements-pygeoapi.txt"

SEED_SQL = """
INSERT INTO gisdata_feature (layer_id, geometry, properties)
SELECT %(layer)s,
       ST_SetSRID(ST_MakePoint(%(x0)s + random() * (%(x1)s - %(x0)s),
                               %(y0)s + random() * (%(y1)s - %(y0)s)), 4326),
       jsonb_build_object('name', 'Point ' || g, 'n', g, 'kind',
                          (ARRAY['bench', 'fountain', 'tree'])[1 + g %% 3])
FROM generate_series(1, %(n)s) AS g
"""

REFERENCE_SQL = """
SELECT json_build_object(
    'type', 'FeatureCollection',
    'numberMatched', (SELECT count(*) FROM gisdata_feature
                      WHERE layer_id = %(layer)s
                        AND geometry && ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326)),
    'features', coalesce(json_agg(json_build_object(
        'type', 'Feature', 'id', id, 'geometry', ST_AsGeoJSON(geometry, 7)::json,
        'properties', properties) ORDER BY id), '[]'))::text
FROM (SELECT id, geometry, properties FROM gisdata_feature
      WHERE layer_id = %(layer)s
        AND geometry && ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326)
      ORDER BY id LIMIT %(limit)s) t
"""


def seed():
    """The published layer with its 200,000 points: reused when it is complete."""
    from django.contrib.gis.geos import Polygon
    from django.db import connection, transaction

    from gisdata.models import Dataset, Feature, Layer

    dataset, _ = Dataset.objects.get_or_create(slug=SLUG, defaults={
        "name": "Benchmark: OGC API", "source_url": "https://example.org/bench.gpkg",
        "licence": "CC0 1.0", "attribution": "Plaza benchmarks"})
    layer, _ = Layer.objects.get_or_create(dataset=dataset, name="points", defaults={
        "title": "Benchmark points", "geometry_type": "Point"})
    if Feature.objects.filter(layer_id=layer.pk).count() == FEATURES:
        out(f"seed: reused layer {layer.pk} with {FEATURES:,} points")
        return layer
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM gisdata_feature WHERE layer_id = %s", [layer.pk])
        cursor.execute("SELECT setseed(%s)", [SEED])
        x0, y0, x1, y1 = AREA
        cursor.execute(SEED_SQL, {"layer": layer.pk, "x0": x0, "y0": y0, "x1": x1,
                                  "y1": y1, "n": FEATURES})
        layer.extent = Polygon.from_bbox(AREA)
        layer.extent.srid = 4326
        layer.feature_count = FEATURES
        layer.is_published = True
        layer.schema = [{"name": "name", "type": "str"}, {"name": "n", "type": "int"},
                        {"name": "kind", "type": "str"}]
        layer.save()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE gisdata_feature")
    out(f"seed: layer {layer.pk}, {FEATURES:,} points in {time.perf_counter() - started:.1f} s")
    return layer


def pygeoapi_venv() -> Path:
    """var/bench-pygeoapi/, made (or remade, when the pins changed) from the pinned list."""
    stamp = VENV / "requirements.txt"
    wanted = REQUIREMENTS.read_text()
    if stamp.exists() and stamp.read_text() == wanted:
        return VENV
    started = time.perf_counter()
    out(f"pygeoapi: creating {VENV.relative_to(ROOT)} from "
        f"{REQUIREMENTS.relative_to(ROOT)} (first use only)")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    result = subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "-r",
                             str(REQUIREMENTS)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        fail(f"pip install into {VENV} failed:\n{result.stderr[-3000:]}")
    stamp.write_text(wanted)
    out(f"pygeoapi: installed in {time.perf_counter() - started:.0f} s")
    return VENV


def pygeoapi_config(dsn: str, port: int, layer_id: int, directory: Path) -> Path:
    """pygeoapi's configuration: one collection, `features`, on gisdata_feature."""
    import yaml

    db = urlsplit(dsn)
    config = {
        "server": {"bind": {"host": "127.0.0.1", "port": port},
                   "url": f"http://127.0.0.1:{port}", "mimetype": "application/json",
                   "encoding": "utf-8", "language": "en-US", "pretty_print": False,
                   "limits": {"default_items": 10, "max_items": 10_000},
                   "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                           "attribution": "OpenStreetMap"}},
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": "Plaza bench", "description": "bench_ogc",
                               "keywords": ["bench"], "keywords_type": "theme",
                               "terms_of_service": "https://example.org",
                               "url": "https://example.org"},
            "license": {"name": "CC0 1.0", "url": "https://example.org"},
            "provider": {"name": "Plaza", "url": "https://example.org"},
            "contact": {"name": "Plaza"}},
        "resources": {"features": {
            "type": "collection", "title": "Benchmark points", "description": "bench",
            "keywords": ["bench"],
            "extents": {"spatial": {"bbox": list(AREA),
                                    "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
            "providers": [{
                "type": "feature", "name": "PostgreSQL",
                "data": {"host": db.hostname, "port": db.port or 5432,
                         "dbname": db.path.lstrip("/"), "user": db.username,
                         "password": db.password, "search_path": ["public"]},
                "id_field": "id", "table": "gisdata_feature", "geom_field": "geometry"}]}},
    }
    path = directory / "pygeoapi-config.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def start_pygeoapi(venv: Path, config: Path, port: int, log: Path) -> subprocess.Popen:
    openapi = config.with_name("pygeoapi-openapi.yml")
    env = {"PATH": os.environ.get("PATH", ""), "PYGEOAPI_CONFIG": str(config),
           "PYGEOAPI_OPENAPI": str(openapi), "HOME": os.environ.get("HOME", str(config.parent))}
    result = subprocess.run([str(venv / "bin" / "pygeoapi"), "openapi", "generate",
                             str(config), "--output-file", str(openapi)], env=env,
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        fail(f"pygeoapi openapi generate failed:\n{result.stderr[-3000:]}")
    cmd = [str(venv / "bin" / "gunicorn"), "pygeoapi.flask_app:APP", "--bind",
           f"127.0.0.1:{port}", "--workers", "1", "--threads", "1", "--no-control-socket"]
    return subprocess.Popen(cmd, cwd=config.parent, env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def http_get(port: int, path: str) -> tuple[int, bytes]:
    """One request on a connection of its own (as a proxy would), Accept geo+json."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept": "application/geo+json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_http(port: int, path: str, proc: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            fail(f"{what} exited with {proc.returncode}:\n{log_tail(log)}")
        try:
            if http_get(port, path)[0] == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    fail(f"{what} did not answer GET {path} within 60 s:\n{log_tail(log)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed rounds (30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first (3)")
    args = parser.parse_args()
    if args.runs < 2:
        parser.error("--runs must be at least 2")

    dsn = setup_django()
    from django.test import Client

    from opendata.catalogue import collections_all

    layer = seed()
    venv = pygeoapi_venv()
    collection = next(c.id for c in collections_all() if c.layer and c.layer.pk == layer.pk)
    bbox = ",".join(str(v) for v in BBOX)
    ours_path = f"/ogc/collections/{collection}/items?bbox={bbox}&limit={PAGE}"
    theirs_path = (f"/collections/features/items?bbox={bbox}&limit={PAGE}"
                   f"&layer_id={layer.pk}&sortby=id&f=json")
    params = {"layer": layer.pk, "x0": BBOX[0], "y0": BBOX[1], "x1": BBOX[2],
              "y1": BBOX[3], "limit": PAGE}
    client = Client()
    var = ROOT / "var" / "bench-ogc"
    var.mkdir(parents=True, exist_ok=True)
    ours_port, theirs_port = free_port(), free_port()
    ours_log, theirs_log = var / "gunicorn.log", var / "pygeoapi.log"
    web = start_gunicorn(ours_port, workers=1, threads=1, log=ours_log)
    pygeoapi = start_pygeoapi(venv, pygeoapi_config(dsn, theirs_port, layer.pk, var),
                              theirs_port, theirs_log)
    try:
        wait_http(ours_port, "/ogc/conformance", web, ours_log, "gunicorn")
        wait_http(theirs_port, "/conformance?f=json", pygeoapi, theirs_log, "pygeoapi")
        accept = {"Accept": "application/geo+json"}
        with (psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn,
              KeepAlive(ours_port) as ours_conn, KeepAlive(theirs_port) as theirs_conn):
            out(machine_facts(conn))

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

            def theirs():
                status, body = theirs_conn.get(theirs_path, accept)
                if status != 200:
                    fail(f"pygeoapi: GET {theirs_path} answered {status}: {body[:300]!r}")
                return body

            check(ours(), ours_http(), raw(), theirs())
            same_plan(client, ours_path, conn, params)
            times = rounds({"ours": ours, "raw": raw, "ours_http": ours_http,
                            "pygeoapi": theirs}, warmup=args.warmup, runs=args.runs)
    finally:
        stop_gunicorn(web)
        stop_gunicorn(pygeoapi)

    med = {name: p50(t) * 1000 for name, t in times.items()}
    for name, t in times.items():
        out(f"{name}: p50 {med[name]:.2f} ms, p95 {p95(t) * 1000:.2f} ms ({args.runs} runs)")
    out(f"ours (HTTP) vs pygeoapi (HTTP): {med['ours_http']:.2f} ms vs "
        f"{med['pygeoapi']:.2f} ms, ratio {med['ours_http'] / med['pygeoapi']:.2f} "
        f"(target < 1)")
    out(f"ours in process (django.test.Client) vs raw SQL: ratio "
        f"{med['ours'] / med['raw']:.2f}")
    out(summary(NAME, med["ours_http"], med["raw"], "ms") + " (target ≤ 2)")


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


def check(ours: bytes, ours_http: bytes, raw: str, theirs: bytes) -> None:
    """The same 1,000 features, in the same order, and the same count, on every side."""
    docs = {"ours": json.loads(ours), "ours over HTTP": json.loads(ours_http),
            "raw SQL": json.loads(raw), "pygeoapi": json.loads(theirs)}
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
    sizes = ", ".join(f"{name} {len(json.dumps(doc)):,} B" for name, doc in docs.items())
    out(f"page: {PAGE} of {docs['raw SQL']['numberMatched']:,} features in bbox {BBOX} "
        f"({FEATURES:,} in the layer); {sizes}")


if __name__ == "__main__":
    main()
