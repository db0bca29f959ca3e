"""report: a decision report of 10,000 proposals and 1,000,000 votes, by district.

Ours, aggregates: `reports.snapshot.snapshot_read` in one REPEATABLE READ transaction,
as the worker runs it: the ranking (voting.selectors.ranking_queryset), per-role tallies
(voting.selectors.role_tallies), comments per proposal, votes by role, participants in
total and by role, and the spatial join of proposals with a layer of ten districts.
Reference: the same aggregates as raw SQL (`GROUP BY … FILTER (WHERE …)`, the same CTEs
where ours already are SQL), sent with psycopg on a connection of its own in one
REPEATABLE READ transaction, fetching every row. Target: ours ≤ 1.5 × the reference.

Then the whole compilation (`reports.services.report_compile`: the snapshot, the CSV, the
GeoJSON, the maps, the charts and the PDF, stored), in a child process of its own so that
its peak memory is the worker's.

    .venv/bin/python -m bench.bench_report [--runs 5] [--compile-runs 1]

The project is bench_tally's (seeded by it when missing), so both read the same rows.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime

from bench.common import fail, machine_facts, out, p50, setup_django, summary

NAME = "report"
DATASET = "Bench districts"

# The ORM parts of ours, as raw SQL; the parts that are SQL in ours are sent as they are.
RANKING_SQL = """
SELECT p.id, p.title, p.status, p.official_answer, p.constraint_feedback, p.geometry,
       c.name,
       count(v.id) FILTER (WHERE v.value = 1), count(v.id) FILTER (WHERE v.value = -1),
       count(v.id) FILTER (WHERE v.value = 0),
       COALESCE(sum(v.weight) FILTER (WHERE v.value = 1), 0),
       COALESCE(sum(v.weight) FILTER (WHERE v.value = -1), 0)
FROM proposals_proposal p
JOIN proposals_category c ON c.id = p.category_id
LEFT JOIN voting_vote v ON v.proposal_id = p.id
WHERE p.project_id = %(project)s AND p.status = ANY(%(statuses)s) AND NOT p.is_hidden
GROUP BY p.id, c.name
"""
ROLE_TALLIES_SQL = """
SELECT v.proposal_id, r.name, count(*) FILTER (WHERE v.value = 1),
       count(*) FILTER (WHERE v.value = -1), count(*) FILTER (WHERE v.value = 0),
       COALESCE(sum(v.weight) FILTER (WHERE v.value = 1), 0),
       COALESCE(sum(v.weight) FILTER (WHERE v.value = -1), 0)
FROM voting_vote v
JOIN proposals_proposal p ON p.id = v.proposal_id
LEFT JOIN accounts_stakeholderrole r ON r.id = v.role_id
WHERE p.project_id = %(project)s
GROUP BY v.proposal_id, r.name, r.position
ORDER BY v.proposal_id, r.position, r.name
"""
COMMENTS_SQL = """
SELECT p.id, count(c.id) FILTER (WHERE NOT c.is_deleted AND NOT c.is_hidden)
FROM proposals_proposal p LEFT JOIN proposals_comment c ON c.proposal_id = p.id
WHERE p.project_id = %(project)s AND p.status = ANY(%(statuses)s) AND NOT p.is_hidden
GROUP BY p.id
"""
VOTES_BY_ROLE_SQL = """
SELECT r.name, count(DISTINCT v.user_id), count(*), count(*) FILTER (WHERE v.value = 1),
       count(*) FILTER (WHERE v.value = -1), count(*) FILTER (WHERE v.value = 0),
       COALESCE(sum(v.weight) FILTER (WHERE v.value = 1), 0),
       COALESCE(sum(v.weight) FILTER (WHERE v.value = -1), 0)
FROM voting_vote v
JOIN proposals_proposal p ON p.id = v.proposal_id
LEFT JOIN accounts_stakeholderrole r ON r.id = v.role_id
WHERE p.project_id = %(project)s AND p.status = ANY(%(statuses)s) AND NOT p.is_hidden
GROUP BY r.name, r.position ORDER BY r.position, r.name
"""
FEATURES_SQL = "SELECT id, geometry, properties FROM gisdata_feature WHERE layer_id = %(layer)s"


def districts_layer():
    """Ten districts, a 5 × 2 grid over bench_tally's area, made once."""
    from django.contrib.gis.geos import MultiPolygon, Polygon

    from bench.bench_tally import AREA
    from gisdata.models import Dataset, Feature, Layer

    dataset, _ = Dataset.objects.get_or_create(
        name=DATASET, defaults={"slug": "bench-districts",
                                "source_url": "https://example.invalid/districts.zip"})
    layer, created = Layer.objects.get_or_create(
        dataset=dataset, name="districts",
        defaults={"title": DATASET, "geometry_type": "MultiPolygon", "feature_count": 10,
                  "schema": [{"name": "NOM", "type": "String"}]})
    if created or not Feature.objects.filter(layer=layer).exists():
        minx, miny, maxx, maxy = AREA
        dx, dy = (maxx - minx) / 5, (maxy - miny) / 2
        for i in range(10):
            x, y = minx + dx * (i % 5), miny + dy * (i // 5)
            Feature.objects.create(layer=layer, properties={"NOM": f"District {i + 1}"},
                                   geometry=MultiPolygon(Polygon.from_bbox(
                                       (x, y, x + dx, y + dy)), srid=4326))
    return layer


def child(report_id: int) -> None:
    """Compile one report, as the worker does, and say how long and how much memory."""
    setup_django()
    from reports.services import report_compile

    started = time.perf_counter()
    status = report_compile(report_id=report_id)
    seconds = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sys.stdout.write(json.dumps({"status": status, "seconds": seconds, "rss_mb": rss_mb})
                     + "\n")


def compile_once(project, layer) -> dict:
    from reports.models import DecisionReport
    from reports.services import report_request

    report = report_request(project=project, district_layer=layer, enqueue=False)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bench.bench_report", "--child",
                           str(report.pk)], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        fail(f"compiling report {report.pk} failed: {proc.stderr[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    report.refresh_from_db()
    if report.status != "succeeded":
        fail(f"report {report.pk} {report.status}: {report.message}")
    sizes = {kind: report.file(kind).size for kind in ("pdf", "csv", "geojson")}
    for kind in ("pdf", "csv", "geojson"):
        report.file(kind).delete(save=False)
    DecisionReport.objects.filter(pk=report.pk).delete()
    return {**result, "wall": wall, "sizes": sizes, "summary": report.summary}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each (5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (1)")
    parser.add_argument("--compile-runs", type=int, default=1,
                        help="whole compilations in a child process (1)")
    parser.add_argument("--child", type=int, metavar="REPORT_ID", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    import psycopg

    dsn = setup_django()
    from bench.bench_tally import rotate as take_turns
    from bench.bench_tally import seed
    from proposals.models import PUBLIC_STATUSES, public_sql_params
    from reports.services import _snapshot
    from reports.snapshot import (
        DISTRICT_PLACED_PEOPLE_SQL,
        PARTICIPANTS_BY_ROLE_SQL,
        PLACED_SQL,
        TOTALS_SQL,
        snapshot_read,
    )

    project = seed()
    layer = districts_layer()
    params = {"project": project.pk, "statuses": [str(s) for s in PUBLIC_STATUSES],
              **public_sql_params(),
              "layer": layer.pk}

    def ours():
        with _snapshot():
            return snapshot_read(project=project, district_layer=layer)

    with psycopg.connect(dsn, connect_timeout=5, autocommit=True,
                         prepare_threshold=None) as conn:
        out(machine_facts(conn))
        statements = [RANKING_SQL, ROLE_TALLIES_SQL, COMMENTS_SQL, VOTES_BY_ROLE_SQL,
                      TOTALS_SQL, PARTICIPANTS_BY_ROLE_SQL, FEATURES_SQL, PLACED_SQL,
                      DISTRICT_PLACED_PEOPLE_SQL]

        now = datetime.now(UTC)

        def reference():
            rows = []
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                conn.execute("SET LOCAL statement_timeout = 0")
                for statement in statements:
                    rows.append(conn.execute(statement, {**params, "at": now}).fetchall())
            return rows

        data, ref = ours(), reference()
        votes = sum(p["votes"] for p in data.proposals)
        if len(data.proposals) != len(ref[0]) or votes != sum(
                r[7] + r[8] + r[9] for r in ref[0]):
            fail(f"ours: {len(data.proposals)} proposals, {votes} votes; the reference "
                 f"disagrees ({len(ref[0])} proposals).")
        if [d["proposals"] for d in data.districts if d["id"]] and sum(
                d["proposals"] for d in data.districts) != len(data.proposals):
            fail("the districts do not account for every proposal.")
        out(f"checked: {len(data.proposals):,} proposals, {votes:,} votes, "
            f"{data.totals['voters']:,} voters, {len(data.districts)} districts; "
            f"{data.totals['rank_changed']:,} ranks changed by the weights")
        started = time.perf_counter()
        ours_times, ref_times = take_turns([ours, reference], warmup=args.warmup,
                                           runs=args.runs)
        ours_p50, ref_p50 = p50(ours_times), p50(ref_times)
        out(f"aggregates: {args.runs} runs of each after {args.warmup} warm-up, in turn, "
            f"{time.perf_counter() - started:.1f} s; p50 ours {ours_p50:.2f} s, reference "
            f"{ref_p50:.2f} s, ratio {ours_p50 / ref_p50:.2f} (target ≤ 1.5)")

    compiles = [compile_once(project, layer) for _ in range(args.compile_runs)]
    for n, c in enumerate(compiles, start=1):
        out(f"compile {n}: {c['seconds']:.1f} s in the worker's code ({c['wall']:.1f} s with "
            f"the process start), peak RSS {c['rss_mb']:.0f} MB; files: "
            + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in c["sizes"].items()))
    out(f"compile: p50 {p50([c['seconds'] for c in compiles]):.1f} s, peak worker RSS "
        f"{max(c['rss_mb'] for c in compiles):.0f} MB")
    out(summary(NAME, ours_p50 * 1000, ref_p50 * 1000, "ms"))


if __name__ == "__main__":
    main()
