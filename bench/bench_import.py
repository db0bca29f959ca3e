"""import: 200,000 points and 20,000 polygons, through our pipeline and through ogr2ogr.

Ours: `services.dataset_import` (the dataset and its queued run), then what the worker
runs, `services.import_run_execute`, in a child process of its own (so that its peak
memory is the worker's): read with pyogrio in batches, COPYed into the new partition,
checked, indexed, swapped into `gisdata_feature`.
References: `ogr2ogr -f PostgreSQL` (COPY mode) of the same file into the same database,
two ways: its default, the GiST index made with the table and maintained row by row
("gist"); and `-lco SPATIAL_INDEX=NONE` then `CREATE INDEX … USING gist` ("bulk"), the
fair reference for a load that builds its index afterwards, as ours does.

Three sources: the GeoPackage in EPSG:4326 (the summary's), the points as GeoJSON, and
the GeoPackage reprojected to EPSG:25831 (ETRS89 / UTM 31N, the city's own system,
which both import back to EPSG:4326).

Rates are features per second, so the ratio (ours / reference) is higher-is-better,
unlike the other benchmarks' time ratios.

    .venv/bin/python -m bench.bench_import [--runs 3] [--sources gpkg,geojson,utm] [--profile]

`--profile` also runs one import of the GeoPackage under cProfile and prints its top
items.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from psycopg import sql

from bench.common import fail, machine_facts, out, setup_django, summary

NAME = "import"
POINTS = 200_000
POLYGONS = 20_000
TOTAL = POINTS + POLYGONS
AREA = (2.05, 41.32, 2.23, 41.47)  # Barcelona, roughly
SEED = 4242
ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"
GPKG = CACHE / f"import-{POINTS}-{POLYGONS}-{SEED}.gpkg"
GEOJSON = CACHE / f"import-{POINTS}-{SEED}-points.geojson"
UTM = CACHE / f"import-{POINTS}-{POLYGONS}-{SEED}-25831.gpkg"
DATASET_NAME = "Bench import"
OGR_TABLES = ("points", "polygons")
# What each source holds: {layer: features}.
EXPECTED = {"gpkg": {"points": POINTS, "polygons": POLYGONS},
            "geojson": {"points": POINTS},
            "utm": {"points": POINTS, "polygons": POLYGONS}}


# --- the file ------------------------------------------------------------------------

def generate() -> Path:
    """The GeoPackage, made once (seeded, so always the same) and cached under var/bench."""
    if GPKG.exists():
        out(f"file: reused {GPKG.relative_to(ROOT)} ({GPKG.stat().st_size / 1e6:.1f} MB)")
        return GPKG
    import numpy as np
    from pyogrio.raw import write

    started = time.perf_counter()
    rng = np.random.default_rng(SEED)
    minx, miny, maxx, maxy = AREA
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = GPKG.with_suffix(".tmp.gpkg")
    tmp.unlink(missing_ok=True)

    xs = rng.uniform(minx, maxx, POINTS)
    ys = rng.uniform(miny, maxy, POINTS)
    point = struct.Struct("<BIdd")
    geometry = np.array([point.pack(1, 1, x, y) for x, y in zip(xs, ys, strict=True)],
                        dtype=object)
    kinds = np.array(["tree", "bench", "lamp", "bin", "fountain"], dtype=object)
    fields = ["ref", "height", "kind"]
    data = [np.arange(1, POINTS + 1, dtype=np.int32),
            np.round(rng.uniform(1, 30, POINTS), 2),
            kinds[rng.integers(0, len(kinds), POINTS)]]
    write(str(tmp), geometry, data, fields, layer="points", driver="GPKG",
          geometry_type="Point", crs="EPSG:4326")

    # Squares ~30 m a side: 0.00027° of latitude, 0.00036° of longitude at 41.4° N.
    cx = rng.uniform(minx, maxx - 0.0004, POLYGONS)
    cy = rng.uniform(miny, maxy - 0.0003, POLYGONS)
    dx, dy = 0.00036, 0.00027
    square = struct.Struct("<BIII" + "dd" * 5)
    geometry = np.array([square.pack(1, 3, 1, 5, x, y, x + dx, y, x + dx, y + dy, x, y + dy,
                                     x, y) for x, y in zip(cx, cy, strict=True)], dtype=object)
    uses = np.array(["residential", "retail", "park", "school", "parking"], dtype=object)
    fields = ["parcel", "area_m2", "use", "name"]
    data = [np.arange(1, POLYGONS + 1, dtype=np.int64),
            np.round(rng.uniform(500, 1500, POLYGONS), 1),
            uses[rng.integers(0, len(uses), POLYGONS)],
            np.array([f"Parcel {i}" for i in range(1, POLYGONS + 1)], dtype=object)]
    write(str(tmp), geometry, data, fields, layer="polygons", driver="GPKG",
          geometry_type="Polygon", crs="EPSG:4326")
    tmp.rename(GPKG)
    out(f"file: generated {GPKG.relative_to(ROOT)} ({GPKG.stat().st_size / 1e6:.1f} MB) "
        f"in {time.perf_counter() - started:.1f} s")
    return GPKG


def derived(source: str, url: str) -> Path:
    """The GeoJSON of the points, or the GeoPackage reprojected to EPSG:25831 (by
    PostGIS, as no projection library is installed here), made once from the GeoPackage."""
    path = {"gpkg": GPKG, "geojson": GEOJSON, "utm": UTM}[source]
    if path.exists():
        return path
    import psycopg
    from pyogrio.raw import read, write

    tmp = path.with_suffix(".tmp" + path.suffix)
    tmp.unlink(missing_ok=True)
    if source == "geojson":
        meta, _fids, geometry, data = read(str(GPKG), layer="points")
        write(str(tmp), geometry, data, meta["fields"], layer="points", driver="GeoJSON",
              geometry_type="Point", crs="EPSG:4326")
    else:
        with psycopg.connect(url) as conn:
            for layer, kind in (("points", "Point"), ("polygons", "Polygon")):
                meta, _fids, geometry, data = read(str(GPKG), layer=layer)
                rows = conn.execute(
                    "SELECT ST_AsBinary(ST_Transform(ST_GeomFromWKB(w, 4326), 25831)) "
                    "FROM unnest(%s::bytea[]) WITH ORDINALITY AS v(w, i) ORDER BY i",
                    [geometry.tolist()]).fetchall()
                import numpy as np

                projected = np.array([bytes(r[0]) for r in rows], dtype=object)
                write(str(tmp), projected, data, meta["fields"], layer=layer, driver="GPKG",
                      geometry_type=kind, crs="EPSG:25831")
    tmp.rename(path)
    out(f"file: made {path.relative_to(ROOT)} ({path.stat().st_size / 1e6:.1f} MB)")
    return path


# --- ours -----------------------------------------------------------------------------

def child(run_id: int, profile: bool) -> None:
    """The worker's part, in its own process: one JSON line with the time, stages, RSS."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.db import connection

    from gisdata.imports import background, load, partitions, services

    stages: dict[str, float] = {}
    sql: dict[str, list[float]] = {}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                stages[name] = stages.get(name, 0.0) + time.perf_counter() - started
        return wrapper

    from gisdata.imports import reader

    reader._read_raw = timed("read (pyogrio)", reader._read_raw)
    load._batch_load = timed("read and COPY", load._batch_load)
    # The check runs while a second connection builds the GiST index (partitions.index):
    # "check and index" is their wall time, the other two each one's own.
    background.checked = timed("check", background.checked)
    partitions._aside = timed("GiST aside", partitions._aside)
    partitions.index = timed("check and index", partitions.index)
    load.load = timed("load (read, COPY, check, index)", load.load)
    partitions.attach = timed("swap", partitions.attach)

    def per_statement(execute, statement, params, many, context):
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            key = " ".join(statement.split())[:90]
            sql.setdefault(key, [0, 0.0])
            sql[key][0] += 1
            sql[key][1] += time.perf_counter() - started

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    with connection.execute_wrapper(per_statement):
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        status = services.import_run_execute(run_id=run_id)
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
    if profiler:
        import io
        import pstats

        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(25)
        sys.stderr.write(text.getvalue())
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    sys.stdout.write(json.dumps({"status": status, "seconds": seconds, "stages": stages,
                                 "rss_mb": rss_kb / 1024, "sql": sql}) + "\n")


def dataset_delete() -> None:
    """Remove earlier bench imports (each layer's partition is dropped with it)."""
    from django.db import connection

    from gisdata.models import Dataset

    for dataset in Dataset.objects.filter(name=DATASET_NAME):
        if dataset.source_file:
            dataset.source_file.delete(save=False)
        dataset.delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE gisdata_feature")


def ours(path: Path, expected: dict[str, int], *, profile: bool = False) -> dict:
    """One whole import of the file; returns the child's report plus its wall time."""
    from unittest import mock

    from django.core.files import File

    from gisdata import tasks
    from gisdata.imports import services
    from gisdata.models import ImportRun

    dataset_delete()
    # The bench is the worker: no task published to the developer's broker.
    with open(path, "rb") as handle, mock.patch.object(tasks.import_run_execute_task,
                                                       "delay_on_commit"):
        run = services.dataset_import(user=None, name=DATASET_NAME,
                                      source_file=File(handle, name=path.name))
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bench.bench_import", "--child", str(run.pk),
         *(["--profile"] if profile else [])],
        cwd=ROOT, env=dict(os.environ), capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        fail(f"the import's process exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    report["wall"] = wall
    report["profile"] = proc.stderr if profile else ""
    run.refresh_from_db()
    if report["status"] != "succeeded" or run.status != "succeeded":
        fail(f"import run {run.pk} ended {run.status}: {run.message}")
    counts = _layer_counts(run.dataset_id)
    if counts != expected or run.imported_count != sum(expected.values()):
        fail(f"imported {counts} ({run.imported_count}), expected {expected}")
    report["timings"] = ImportRun.objects.values_list("timings", flat=True).get(pk=run.pk)
    return report


def _layer_counts(dataset_id: int) -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT l.name, count(f.id) FROM gisdata_layer l "
                       "LEFT JOIN gisdata_feature f ON f.layer_id = l.id "
                       "WHERE l.dataset_id = %s GROUP BY l.name", [dataset_id])
        return dict(cursor.fetchall())


# --- the reference --------------------------------------------------------------------

def pg_connection(url: str) -> tuple[str, dict[str, str]]:
    """ogr2ogr's PG: string and the environment carrying the password."""
    parts = urlsplit(url)
    conn = (f"PG:dbname={parts.path.lstrip('/')} host={parts.hostname} "
            f"port={parts.port or 5432} user={unquote(parts.username or '')}")
    return conn, {"PGPASSWORD": unquote(parts.password or "")}


def ogr_drop(conn) -> None:
    for table in OGR_TABLES:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))


def reference(path: Path, url: str, conn, expected: dict[str, int], *,
              bulk: bool) -> float:
    """ogr2ogr of every layer, COPY mode, in Debian's GDAL with a clean environment, to
    EPSG:4326. `bulk`: no index while loading, then CREATE INDEX on each table (timed)."""
    ogr_drop(conn)
    conn.execute("VACUUM ANALYZE gisdata_feature")  # as ours, so both start alike
    pg, secret = pg_connection(url)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PG_USE_COPY": "YES",
           "LANG": "C.UTF-8", **secret}
    started = time.perf_counter()
    proc = subprocess.run(
        ["ogr2ogr", "-f", "PostgreSQL", pg, str(path), "-overwrite", "-t_srs", "EPSG:4326",
         "-lco", "GEOMETRY_NAME=geom", "-lco", f"SPATIAL_INDEX={'NONE' if bulk else 'GIST'}"],
        env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        fail(f"ogr2ogr exited {proc.returncode}: {proc.stderr[-2000:]}")
    if bulk:
        for table in expected:
            conn.execute(sql.SQL("CREATE INDEX ON {} USING gist (geom)").format(
                sql.Identifier(table)))
    seconds = time.perf_counter() - started
    counts = {t: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t)))
              .fetchone()[0] for t in expected}
    if counts != expected:
        fail(f"ogr2ogr loaded {counts}, expected {expected}")
    ogr_drop(conn)
    return seconds


# --- main -----------------------------------------------------------------------------

SIDES = ("ours", "ogr2ogr gist", "ogr2ogr bulk")


def measure(source: str, path: Path, url: str, conn, runs: int) -> dict[str, dict]:
    """One warm-up of each side, then `runs` of each, rotating which goes first."""
    expected = EXPECTED[source]
    total = sum(expected.values())
    times: dict[str, list[float]] = {side: [] for side in SIDES}
    reports = []
    for i in range(runs + 1):
        label = "warm-up" if i == 0 else f"run {i}"
        for side in SIDES[i % 3:] + SIDES[:i % 3]:
            if side == "ours":
                report = ours(path, expected)
                seconds = report["seconds"]
                out(f"{source} ours {label}: {seconds:.2f} s ({total / seconds:,.0f} "
                    f"features/s), process {report['wall']:.2f} s, peak RSS "
                    f"{report['rss_mb']:.0f} MB, stages "
                    + ", ".join(f"{k} {v:.2f} s" for k, v in report["stages"].items()))
                if i:
                    reports.append(report)
            else:
                seconds = reference(path, url, conn, expected, bulk=side.endswith("bulk"))
                out(f"{source} {side} {label}: {seconds:.2f} s "
                    f"({total / seconds:,.0f} features/s)")
            if i:
                times[side].append(seconds)
    result = {side: {"seconds": statistics.median(t), "rate": total / statistics.median(t)}
              for side, t in times.items()}
    result["ours"]["rss_mb"] = max(r["rss_mb"] for r in reports)
    result["ours"]["stages"] = {k: statistics.median(r["stages"][k] for r in reports)
                                for k in reports[0]["stages"]}
    ours_rate = result["ours"]["rate"]
    out(f"{source}: ours (median of {runs}) {result['ours']['seconds']:.2f} s for {total:,} "
        f"features, peak worker RSS {result['ours']['rss_mb']:.0f} MB (target < 500 MB); "
        + ", ".join(f"{k} {v:.2f} s" for k, v in result["ours"]["stages"].items()))
    for side in SIDES[1:]:
        out(f"{source}: {side} (median of {runs}) {result[side]['seconds']:.2f} s; ratio of "
            f"rates ours / {side} = {ours_rate / result[side]['rate']:.2f}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each (3)")
    parser.add_argument("--sources", default="gpkg,geojson,utm",
                        help="which sources, of gpkg, geojson, utm (all)")
    parser.add_argument("--profile", action="store_true",
                        help="then one more import of ours under cProfile, with per-SQL times")
    parser.add_argument("--child", type=int, metavar="RUN_ID", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.profile)
        return

    import psycopg

    sources = [s for s in args.sources.split(",") if s]
    if sources[:1] != ["gpkg"] or set(sources) - set(EXPECTED):
        fail(f"--sources: gpkg first, then any of {', '.join(EXPECTED)}")
    generate()
    url = setup_django()
    results = {}
    with psycopg.connect(url, autocommit=True) as conn:
        out(machine_facts(conn))
        out(f"ogr2ogr: {subprocess.run(['ogr2ogr', '--version'], capture_output=True, text=True).stdout.strip()}")  # noqa: E501
        for source in sources:
            path = derived(source, url)
            results[source] = measure(source, path, url, conn, args.runs)
        if args.profile:
            report = ours(GPKG, EXPECTED["gpkg"], profile=True)
            out(f"profile: {report['seconds']:.2f} s under cProfile; SQL by total time:")
            for statement, (count, total) in sorted(report["sql"].items(),
                                                    key=lambda kv: -kv[1][1])[:15]:
                out(f"  {total:7.3f} s  ×{count:<4} {statement}")
            for line in report["profile"].splitlines():
                out(f"  {line}")
        dataset_delete()
    gpkg = results["gpkg"]
    out("summary: the GeoPackage, ours against ogr2ogr loading without an index and then "
        "building it (the fair reference for a bulk load); target ≥ 0.9")
    out(summary(NAME, gpkg["ours"]["rate"], gpkg["ogr2ogr bulk"]["rate"], "features/s"))


if __name__ == "__main__":
    main()
