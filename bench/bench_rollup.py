"""rollup: participation by area, rolled up to the city, over 1,000,000 proposals.

Data: a municipality of its own ("bench-rollup") whose 10 districts (a 5 × 2 grid over
Barcelona's extent) are cut into 73 neighbourhoods (strips: 8 in the first three
districts, 7 in the others), imported from two layers by `proposals.areas.areas_import`
as a planner's import would; one public project in its voting phase, with 1,000,000
proposals at random points (`setseed`; 5% just outside the grid, 5% not public), the
comments (one per ten proposals) and votes (30 each from one voter in a hundred
proposals) of 20,000 people, all inserted by `INSERT … SELECT generate_series`. The
database places each proposal in its neighbourhood and district as it goes in
(proposals migration 0013's trigger).

Ours: `reports.rollup.participation_rollup(municipalities=[bench-rollup])`, in this
process: the whole tree (city, 10 districts, 73 neighbourhoods, outside buckets) with
proposals, comments, votes, weighted support and distinct participants at each level,
one statement grouping every act by the stored district and neighbourhood ids. The same
numbers from `GET /<slug>/api/v1/participation/?project=…` through `django.test.Client`
are a detail line.
Reference: the textbook query for the same numbers, a spatial join of each proposal's
point on surface into the neighbourhoods' polygons (`ST_Covers`, the areas' GiST index;
a neighbourhood's district is its parent) then the same `GROUP BY GROUPING SETS`, sent
with psycopg on a connection of its own. Every count of every area must be equal.

    .venv/bin/python -m bench.bench_rollup [--proposals 1000000] [--runs 7]
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal

import psycopg

from bench.common import (
    bench_users,
    fail,
    machine_facts,
    out,
    p50,
    p95,
    rounds,
    setup_django,
    summary,
)

NAME = "rollup"
SLUG = "bench-rollup"
FULL_SIZE = 1_000_000
AREA = (2.05, 41.32, 2.23, 41.47)  # Barcelona, roughly
MARGIN = 0.025  # of each side: ~5% of the points fall outside every area
COLUMNS, ROWS = 5, 2  # the districts' grid
STRIPS = [8, 8, 8, 7, 7, 7, 7, 7, 7, 7]  # neighbourhoods per district: 73
SEED = 0.3141
WEIGHT = Decimal("1.000")  # every vote's: no verified roles in this project
VOTES_EACH = 30
COUNT_KEYS = ("proposals", "comments", "votes", "support_weight", "participants")


def sizes(proposals: int) -> dict:
    """What `proposals` come with: people, comments, voters (30 votes each)."""
    return {"proposals": proposals, "people": max(proposals // 50, 60),
            "comments": proposals // 10, "voters": max(proposals // 100, 40)}


def grid() -> list[tuple[str, tuple, list[tuple[str, tuple]]]]:
    """[(district code, bbox, [(neighbourhood code, bbox), …]), …], 10 and 73."""
    minx, miny, maxx, maxy = AREA
    width, height = (maxx - minx) / COLUMNS, (maxy - miny) / ROWS
    districts = []
    for i, strips in enumerate(STRIPS):
        col, row = i % COLUMNS, i // COLUMNS
        w, s = minx + col * width, miny + row * height
        e, n = w + width, s + height
        step = height / strips
        districts.append((f"{i + 1:02d}", (w, s, e, n),
                          [(f"{i + 1:02d}{k + 1:02d}", (w, s + k * step, e, s + (k + 1) * step))
                           for k in range(strips)]))
    return districts


PROPOSALS_SQL = """
INSERT INTO proposals_proposal
    (project_id, author_id, category_id, title, body, geometry, status,
     official_answer, is_hidden, hidden_reason, constraint_feedback, created_at, updated_at)
SELECT %(project)s, (%(people)s::bigint[])[1 + floor(random() * %(n_people)s)::int],
       %(category)s, 'Proposal ' || g, 'What proposal ' || g || ' would change here.',
       ST_SetSRID(ST_MakePoint(%(minx)s + random() * (%(maxx)s - %(minx)s),
                               %(miny)s + random() * (%(maxy)s - %(miny)s)), 4326),
       CASE WHEN random() < 0.05 THEN 'submitted' ELSE 'published' END,
       '', false, '', '[]', now() - g * interval '1 second', now()
FROM generate_series(1, %(n)s) AS g
"""

# The public proposals numbered 1…n: what comments and votes pick from, by number (a
# hash join, where indexing an array of a million ids row by row reads it again each time).
PUBLIC_SQL = """
CREATE TEMP TABLE bench_rollup_public ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY id) AS k, id FROM proposals_proposal
WHERE project_id = %(project)s AND status = 'published'
"""

COMMENTS_SQL = """
INSERT INTO proposals_comment (proposal_id, author_id, body, created_at, is_deleted,
                               is_hidden, hidden_reason)
SELECT p.id, (%(people)s::bigint[])[1 + floor(random() * %(n_people)s)::int],
       'Comment ' || c.g, now(), false, false, ''
FROM (SELECT g, 1 + floor(random() * (SELECT count(*) FROM bench_rollup_public))::bigint AS k
      FROM generate_series(1, %(n)s) AS g) c
JOIN bench_rollup_public p ON p.k = c.k
"""

# Each voter votes on 30 public proposals: start, start + stride, … with 29 strides
# short of their number, so never twice on one; a third oppose, a tenth abstain.
VOTES_SQL = """
INSERT INTO voting_vote (proposal_id, user_id, value, role_id, weight, created_at, updated_at)
SELECT p.id, x.user_id,
       CASE WHEN random() < 0.6 THEN 1 WHEN random() < 0.75 THEN -1 ELSE 0 END,
       NULL, %(weight)s, now(), now()
FROM (SELECT v.user_id, 1 + mod(v.start + j * v.stride, v.n) AS k
      FROM (SELECT u AS user_id, n.n, floor(random() * n.n)::bigint AS start,
                   1 + floor(random() * ((n.n - 1) / %(each)s))::bigint AS stride
            FROM unnest(%(voters)s::bigint[]) AS u,
                 (SELECT count(*) AS n FROM bench_rollup_public) n) v
      CROSS JOIN generate_series(0, %(each)s - 1) AS j) x
JOIN bench_rollup_public p ON p.k = x.k
"""

COUNTS_SQL = """
SELECT (SELECT count(*) FROM proposals_proposal WHERE project_id = %(project)s),
       (SELECT count(*) FROM proposals_comment c JOIN proposals_proposal p
          ON p.id = c.proposal_id WHERE p.project_id = %(project)s),
       (SELECT count(*) FROM voting_vote v JOIN proposals_proposal p
          ON p.id = v.proposal_id WHERE p.project_id = %(project)s)
"""

# The textbook query: each public proposal's point joined to the neighbourhood that
# covers it, its district the neighbourhood's parent; then every act grouped by area.
REFERENCE_SQL = """
WITH placed AS (
    SELECT p.id, p.author_id, n.parent_id AS d, n.id AS n
    FROM proposals_proposal p
    LEFT JOIN municipalities_area n
      ON n.municipality_id = %(municipality)s AND n.level = 2
     AND ST_Covers(n.geometry, p.point)
    WHERE p.project_id = %(project)s AND p.status = ANY(%(statuses)s) AND NOT p.is_hidden
), acts AS (
    SELECT d, n, author_id AS u, 1 AS proposals, 0 AS comments, 0 AS votes,
           0::numeric AS support FROM placed
    UNION ALL
    SELECT pl.d, pl.n, c.author_id, 0, 1, 0, 0
    FROM proposals_comment c JOIN placed pl ON pl.id = c.proposal_id
    WHERE NOT c.is_deleted AND NOT c.is_hidden
    UNION ALL
    SELECT pl.d, pl.n, v.user_id, 0, 0, 1, CASE WHEN v.value = 1 THEN v.weight ELSE 0 END
    FROM voting_vote v JOIN placed pl ON pl.id = v.proposal_id
)
SELECT GROUPING(d, n), d, n, sum(proposals), sum(comments), sum(votes), sum(support),
       count(DISTINCT u)
FROM acts GROUP BY GROUPING SETS ((d, n), (d), ())
"""


def _layer(municipality, name: str, features: list[tuple[dict, tuple]]):
    from django.contrib.gis.geos import MultiPolygon, Polygon

    from gisdata.models import Dataset, Feature, Layer

    dataset, _ = Dataset.objects.get_or_create(
        slug=f"{municipality.slug}-{name}",
        defaults={"name": f"Benchmark {name}", "municipality": municipality,
                  "source_url": "https://example.invalid/bench-rollup.geojson"})
    layer, _ = Layer.objects.get_or_create(
        dataset=dataset, name=name, defaults={"title": f"Benchmark {name}",
                                              "geometry_type": "MultiPolygon"})
    Feature.objects.filter(layer=layer).delete()
    Feature.objects.bulk_create([
        Feature(layer=layer, properties=properties, number=i,
                geometry=MultiPolygon(Polygon.from_bbox(bbox), srid=4326))
        for i, (properties, bbox) in enumerate(features, start=1)])
    layer.refresh_from_db()
    return layer


def seed_areas(municipality) -> dict:
    """The two layers and the areas imported from them (the import's counts)."""
    from proposals.areas import areas_import

    districts, neighbourhoods = [], []
    for code, bbox, strips in grid():
        districts.append(({"CODI_DISTRICTE": code, "NOM": f"Districte {code}"}, bbox))
        neighbourhoods += [({"CODI_BARRI": n, "NOM": f"Barri {n}", "CODI_DISTRICTE": code,
                             "POBLACIO": 20000 + 100 * k}, box)
                           for k, (n, box) in enumerate(strips)]
    return areas_import(
        planner=None, municipality=municipality,
        districts_layer=_layer(municipality, "districts", districts),
        district_code="CODI_DISTRICTE", district_name="NOM",
        neighbourhoods_layer=_layer(municipality, "neighbourhoods", neighbourhoods),
        neighbourhood_code="CODI_BARRI", neighbourhood_name="NOM",
        neighbourhood_parent="CODI_DISTRICTE", population="POBLACIO")


def seed(proposals: int, *, slug: str = SLUG):
    """The municipality, its areas, the project and its acts: reused when all are there.
    Returns (municipality, project)."""
    from datetime import timedelta

    from django.contrib.gis.geos import MultiPolygon, Polygon
    from django.db import connection, transaction
    from django.utils import timezone

    from municipalities.models import Area, Municipality
    from proposals.models import Category, Phase, PhaseKind, Project, Visibility
    from voting.models import ProjectVoting

    want = sizes(proposals)
    municipality, _ = Municipality.objects.get_or_create(
        slug=slug, defaults={"name": "Benchmark city", "population": 1_650_000})
    project = Project._base_manager.filter(municipality=municipality, slug=slug).first()
    expected = (proposals, want["comments"], want["voters"] * VOTES_EACH)
    if project is not None and Area.objects.filter(municipality=municipality).count() == 83:
        with connection.cursor() as cursor:
            cursor.execute(COUNTS_SQL, {"project": project.pk})
            counts = cursor.fetchone()
        if counts == expected:
            out(f"seed: reused project {project.pk}: {proposals:,} proposals, "
                f"{counts[1]:,} comments, {counts[2]:,} votes in 83 areas")
            return municipality, project
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")
        if project is not None:
            with connection.cursor() as cursor:
                for sql in ("DELETE FROM voting_vote WHERE proposal_id IN (SELECT id FROM "
                            "proposals_proposal WHERE project_id = %s)",
                            "DELETE FROM proposals_comment WHERE proposal_id IN (SELECT id "
                            "FROM proposals_proposal WHERE project_id = %s)",
                            "DELETE FROM proposals_proposal WHERE project_id = %s"):
                    cursor.execute(sql, [project.pk])
        imported = seed_areas(municipality)
        now = timezone.now()
        if project is None:
            minx, miny, maxx, maxy = AREA
            project = Project.objects.create(
                municipality=municipality, slug=slug, title="Benchmark: participation by area",
                description="Seeded by bench/bench_rollup.py.", visibility=Visibility.PUBLIC,
                area=MultiPolygon(Polygon.from_bbox((minx - 0.05, miny - 0.05, maxx + 0.05,
                                                     maxy + 0.05)), srid=4326))
            ProjectVoting.objects.create(project=project, unverified_weight=WEIGHT,
                                         results_public=True)
            Phase.objects.create(project=project, kind=PhaseKind.IDEATION,
                                 starts_at=now - timedelta(days=60),
                                 ends_at=now - timedelta(days=1))
            Phase.objects.create(project=project, kind=PhaseKind.VOTING,
                                 starts_at=now - timedelta(days=1),
                                 ends_at=now + timedelta(days=3650))
        category, _ = Category.objects.get_or_create(
            project=project, slug="streets", defaults={"name": "Streets"})
        people = bench_users(f"{slug}-", want["people"])
        minx, miny, maxx, maxy = AREA
        dx, dy = (maxx - minx) * MARGIN, (maxy - miny) * MARGIN
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(%s)", [SEED])
            cursor.execute(PROPOSALS_SQL, {
                "project": project.pk, "category": category.pk, "people": people,
                "n_people": len(people), "n": proposals, "minx": minx - dx,
                "maxx": maxx + dx, "miny": miny - dy, "maxy": maxy + dy})
            placed = time.perf_counter()
            cursor.execute(PUBLIC_SQL, {"project": project.pk})
            # Its statistics, or the planner loops over it for each vote.
            cursor.execute("CREATE UNIQUE INDEX ON bench_rollup_public (k)")
            cursor.execute("ANALYZE bench_rollup_public")
            cursor.execute(COMMENTS_SQL, {"project": project.pk, "people": people,
                                          "n_people": len(people), "n": want["comments"]})
            cursor.execute(VOTES_SQL, {"project": project.pk, "weight": WEIGHT,
                                       "voters": people[:want["voters"]],
                                       "each": VOTES_EACH})
            cursor.execute(COUNTS_SQL, {"project": project.pk})
            counts = cursor.fetchone()
    if counts != expected:
        fail(f"seeding made {counts}, not {expected}.")
    seeded = time.perf_counter() - started
    if not connection.in_atomic_block:  # a test's transaction cannot VACUUM
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
            for table in ("proposals_proposal", "proposals_comment", "voting_vote",
                          "municipalities_area"):
                cursor.execute(f"VACUUM ANALYZE {table}")
            cursor.execute("RESET statement_timeout")
    out(f"seed: {imported['districts']} districts and {imported['neighbourhoods']} "
        f"neighbourhoods imported; project {project.pk}: {proposals:,} proposals placed by "
        f"the database as they went in ({placed - started:.1f} s), {counts[1]:,} comments, "
        f"{counts[2]:,} votes; {seeded:.1f} s in all")
    return municipality, project


def reference_rows(execute, *, municipality_id: int, project_id: int) -> dict:
    """{(grouping, district, neighbourhood): counts} from the reference query."""
    from proposals.models import PUBLIC_STATUSES

    rows = execute(REFERENCE_SQL, {"municipality": municipality_id, "project": project_id,
                                   "statuses": [str(s) for s in PUBLIC_STATUSES]})
    return {(g, d, n): dict(zip(COUNT_KEYS, (int(p or 0), int(c or 0), int(v or 0),
                                             Decimal(s or 0), u), strict=True))
            for g, d, n, p, c, v, s, u in rows}


def check(tree: dict, reference: dict) -> str:
    """Every node of ours equals the reference's row for the same area."""
    city = tree["municipalities"][0]
    expected_zero = dict(zip(COUNT_KEYS, (0, 0, 0, Decimal(0), 0), strict=True))

    def same(label, ours, key):
        theirs = reference.get(key, expected_zero)
        if ours != theirs:
            fail(f"{label}: ours {ours}, reference {theirs}.")

    same("the city", city["counts"], (0b11, None, None))
    same("outside every area", city["outside"], (0b00, None, None))
    neighbourhoods = 0
    for district in city["districts"]:
        same(f"district {district['code']}", district["counts"], (0b01, district["id"], None))
        same(f"district {district['code']} outside its neighbourhoods", district["outside"],
             (0b00, district["id"], None))
        for n in district["neighbourhoods"]:
            neighbourhoods += 1
            same(f"neighbourhood {n['code']}", n["counts"], (0b00, district["id"], n["id"]))
    counted = sum(1 for key in reference if key[0] == 0b00 and key[2] is not None)
    if counted > neighbourhoods:
        fail(f"the reference has {counted} neighbourhoods with acts, ours {neighbourhoods}.")
    c = city["counts"]
    return (f"checked: the city, {len(city['districts'])} districts and {neighbourhoods} "
            f"neighbourhoods equal the reference: {c['proposals']:,} public proposals "
            f"({city['outside']['proposals']:,} outside every area), {c['comments']:,} "
            f"comments, {c['votes']:,} votes, support {c['support_weight']}, "
            f"{c['participants']:,} participants")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proposals", type=int, default=FULL_SIZE)
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each (7)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (1)")
    args = parser.parse_args()
    if args.runs < 2:
        parser.error("--runs must be at least 2")
    dsn = setup_django()
    from django.core.cache import cache
    from django.test import Client

    from reports.rollup import participation_rollup, public_cache_key

    slug = SLUG if args.proposals == FULL_SIZE else f"{SLUG}-{args.proposals}"
    municipality, project = seed(args.proposals, slug=slug)

    def ours():
        return participation_rollup(municipalities=[municipality])

    client = Client()
    api = f"/{municipality.slug}/api/v1/participation/?project={project.pk}"

    def over_http():
        # The view keeps its figures a minute: each timed request computes them afresh.
        cache.delete(public_cache_key(municipality, project))
        response = client.get(api)
        if response.status_code != 200:
            fail(f"{api} answered {response.status_code}.")
        return response

    with psycopg.connect(dsn, connect_timeout=5, autocommit=True,
                         prepare_threshold=None) as conn:
        out(machine_facts(conn))

        def execute(sql, params):
            return conn.execute(sql, params).fetchall()

        def reference():
            return reference_rows(execute, municipality_id=municipality.pk,
                                  project_id=project.pk)

        out(check(ours(), reference()))
        answer = over_http().json()
        if answer["municipalities"][0]["counts"]["proposals"] != \
                ours()["municipalities"][0]["counts"]["proposals"]:
            fail("the API's city count differs from the selector's.")
        started = time.perf_counter()
        times = rounds({"ours": ours, "reference": reference, "http": over_http},
                       warmup=args.warmup, runs=args.runs)
        ours_p50, ref_p50, http_p50 = (p50(times[k]) for k in ("ours", "reference", "http"))
        out(f"timed: {args.runs} runs of each after {args.warmup} warm-up, in turn, "
            f"{time.perf_counter() - started:.1f} s; p50 ours {ours_p50 * 1000:.0f} ms "
            f"(p95 {p95(times['ours']) * 1000:.0f}), reference {ref_p50 * 1000:.0f} ms "
            f"(p95 {p95(times['reference']) * 1000:.0f}); the API through "
            f"django.test.Client {http_p50 * 1000:.0f} ms; target ratio ≤ 1.5")
    size = "" if args.proposals == FULL_SIZE else f" at {args.proposals:,} proposals"
    out(summary(f"{NAME}{size}", ours_p50 * 1000, ref_p50 * 1000, "ms"))


if __name__ == "__main__":
    main()
