"""map_clusters: the project map's exact counts per cell, over a city of proposals.

Ours: an anonymous `GET /api/v1/projects/{id}/proposals/clusters/?bbox=…&zoom=…` over
HTTP on a keep-alive connection to the deployment's gunicorn (bench/gunicorn.py), as the
map asks it (the whole stack: gunicorn, middleware, DRF, throttle, visibility rules, the
threshold check and the `GROUP BY` PostGIS answers with GeoJSON). The same request through
`django.test.Client` in this process is a detail line: what HTTP and gunicorn add.
Reference: the textbook query for the same cells, `ST_SnapToGrid(ST_PointOnSurface(
geometry), …) … GROUP BY`, sent with psycopg on a connection of its own to the same
database, every row fetched. The counts of every cell must be equal.

Views: the whole city at zoom 12, then three smaller views (zoom 13, 14, 15, centred on
the city centre, the size of a 1200 × 900 pixel map) with a category filter. The summary
line is the whole city's.

    .venv/bin/python -m bench.bench_map_clusters [--proposals 1000000] [--runs 10]
"""

from __future__ import annotations

import argparse
import json
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

NAME = "map_clusters"
SLUG = "bench-map-clusters"
AREA = (2.05, 41.32, 2.23, 41.47)  # Barcelona, roughly
CENTRE = (2.17, 41.39)
SEED = 0.1717
CATEGORIES = ("streets", "green", "mobility")
SCREEN = (1200, 900)  # the map's size in pixels, for the views' bboxes

# One proposal in a hundred is a short line (its point on surface is its middle vertex),
# the others points; one in twenty is hidden and one in twenty waits for moderation:
# neither counts for an anonymous reader.
SEED_SQL = """
INSERT INTO proposals_proposal
    (project_id, author_id, category_id, title, body, geometry, status,
     official_answer, is_hidden, hidden_reason, constraint_feedback, created_at, updated_at)
SELECT %(project)s, %(author)s, (%(categories)s::int[])[1 + g %% 3],
       'Proposal ' || g, 'What proposal ' || g || ' would change here, and why.',
       ST_SetSRID(CASE WHEN g %% 100 = 0
                       THEN ST_MakeLine(ARRAY[ST_MakePoint(x, y),
                                              ST_MakePoint(x + 0.001, y + 0.0007),
                                              ST_MakePoint(x + 0.002, y)])
                       ELSE ST_MakePoint(x, y) END, 4326),
       CASE WHEN g %% 20 = 7 THEN 'submitted' ELSE 'published' END,
       '', g %% 20 = 3, CASE WHEN g %% 20 = 3 THEN 'Spam.' ELSE '' END, '[]',
       now() - g * interval '1 second', now()
FROM (SELECT g, %(minx)s + random() * (%(maxx)s - %(minx)s) AS x,
             %(miny)s + random() * (%(maxy)s - %(miny)s) AS y
      FROM generate_series(1, %(n)s) AS g) s
"""

# The textbook query: the same visibility rule (public statuses, not hidden), the same
# bbox test and category filter, each proposal's point on surface worked out here.
REFERENCE_SQL = """
SELECT count(*), avg(ST_X(p)), avg(ST_Y(p))
FROM (SELECT ST_PointOnSurface(geometry) AS p
      FROM proposals_proposal
      WHERE project_id = %(project)s AND status = ANY(%(statuses)s) AND NOT is_hidden
        AND geometry && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326)
        AND (%(category)s::int IS NULL OR category_id = %(category)s)) t
GROUP BY ST_SnapToGrid(p, 0, 0, %(cw)s, %(ch)s)
"""


def seed(n: int):
    """The project with its `n` proposals: reused when it is there with all of them."""
    from django.db import connection, transaction

    from proposals.models import Category, Project, Proposal

    project = Project.objects.filter(slug=SLUG).first()
    if project is not None and Proposal.objects.filter(project=project).count() == n:
        out(f"seed: reused project {project.pk} with {n:,} proposals")
        return project
    started = time.perf_counter()
    with transaction.atomic():
        project, user = bench_seeding_project(
            project, slug=SLUG, title="Benchmark: the map's clusters",
            description="Proposals seeded by bench/bench_map_clusters.py.", area=AREA)
        categories = [Category.objects.get_or_create(project=project, slug=slug,
                                                     defaults={"name": slug.title()})[0].pk
                      for slug in CATEGORIES]
        with connection.cursor() as cursor:
            # A million rows take longer than the web's bound on a statement (30 s) on a
            # busy machine.
            cursor.execute("SET LOCAL statement_timeout = 0")
            # Nothing else writes to this database: no votes, comments or images.
            cursor.execute("DELETE FROM proposals_proposal WHERE project_id = %s",
                           [project.pk])
            cursor.execute("SELECT setseed(%s)", [SEED])
            minx, miny, maxx, maxy = AREA
            cursor.execute(SEED_SQL, {"project": project.pk, "author": user.pk,
                                      "categories": categories, "minx": minx, "miny": miny,
                                      "maxx": maxx, "maxy": maxy, "n": n})
    seeded = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        cursor.execute("VACUUM (FULL, ANALYZE) proposals_proposal")
        cursor.execute("RESET statement_timeout")
    out(f"seed: project {project.pk}, {n:,} proposals inserted in {seeded:.1f} s, "
        f"VACUUM FULL ANALYZE {time.perf_counter() - started:.1f} s")
    return project


def views() -> list[tuple[str, int, tuple[float, float, float, float], str | None]]:
    """(label, zoom, bbox, category slug): the whole city, then three zooms on its centre."""
    found = [("whole city, zoom 12", 12, AREA, None)]
    for zoom in (13, 14, 15):
        half_w = SCREEN[0] / 2 * 360 / (256 * 2 ** zoom)
        half_h = SCREEN[1] / 2 * 360 / (256 * 2 ** zoom) * 0.75  # cos(41.4°)
        bbox = (CENTRE[0] - half_w, CENTRE[1] - half_h, CENTRE[0] + half_w, CENTRE[1] + half_h)
        found.append((f"zoom {zoom}, category green", zoom, bbox, "green"))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proposals", type=int, default=1_000_000,
                        help="proposals in the project (1,000,000)")
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each (10)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs of each first (2)")
    args = parser.parse_args()
    if args.runs < 2:
        parser.error("--runs must be at least 2")

    dsn = setup_django()
    from django.test import Client

    from proposals.clusters import cell_size
    from proposals.models import PUBLIC_STATUSES, Category

    project = seed(args.proposals)
    statuses = [str(s) for s in PUBLIC_STATUSES]
    local = Client()
    answered = set()
    summary_line = None
    with (psycopg.connect(dsn, connect_timeout=5, autocommit=True,
                          prepare_threshold=None) as conn,
          serving(f"/api/v1/projects/{project.pk}/") as server,
          KeepAlive(server.port) as browser):
        out(machine_facts(conn))
        out(server.line() + " (platform/deploy/gunicorn.conf.py, 1 worker × 1 thread: "
            "one request at a time)")
        for label, zoom, bbox, category in views():
            url = (f"/api/v1/projects/{project.pk}/proposals/clusters/?zoom={zoom}"
                   f"&bbox={','.join(f'{v:.6f}' for v in bbox)}"
                   + (f"&category={category}" if category else ""))
            bbox = tuple(float(f"{v:.6f}") for v in bbox)
            cw, ch = cell_size(zoom, (bbox[1] + bbox[3]) / 2)
            params = {"project": project.pk, "statuses": statuses, "w": bbox[0],
                      "s": bbox[1], "e": bbox[2], "n": bbox[3], "cw": cw, "ch": ch,
                      "category": Category.objects.get(project=project, slug=category).pk
                      if category else None}

            def ours(url=url):
                status, body = browser.get(url)
                answered.add(status)
                return status, body

            def in_process(url=url):
                response = local.get(url)
                answered.add(response.status_code)
                return response.status_code, response.content

            def reference(params=params):
                return conn.execute(REFERENCE_SQL, params).fetchall()

            cells = reference()
            captured, statements = plans.capture(in_process)
            # Ours' cells: its longest statement (the other is the threshold's count).
            grouping = max(statements, key=lambda s: len(s.sql))
            plans.compare(label, [plans.shape(plans.explain_django(grouping))],
                          [plans.shape(plans.explain_psycopg(conn, REFERENCE_SQL, params))],
                          out=out, fail=fail)
            for side, (status, content) in (("over HTTP", ours()), ("in process", captured)):
                if status != 200:
                    fail(f"GET {url} ({side}) answered {status}: {content[:300]!r}")
                body = json.loads(content)
                if not body["clustered"]:
                    fail(f"{label}: {body['numberMatched']} proposals, not clustered.")
                check(f"{label} ({side})", body, cells)
            times = rounds({"ours": ours, "reference": reference, "in process": in_process},
                           warmup=args.warmup, runs=args.runs)
            if answered != {200}:
                fail(f"GET {url} answered {sorted(answered)} during the timed runs.")
            ours_p50, ref_p50, local_p50 = (p50(times[k]) for k in
                                            ("ours", "reference", "in process"))
            out(f"{label}: {body['numberMatched']:,} proposals in {len(cells):,} cells, "
                f"{len(content):,} bytes; p50 ours (HTTP) {ours_p50 * 1000:.1f} ms, "
                f"reference {ref_p50 * 1000:.1f} ms, ratio {ours_p50 / ref_p50:.2f}; p95 ours "
                f"{p95(times['ours']) * 1000:.1f} ms, reference "
                f"{p95(times['reference']) * 1000:.1f} ms; in process (django.test.Client) "
                f"p50 {local_p50 * 1000:.1f} ms, ratio {local_p50 / ref_p50:.2f}")
            if summary_line is None:
                summary_line = summary(NAME, ours_p50 * 1000, ref_p50 * 1000, "ms")
    out(summary_line)


def check(label: str, body: dict, cells: list[tuple]) -> None:
    """Every cell of ours is one of the reference's with the same count (matched by where
    its proposals' mean lies), none is missing, and the counts add up to the total."""
    ours = sorted((*f["geometry"]["coordinates"], f["properties"]["count"])
                  for f in body["features"])
    ref = sorted((x, y, n) for n, x, y in cells)
    differ = len(ours) != len(ref) or any(
        a[2] != b[2] or abs(a[0] - b[0]) > 1e-6 or abs(a[1] - b[1]) > 1e-6
        for a, b in zip(ours, ref, strict=False))
    if differ:
        fail(f"{label}: ours and the reference give different cells "
             f"({len(ours)} against {len(ref)}).")
    total = sum(n for n, _, _ in cells)
    if body["numberMatched"] != total:
        fail(f"{label}: numberMatched {body['numberMatched']} but the cells hold {total}.")


if __name__ == "__main__":
    main()
