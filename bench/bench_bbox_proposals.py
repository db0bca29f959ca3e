"""bbox_proposals: a page of 1,000 proposals out of 100,000, by bounding box, as GeoJSON.

Ours: an anonymous `GET /api/v1/projects/{id}/proposals/?bbox=…&limit=1000` over HTTP on a
keep-alive connection to the deployment's gunicorn (bench/gunicorn.py), as a browser asks
it: the whole stack (gunicorn, middleware, DRF, throttle, visibility rules, the query
PostGIS answers with the GeoJSON text). The same request through `django.test.Client` in
this process is a detail line: what HTTP and gunicorn add.
Reference: the raw SQL that lets PostGIS build the same 1,000 features, sent with
psycopg on a connection of its own to the same database, fetching the text.

The summary line is for the plan PostgreSQL picks (statistics from every row, so the
same plan every run); a detail line times the other plan too, forced on both sides
in this process, because the two cost nearly the same here and differ twofold in time.
Then the map's own pages, at its largest page (2,000), each against the reference for
the same rows: its first request (the project's whole bbox), and windows of 2, 10, 50
and 100% of the city.

    .venv/bin/python -m bench.bench_bbox_proposals [--runs 50] [--sweep-runs 20] [--profile]

`--profile` also prints where our requests spend their time in process (cProfile, top
items).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import time

import psycopg

from bench import plans
from bench.common import (
    bench_seeding_project,
    fail,
    machine_facts,
    out,
    p50,
    p95,
    rounds,
    setup_django,
    summary,
)
from bench.gunicorn import KeepAlive, serving

NAME = "bbox_proposals"
PROPOSALS = 100_000
PAGE = 1000
SLUG = "bench-bbox-proposals"
# Where the seeded points fall: Barcelona, roughly.
AREA = (2.05, 41.32, 2.23, 41.47)
# A window of the city centre: about 2.2% of the area, so ~2,200 proposals, and the
# endpoint's limit cuts the page at 1,000.
BBOX = (2.16, 41.38, 2.19, 41.40)
SEED = 0.4242

SEED_SQL = """
INSERT INTO proposals_proposal
    (project_id, author_id, category_id, title, body, geometry, status,
     official_answer, is_hidden, hidden_reason, constraint_feedback, created_at, updated_at)
SELECT %(project)s, %(author)s, %(category)s,
       'Proposal ' || g,
       'What proposal ' || g || ' would change here, and why it matters to the street.',
       ST_SetSRID(ST_MakePoint(%(minx)s + random() * (%(maxx)s - %(minx)s),
                               %(miny)s + random() * (%(maxy)s - %(miny)s)), 4326),
       %(status)s, '', false, '', '[]', now() - g * interval '1 minute', now()
FROM generate_series(1, %(n)s) AS g
"""

# The same features as ours, property for property (the category by its slug, the
# coordinates to 7 decimals as the API writes them), so that the ratio is what our code
# adds to the same answer, not a smaller answer's.
REFERENCE_SQL = """
SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(json_build_object(
           'type', 'Feature', 'id', id, 'geometry', ST_AsGeoJSON(geometry, 7)::json,
           'properties', json_build_object('title', title, 'category', slug,
                                           'status', status, 'hidden', is_hidden))))::text
FROM (SELECT p.id, p.title, c.slug, p.status, p.is_hidden, p.geometry
      FROM proposals_proposal p JOIN proposals_category c ON c.id = p.category_id
      WHERE p.project_id = %s AND p.geometry && ST_MakeEnvelope(%s, %s, %s, %s, 4326)
        AND p.status = ANY(%s) AND NOT p.is_hidden
      ORDER BY p.id LIMIT %s) t
"""

IN_BBOX_SQL = """
SELECT count(*) FROM proposals_proposal
WHERE project_id = %s AND geometry && ST_MakeEnvelope(%s, %s, %s, %s, 4326)
  AND status = ANY(%s) AND NOT is_hidden
"""


def seed():
    """The project with its 100,000 proposals: reused when it is there with all of them."""
    from django.db import connection, transaction

    from proposals.models import (
        Category,
        Project,
        Proposal,
        ProposalStatus,
    )

    project = Project.objects.filter(slug=SLUG).first()
    if project is not None and Proposal.objects.filter(project=project).count() == PROPOSALS:
        out(f"seed: reused project {project.pk} with {PROPOSALS:,} proposals")
        return project

    started = time.perf_counter()
    with transaction.atomic():
        project, user = bench_seeding_project(
            project, slug=SLUG, title="Benchmark: proposals by bounding box",
            description="100,000 proposals seeded by bench/bench_bbox_proposals.py.", area=AREA)
        category, _ = Category.objects.get_or_create(
            project=project, slug="streets", defaults={"name": "Streets"})
        with connection.cursor() as cursor:
            # Nothing else writes to this database: the project's proposals have no
            # votes, comments or images to cascade to.
            cursor.execute("DELETE FROM proposals_proposal WHERE project_id = %s", [project.pk])
            deleted = cursor.rowcount
            cursor.execute("SELECT setseed(%s)", [SEED])
            minx, miny, maxx, maxy = AREA
            cursor.execute(SEED_SQL, {
                "project": project.pk, "author": user.pk, "category": category.pk,
                "minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy, "n": PROPOSALS,
                "status": ProposalStatus.PUBLISHED.value,
            })
    seeded = time.perf_counter() - started
    vacuum_started = time.perf_counter()
    with connection.cursor() as cursor:
        # VACUUM: the visibility map and hint bits are set now, not by autovacuum in the
        # middle of a later run. FULL after a reseed: the deleted rows would otherwise
        # leave the table twice its size, which changes the planner's costs.
        cursor.execute("VACUUM (FULL) proposals_proposal" if deleted
                       else "VACUUM proposals_proposal")
    out(f"seed: project {project.pk}, {PROPOSALS:,} proposals inserted in {seeded:.1f} s"
        f"{f' (after deleting {deleted:,})' if deleted else ''}, "
        f"VACUUM{' FULL' if deleted else ''} {time.perf_counter() - vacuum_started:.1f} s")
    return project


def analyze() -> None:
    """ANALYZE from every row, on every run, so that the planner's estimates are the same
    each time. With the default sample (30,000 rows) the two plans this query has, the
    GiST index then a top-N sort, or the primary key walked in order with the bbox as a
    filter, cost within 1% of each other, and each new ANALYZE tosses a coin between them.
    """
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET default_statistics_target = 1000")  # sample 300,000 rows
        cursor.execute("ANALYZE proposals_proposal")
        cursor.execute("RESET default_statistics_target")
    out(f"analyze: every row sampled, {time.perf_counter() - started:.1f} s")


def windows(project_area: tuple[float, float, float, float]) -> list[tuple[str, tuple]]:
    """(label, bbox) of the detail lines at the map's page (2,000): the map's first request,
    the project's whole extent, then windows of 2, 10, 50 and 100% of the city's area
    centred on its middle."""
    found = [("first load: the project's whole bbox", project_area)]
    minx, miny, maxx, maxy = AREA
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    for percent in (2, 10, 50, 100):
        half_w = (maxx - minx) / 2 * (percent / 100) ** 0.5
        half_h = (maxy - miny) / 2 * (percent / 100) ** 0.5
        found.append((f"{percent}% of the city", (cx - half_w, cy - half_h,
                                                  cx + half_w, cy + half_h)))
    return [(label, tuple(round(v, 6) for v in bbox)) for label, bbox in found]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="timed runs of each (50)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs of each first (5)")
    parser.add_argument("--sweep-runs", type=int, default=20,
                        help="timed runs of each at every window of the sweep (20)")
    parser.add_argument("--profile", action="store_true",
                        help="also profile our requests in process with cProfile")
    args = parser.parse_args()
    if args.runs < 2 or args.sweep_runs < 2:
        parser.error("--runs and --sweep-runs must be at least 2")

    dsn = setup_django()
    from django.db import connection
    from django.test import Client

    from proposals.models import PUBLIC_STATUSES
    from proposals.selectors import MAX_PAGE

    project = seed()
    analyze()
    statuses = [str(s) for s in PUBLIC_STATUSES]
    bbox_params = [project.pk, *BBOX, statuses, PAGE]
    url = (f"/api/v1/projects/{project.pk}/proposals/"
           f"?bbox={','.join(str(v) for v in BBOX)}&limit={PAGE}")
    local = Client()
    answered = set()

    def in_process():
        response = local.get(url)
        answered.add(response.status_code)
        return response

    def django_execute(sql, params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    # prepare_threshold=None: every execution is planned afresh, as Django's are (psycopg
    # would otherwise switch to a prepared statement after 5 runs, and maybe another plan).
    with (psycopg.connect(dsn, connect_timeout=5, autocommit=True,
                          prepare_threshold=None) as conn,
          serving(f"/api/v1/projects/{project.pk}/") as server,
          KeepAlive(server.port) as browser):

        def ref_execute(sql, params):
            return conn.execute(sql, params).fetchone()[0]

        def reference():
            return ref_execute(REFERENCE_SQL, bbox_params)

        def ours():
            status, body = browser.get(url)
            answered.add(status)
            return body

        out(machine_facts(conn))
        out(server.line() + " (platform/deploy/gunicorn.conf.py, 1 worker × 1 thread: "
            "one request at a time, on one keep-alive connection)")
        in_bbox = ref_execute(IN_BBOX_SQL, bbox_params[:-1])
        if in_bbox <= PAGE:
            fail(f"only {in_bbox} proposals in bbox {BBOX}: the limit would not cut at {PAGE}.")

        # Correctness first, untimed: the same 1,000 proposals, in the same order, over
        # HTTP and in process. The endpoint's statements are captured on the way (in
        # process), for the plan of its big one.
        response, queries = plans.capture(in_process)
        if response.status_code != 200:
            fail(f"GET {url} answered {response.status_code}: {response.content[:500]!r}")
        http_status, http_body = browser.get(url)
        if http_status != 200:
            fail(f"GET {url} over HTTP answered {http_status}: {http_body[:500]!r}")
        ref_text = reference()
        page_check(url, http_body, ref_text, PAGE, in_bbox)
        page_check(url + " (in process)", response.content, ref_text, PAGE, in_bbox)
        out(f"page: {PAGE} of {in_bbox:,} proposals in bbox {BBOX} ({PROPOSALS:,} in the "
            f"project), {len(queries)} queries; ours {len(http_body):,} bytes, "
            f"reference {len(ref_text.encode()):,} bytes")
        features = max(queries, key=lambda q: len(q.sql))

        def same_plan(label: str) -> str:
            """Both plans' shapes, printed; the bench fails unless they read the
            proposals alike. Returns the reference's shape as text."""
            ours_shape = plans.shape(plans.explain_django(features))
            ref_shape = plans.shape(plans.explain_psycopg(conn, REFERENCE_SQL, bbox_params))
            plans.compare(label, [ours_shape], [ref_shape], out=out, fail=fail)
            return plans.text(ref_shape)

        def measure(label: str, sides: dict) -> dict[str, float]:
            started = time.perf_counter()
            times = rounds(sides, warmup=args.warmup, runs=args.runs)
            if answered != {200}:
                fail(f"GET {url} answered {sorted(answered)} during the timed runs.")
            med = {name: p50(t) for name, t in times.items()}
            ours_name = next(iter(sides))
            details = "; ".join(
                f"{name} p50 {med[name] * 1000:.2f} ms, p95 {p95(t) * 1000:.2f} ms"
                + ("" if name == "reference" else
                   f", ratio {med[name] / med['reference']:.2f}")
                for name, t in times.items())
            out(f"{label}: {args.runs} timed rounds after {args.warmup} warm-up, the order "
                f"rotating, {time.perf_counter() - started:.1f} s; {details}")
            return {"ours": med[ours_name], "reference": med["reference"]}

        ref_plan = same_plan("planner's plan")
        summary_p50 = measure("planner's plan", {"ours (HTTP)": ours, "reference": reference,
                                                 "in process": in_process})

        # For comparison, the other plan, forced on the sessions of this process (the
        # server's are out of reach): how much of the ratio is the plan's. The summary
        # line stays the planner's own choice.
        other = "enable_bitmapscan" if "Bitmap" in ref_plan else "enable_indexscan"
        for execute in (django_execute, ref_execute):
            execute("SELECT set_config(%s, 'off', false)", [other])
        try:
            if same_plan(f"{other}=off") != ref_plan:
                measure(f"with {other}=off, ours in process",
                        {"in process": in_process, "reference": reference})
        finally:
            for execute in (django_execute, ref_execute):
                execute("SELECT set_config(%s, 'on', false)", [other])

        # The map's own pages: its first request (the project's whole bbox at the
        # largest page, as the list and the map ask it), then a sweep of window sizes.
        extent = project.area.extent
        for label, bbox in windows(tuple(extent)):
            sweep(label, bbox, project.pk, statuses, MAX_PAGE, browser, local, conn,
                  warmup=args.warmup, runs=args.sweep_runs)

        if args.profile:
            profile(in_process)

    out(summary(NAME, summary_p50["ours"] * 1000, summary_p50["reference"] * 1000, "ms"))


def page_check(url: str, body: bytes, ref_text: str, limit: int, in_bbox: int) -> None:
    """Ours and the reference: the same proposals in the same order, a full page when the
    bbox holds more, and then a next link."""
    doc = json.loads(body)
    ours_ids = [f["id"] for f in doc["features"]]
    ref_ids = [f["id"] for f in json.loads(ref_text)["features"]]
    expected = min(limit, in_bbox)
    if len(ours_ids) != expected:
        fail(f"GET {url} returned {len(ours_ids)} features, not {expected}.")
    if len(ref_ids) != expected:
        fail(f"the reference query returned {len(ref_ids)} features, not {expected}.")
    if ours_ids != ref_ids:
        fail(f"GET {url}: the endpoint and the reference returned different proposals.")
    if doc["features"] != json.loads(ref_text)["features"]:
        fail(f"GET {url}: the endpoint's features differ from the reference's.")
    has_next = any(link.get("rel") == "next" for link in doc.get("links", []))
    if has_next != (in_bbox > limit):
        fail(f"GET {url}: next link {has_next}, with {in_bbox} proposals in the bbox and "
             f"a page of {limit}.")


def sweep(label: str, bbox: tuple, project: int, statuses: list[str], limit: int,
          browser: KeepAlive, local, conn, *, warmup: int, runs: int) -> None:
    """One window at `limit`: checked, both plans compared, then ours over HTTP and the
    reference in turn."""
    params = [project, *bbox, statuses, limit]
    url = (f"/api/v1/projects/{project}/proposals/"
           f"?bbox={','.join(str(v) for v in bbox)}&limit={limit}")

    def ref_execute(sql, params):
        return conn.execute(sql, params).fetchone()[0]

    in_bbox = ref_execute(IN_BBOX_SQL, params[:-1])
    status, body = browser.get(url)
    if status != 200:
        fail(f"GET {url} answered {status}: {body[:500]!r}")
    ref_text = ref_execute(REFERENCE_SQL, params)
    page_check(url, body, ref_text, limit, in_bbox)
    response, queries = plans.capture(lambda: local.get(url))
    page_check(url + " (in process)", response.content, ref_text, limit, in_bbox)
    ours_shape = plans.shape(plans.explain_django(max(queries, key=lambda q: len(q.sql))))
    ref_shape = plans.shape(plans.explain_psycopg(conn, REFERENCE_SQL, params))
    plans.compare(label, [ours_shape], [ref_shape], out=out, fail=fail)
    answered = set()

    def ours():
        got, _ = browser.get(url)
        answered.add(got)

    times = rounds({"ours": ours, "reference": lambda: ref_execute(REFERENCE_SQL, params)},
                   warmup=warmup, runs=runs)
    if answered != {200}:
        fail(f"GET {url} answered {sorted(answered)} during the timed runs.")
    ours_p50, ref_p50 = p50(times["ours"]), p50(times["reference"])
    plan = ", ".join(sorted(plans.accesses([ref_shape])["proposals_proposal"]))
    out(f"{label}, bbox {bbox}, limit {limit:,}, both sides' plan {plan}: "
        f"{min(limit, in_bbox):,} of {in_bbox:,} "
        f"proposals, ours {len(body):,} bytes, reference {len(ref_text.encode()):,} bytes; "
        f"{runs} runs: p50 ours (HTTP) {ours_p50 * 1000:.1f} ms, reference "
        f"{ref_p50 * 1000:.1f} ms, ratio {ours_p50 / ref_p50:.2f}; p95 ours "
        f"{p95(times['ours']) * 1000:.1f} ms, reference {p95(times['reference']) * 1000:.1f} ms")


def profile(ours, requests: int = 30) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        ours()
    profiler.disable()
    for key in ("tottime", "cumulative"):
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats(key).print_stats(15)
        out(f"profile of {requests} requests, by {key}:")
        for line in stream.getvalue().splitlines():
            if line.strip():
                out(f"  {line}")


if __name__ == "__main__":
    main()
