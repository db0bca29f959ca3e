"""tally: a project's whole tally and ranking, 10,000 proposals and 1,000,000 votes.

Ours: `list(voting.selectors.ranking_queryset(project).values(…))` with every column the
ranking API returns (counts per value, weighted support and opposition, both scores and
both ranks), in this process: what the results page and
`GET /api/v1/projects/{id}/ranking/` rank for each of their pages (then sending one page
of it). It reads the tally the database keeps (`voting_tally`, one row per proposal and
role), not the votes.
Reference: the recount that tally saves, a raw `GROUP BY proposal_id` over the project's
votes with the same counts and weighted sums (`FILTER (WHERE …)`), sent with psycopg on a
connection of its own to the same database, fetching every row.

    .venv/bin/python -m bench.bench_tally [--runs 15] [--explain] [--votes 10000000]

`--explain` also prints the full `EXPLAIN (ANALYZE, BUFFERS)` of both queries. `--votes`
seeds (once) and measures another project of the same 10,000 proposals with that many
votes, 100 per voter, in place of the 1,000,000 of `make bench`.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import psycopg

from bench.common import (
    bench_roles,
    bench_users,
    fail,
    machine_facts,
    out,
    p50,
    p95,
    setup_django,
    summary,
)

NAME = "tally"
PROPOSALS = 10_000
# Votes go to the first 9,900 proposals only: the last 100 have none, so ours' LEFT JOIN
# has proposals without votes to keep (with zeros), as a real project does.
VOTED = 9_900
PER_VOTER = 100
VOTES = 1_000_000
SLUG = "bench-tally"
USER_PREFIX = "bench-tally-voter-"


@dataclass(frozen=True)
class Size:
    """How many votes, 100 per voter; another size is another project and other voters
    (their claims would otherwise disagree with the first project's votes)."""

    votes: int = VOTES

    @property
    def voters(self) -> int:
        return self.votes // PER_VOTER

    @property
    def slug(self) -> str:
        return SLUG if self.votes == VOTES else f"{SLUG}-{self.votes}"

    @property
    def user_prefix(self) -> str:
        return USER_PREFIX if self.votes == VOTES else f"bench-tally-{self.votes}-"
SEED = 0.2718
AREA = (2.05, 41.32, 2.23, 41.47)
# What the ranking API asks for (voting/api.py, ProjectRanking).
COLUMNS = ("id", "title", "supporters", "opponents", "abstentions", "support_weight",
           "oppose_weight", "score_weighted", "score_equal", "rank_weighted", "rank_equal")

PROPOSALS_SQL = """
INSERT INTO proposals_proposal
    (project_id, author_id, category_id, title, body, geometry, status,
     official_answer, is_hidden, hidden_reason, constraint_feedback, created_at, updated_at)
SELECT %(project)s, %(author)s, %(category)s,
       'Proposal ' || g,
       'What proposal ' || g || ' would change here, and why it matters to the street.',
       ST_SetSRID(ST_MakePoint(%(minx)s + random() * (%(maxx)s - %(minx)s),
                               %(miny)s + random() * (%(maxy)s - %(miny)s)), 4326),
       'published', '', false, '', '[]', now() - g * interval '1 minute', now()
FROM generate_series(1, %(n)s) AS g
"""

# Each voter: one role (40% residents, 15% business owners, 10% experts, 15% civil
# society, 10% who work in the area, 10% students) and its default weight, as vote_cast
# would snapshot them; and where their 100 votes fall: proposals start, start + stride,
# start + 2·stride, … (mod 9,900). With stride ≤ 99, 99·stride < 9,900: no proposal
# twice. Starts lean towards the first proposals (random()^1.5), so popularity varies.
VOTERS_SQL = """
CREATE TEMP TABLE bench_tally_voters ON COMMIT DROP AS
SELECT v.user_id, r.id AS role_id, r.default_weight AS weight, v.start, v.stride
FROM (SELECT u.id AS user_id,
             (%(roles)s::bigint[])[CASE WHEN u.x < 0.40 THEN 1 WHEN u.x < 0.55 THEN 2
                                        WHEN u.x < 0.65 THEN 3 WHEN u.x < 0.80 THEN 4
                                        WHEN u.x < 0.90 THEN 5 ELSE 6 END] AS role_id,
             floor(%(voted)s * power(random(), 1.5))::int AS start,
             1 + floor(random() * 99)::int AS stride
      FROM (SELECT id, random() AS x
            FROM unnest(%(users)s::bigint[]) WITH ORDINALITY AS t(id, n) ORDER BY n) u
     ) v
JOIN accounts_stakeholderrole r ON r.id = v.role_id
"""

# Values: each proposal has its own share of support (25–70%), opposition up to 85%,
# abstentions the last 15%.
VOTES_SQL = """
INSERT INTO voting_vote (proposal_id, user_id, value, role_id, weight, created_at, updated_at)
SELECT p.ids[k.idx], v.user_id,
       CASE WHEN k.x < 0.25 + 0.45 * mod(k.idx * 0.618034, 1) THEN 1
            WHEN k.x < 0.85 THEN -1 ELSE 0 END,
       v.role_id, v.weight, now(), now()
FROM bench_tally_voters v
CROSS JOIN LATERAL (SELECT 1 + mod(v.start + j * v.stride, %(voted)s) AS idx,
                           random() AS x
                    FROM generate_series(0, %(per_voter)s - 1) AS j) k
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM proposals_proposal
            WHERE project_id = %(project)s) p
"""

# Each voter's verified claim to their role (decided by the author, two days ago), so
# that the rows agree with what vote_cast would have resolved.
CLAIMS_SQL = """
INSERT INTO accounts_roleclaim
    (user_id, role_id, evidence, evidence_file, status, decided_by_id, decided_at,
     decision_reason, created_at, updated_at)
SELECT v.user_id, v.role_id, 'Seeded by the benchmark.', '', 'verified', %(decider)s,
       now() - interval '2 days', '', now() - interval '3 days', now()
FROM bench_tally_voters v
"""

REFERENCE_SQL = """
SELECT v.proposal_id,
       count(*) FILTER (WHERE v.value = 1),
       count(*) FILTER (WHERE v.value = -1),
       count(*) FILTER (WHERE v.value = 0),
       sum(v.weight) FILTER (WHERE v.value = 1),
       sum(v.weight) FILTER (WHERE v.value = -1)
FROM voting_vote v JOIN proposals_proposal p ON p.id = v.proposal_id
WHERE p.project_id = %s AND p.status = ANY(%s) AND NOT p.is_hidden
GROUP BY v.proposal_id
"""

TOTALS_SQL = """
SELECT count(*), sum(v.weight) FILTER (WHERE v.value = 1),
       sum(v.weight) FILTER (WHERE v.value = -1)
FROM voting_vote v JOIN proposals_proposal p ON p.id = v.proposal_id
WHERE p.project_id = %s
"""

COUNTS_SQL = """
SELECT (SELECT count(*) FROM proposals_proposal WHERE project_id = %(project)s),
       (SELECT count(*) FROM voting_vote v JOIN proposals_proposal p ON p.id = v.proposal_id
        WHERE p.project_id = %(project)s),
       (SELECT count(DISTINCT v.user_id) FROM voting_vote v
        JOIN proposals_proposal p ON p.id = v.proposal_id WHERE p.project_id = %(project)s)
"""


def seed(size: Size):
    """The project, its 10,000 proposals, 10,000 voters and their 1,000,000 votes (or
    `size`'s): reused when all are there."""
    from django.contrib.gis.geos import MultiPolygon, Polygon
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from proposals.models import Category, Phase, PhaseKind, Project, Visibility

    project = Project.objects.filter(slug=size.slug).first()
    if project is not None:
        with connection.cursor() as cursor:
            cursor.execute(COUNTS_SQL, {"project": project.pk})
            counts = cursor.fetchone()
        if counts == (PROPOSALS, size.votes, size.voters):
            out(f"seed: reused project {project.pk} with {PROPOSALS:,} proposals, "
                f"{size.voters:,} voters and {size.votes:,} votes")
            return project
        out(f"seed: project {project.pk} has {counts[0]:,} proposals, {counts[1]:,} votes "
            f"from {counts[2]:,} voters: seeding again")

    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # A million rows take longer than the settings' 30 s statement bound on a slow
            # machine; this transaction only.
            cursor.execute("SET LOCAL statement_timeout = 0")
        roles = bench_roles()
        author, created = User.objects.get_or_create(
            username="bench-tally-author", defaults={"email": "bench-tally@example.invalid"})
        if created:
            author.set_unusable_password()
            author.save(update_fields=["password"])
        now = timezone.now()
        if project is None:
            minx, miny, maxx, maxy = AREA
            area = Polygon.from_bbox((minx - 0.01, miny - 0.01, maxx + 0.01, maxy + 0.01))
            project = Project.objects.create(
                slug=size.slug, title="Benchmark: tally and ranking",
                description=f"10,000 proposals and {size.votes:,} votes seeded by "
                            "bench/bench_tally.py.",
                area=MultiPolygon(area, srid=4326), visibility=Visibility.PUBLIC)
            # No ProjectVoting nor RoleWeight rows: the roles' default weights apply (and
            # the database refuses them once voting has opened anyway).
            Phase.objects.create(project=project, kind=PhaseKind.IDEATION,
                                 starts_at=now - timedelta(days=60),
                                 ends_at=now - timedelta(days=1))
            Phase.objects.create(project=project, kind=PhaseKind.VOTING,
                                 starts_at=now - timedelta(days=1),
                                 ends_at=now + timedelta(days=3650))
        category, _ = Category.objects.get_or_create(
            project=project, slug="streets", defaults={"name": "Streets"})
        voters = bench_users(size.user_prefix, size.voters)
        with connection.cursor() as cursor:
            # Nothing else writes to this project: its proposals have no comments, images
            # or flags to cascade to, only votes.
            cursor.execute("DELETE FROM voting_vote WHERE proposal_id IN "
                           "(SELECT id FROM proposals_proposal WHERE project_id = %s)",
                           [project.pk])
            deleted = cursor.rowcount
            cursor.execute("DELETE FROM proposals_proposal WHERE project_id = %s",
                           [project.pk])
            cursor.execute("SELECT setseed(%s)", [SEED])
            minx, miny, maxx, maxy = AREA
            cursor.execute(PROPOSALS_SQL, {
                "project": project.pk, "author": author.pk, "category": category.pk,
                "minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy, "n": PROPOSALS})
            proposals_done = time.perf_counter()
            cursor.execute(VOTERS_SQL, {"roles": [r.pk for r in roles], "users": voters,
                                        "voted": VOTED})
            cursor.execute("DELETE FROM accounts_roleclaim WHERE user_id = ANY(%s)", [voters])
            cursor.execute(CLAIMS_SQL, {"decider": author.pk})
            cursor.execute(VOTES_SQL, {"project": project.pk, "voted": VOTED,
                                       "per_voter": PER_VOTER})
            inserted = cursor.rowcount
    if inserted != size.votes:
        fail(f"seeding inserted {inserted:,} votes, not {size.votes:,}.")
    seeded = time.perf_counter() - started
    vacuum_started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        # VACUUM: the visibility map is set now (index-only scans can skip the heap), not
        # by autovacuum in the middle of a later run. FULL after a reseed: the deleted
        # rows would otherwise leave the table twice its size.
        for table in ("voting_vote", "voting_tally", "proposals_proposal"):
            cursor.execute(f"VACUUM {'(FULL, ANALYZE)' if deleted else '(ANALYZE)'} {table}")
        cursor.execute("RESET statement_timeout")
    after = f" after deleting {deleted:,} votes" if deleted else ""
    out(f"seed: project {project.pk}, {PROPOSALS:,} proposals, {size.voters:,} voters and "
        f"{size.votes:,} votes inserted in {seeded:.1f} s, the tally kept by the database's "
        f"trigger as they went in (proposals "
        f"{proposals_done - started:.1f} s){after}, "
        f"VACUUM{' FULL' if deleted else ''} ANALYZE {time.perf_counter() - vacuum_started:.1f} s")
    return project


def check(ours_rows: list[dict], ref_rows: list[tuple], totals: tuple, size: Size) -> str:
    """Ours equals the reference for every proposal; the totals equal the vote rows'."""
    zero = Decimal(0)
    if len(ours_rows) != PROPOSALS:
        fail(f"the ranking has {len(ours_rows):,} proposals, not {PROPOSALS:,}.")
    ref = {row[0]: (row[1], row[2], row[3], row[4] or zero, row[5] or zero)
           for row in ref_rows}
    ours = {row["id"]: (row["supporters"], row["opponents"], row["abstentions"],
                        row["support_weight"], row["oppose_weight"]) for row in ours_rows}
    if len(ours) != len(ours_rows):
        fail("the ranking lists a proposal twice.")
    missing = set(ref) - set(ours)
    if missing:
        fail(f"{len(missing)} proposals with votes are missing from the ranking, "
             f"e.g. {sorted(missing)[:5]}.")
    for pk, tally in ours.items():
        expected = ref.get(pk, (0, 0, 0, zero, zero))
        if tally != expected:
            fail(f"proposal {pk}: ours {tally}, reference {expected}.")
    count, support, oppose = totals
    summed = (sum(t[0] + t[1] + t[2] for t in ours.values()),
              sum(t[3] for t in ours.values()), sum(t[4] for t in ours.values()))
    if summed != (count, support, oppose) or count != size.votes:
        fail(f"totals: ours {summed}, votes table ({count}, {support}, {oppose}), "
             f"seeded {size.votes}.")
    # The scores, both ranks (ties share a rank: 1 + how many score strictly more) and
    # the order (rank_weighted, rank_equal, id).
    weighted = sorted((r["support_weight"] - r["oppose_weight"] for r in ours_rows),
                      reverse=True)
    equal = sorted((r["supporters"] - r["opponents"] for r in ours_rows), reverse=True)
    first_weighted, first_equal = {}, {}
    for i, score in enumerate(weighted):
        first_weighted.setdefault(score, i + 1)
    for i, score in enumerate(equal):
        first_equal.setdefault(score, i + 1)
    for row in ours_rows:
        if (row["score_weighted"] != row["support_weight"] - row["oppose_weight"]
                or row["score_equal"] != row["supporters"] - row["opponents"]):
            fail(f"proposal {row['id']}: scores do not follow from its tally: {row}.")
        if (row["rank_weighted"] != first_weighted[row["score_weighted"]]
                or row["rank_equal"] != first_equal[row["score_equal"]]):
            fail(f"proposal {row['id']}: ranks ({row['rank_weighted']}, "
                 f"{row['rank_equal']}) are not those of its scores: {row}.")
    keys = [(r["rank_weighted"], r["rank_equal"], r["id"]) for r in ours_rows]
    if keys != sorted(keys):
        fail("the ranking is not ordered by weighted rank, equal rank, id.")
    changed = sum(1 for r in ours_rows if r["rank_weighted"] != r["rank_equal"])
    return (f"checked: {PROPOSALS:,} proposals ({len(ref):,} with votes), {count:,} votes, "
            f"weighted support {support}, opposition {oppose}; ranks and order follow the "
            f"scores; the weights move {changed:,} proposals' rank")


def rotate(fns: list[Callable[[], object]], *, warmup: int,
           runs: int) -> list[list[float]]:
    """Time each function in turn (seconds), the first of each round moving on by one, so
    that none always follows another (bench.common.alternate, for more than two)."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    times: list[list[float]] = [[] for _ in fns]
    for i in range(runs):
        for j in range(len(fns)):
            k = (i + j) % len(fns)
            started = time.perf_counter()
            fns[k]()
            times[k].append(time.perf_counter() - started)
    return times


def cpu_time(fn: Callable[[], object], runs: int = 5) -> float:
    """Median CPU time of this process (seconds) over `runs` calls of fn."""
    times = []
    for _ in range(runs):
        started = time.process_time()
        fn()
        times.append(time.process_time() - started)
    return p50(times)


def analyzed(execute, sql: str, params) -> dict:
    plan = execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
    return (json.loads(plan) if isinstance(plan, str | bytes) else plan)[0]


def plan_line(plan: dict) -> str:
    """Execution time, JIT time if any, and each node's own time (children excluded)."""
    jit = plan.get("JIT", {}).get("Timing", {}).get("Total")
    return (f"{plan['Execution Time']:.0f} ms"
            f"{f' (JIT {jit:.0f} ms of it)' if jit is not None else ''}: "
            f"{', '.join(plan_nodes(plan['Plan']))}")


def plan_nodes(node: dict) -> list[str]:
    """`Node (index) rows: own ms` depth first, the node's time less its children's."""
    children = node.get("Plans", [])
    own = node["Actual Total Time"] - sum(c["Actual Total Time"] for c in children)
    index = f" ({node['Index Name']})" if "Index Name" in node else ""
    spill = (f" in {node['HashAgg Batches']} batches, {node['Disk Usage']} kB on disk"
             if node.get("HashAgg Batches", 1) > 1 else "")
    nodes = [f"{node['Node Type']}{index} {node['Actual Rows']:,} rows{spill}: {own:.0f} ms"]
    for child in children:
        nodes += plan_nodes(child)
    return nodes


def explain_lines(cursor, sql: str, params) -> list[str]:
    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
    return [row[0] for row in cursor.fetchall()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each (15)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs of each first (3)")
    parser.add_argument("--explain", action="store_true",
                        help="also print EXPLAIN (ANALYZE, BUFFERS) of both queries")
    parser.add_argument("--votes", type=int, default=VOTES,
                        help=f"votes in the project, 100 per voter ({VOTES:,})")
    args = parser.parse_args()
    if args.runs < 2:
        parser.error("--runs must be at least 2")

    dsn = setup_django()
    from django.db import connection

    from proposals.models import PUBLIC_STATUSES
    from voting.selectors import ranking_queryset

    size = Size(args.votes)
    if size.votes % PER_VOTER or size.votes < VOTED:
        parser.error(f"--votes must be a multiple of {PER_VOTER} of at least {VOTED:,}")
    project = seed(size)
    statuses = [str(s) for s in PUBLIC_STATUSES]

    def ours():
        return list(ranking_queryset(project).values(*COLUMNS))

    def django_execute(sql, params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    # prepare_threshold=None: every execution is planned afresh, as Django's are.
    with psycopg.connect(dsn, connect_timeout=5, autocommit=True,
                         prepare_threshold=None) as conn:

        def reference():
            return conn.execute(REFERENCE_SQL, [project.pk, statuses]).fetchall()

        def ref_execute(sql, params):
            return conn.execute(sql, params).fetchone()[0]

        out(machine_facts(conn))
        jit = conn.execute("SHOW jit").fetchone()[0]
        work_mem = conn.execute("SHOW work_mem").fetchone()[0]
        out(f"settings: jit {jit}, work_mem {work_mem}")

        # Correctness first, untimed; ours' SQL is recorded on the way.
        queries = []

        def record(execute, sql, params, many, context):
            queries.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            ours_rows = ours()
        totals = conn.execute(TOTALS_SQL, [project.pk]).fetchone()
        out(check(ours_rows, reference(), totals, size))
        if len(queries) != 1:
            fail(f"ours ran {len(queries)} queries, not 1.")
        ours_sql, ours_params = queries[0]

        # Ours' SQL alone too, sent through psycopg like the reference: the database's
        # part of ours (the rest is Django compiling the query and building 10,000 dicts).
        # The three take turns, so that the differences come from the same runs.
        def ours_sql_alone():
            return conn.execute(ours_sql, ours_params).fetchall()

        started = time.perf_counter()
        ours_times, sql_times, ref_times = rotate(
            [ours, ours_sql_alone, reference], warmup=args.warmup, runs=args.runs)
        ours_p50, sql_p50, ref_p50 = p50(ours_times), p50(sql_times), p50(ref_times)
        out(f"timed: {args.runs} runs of each after {args.warmup} warm-up, in turn, "
            f"{time.perf_counter() - started:.1f} s; p50 ours {ours_p50 * 1000:.1f} ms, "
            f"reference {ref_p50 * 1000:.1f} ms, ratio {ours_p50 / ref_p50:.2f}; "
            f"p95 ours {p95(ours_times) * 1000:.1f} ms, reference {p95(ref_times) * 1000:.1f} ms")
        # Django's own part is CPU time in this process (the database's is not): the CPU
        # time of ours less that of its SQL alone, both fetched through psycopg.
        ours_cpu, sql_cpu = cpu_time(ours), cpu_time(ours_sql_alone)
        out(f"ours' SQL alone through psycopg: p50 {sql_p50 * 1000:.1f} ms, p95 "
            f"{p95(sql_times) * 1000:.1f} ms ({sql_p50 / ref_p50:.2f}× the reference); "
            f"CPU in this process: ours {ours_cpu * 1000:.0f} ms, its SQL alone "
            f"{sql_cpu * 1000:.0f} ms, so Django's part (compiling, converters, 10,000 "
            f"dicts) ~{(ours_cpu - sql_cpu) * 1000:.0f} ms")

        ours_plan = analyzed(django_execute, ours_sql, ours_params)
        ref_plan = analyzed(ref_execute, REFERENCE_SQL, [project.pk, statuses])
        out(f"plan of ours, {plan_line(ours_plan)}")
        out(f"plan of the reference, {plan_line(ref_plan)}")
        if args.explain:
            with connection.cursor() as cursor:
                ours_lines = explain_lines(cursor, ours_sql, ours_params)
            ref_lines = explain_lines(conn.cursor(), REFERENCE_SQL, [project.pk, statuses])
            for label, sql, lines in (("ours", ours_sql, ours_lines),
                                      ("the reference", REFERENCE_SQL, ref_lines)):
                out(f"EXPLAIN (ANALYZE, BUFFERS) of {label}: {' '.join(sql.split())}")
                for line in lines:
                    out(f"  {line}")

    name = NAME if size.votes == VOTES else f"{NAME} at {size.votes:,} votes"
    out(summary(name, ours_p50 * 1000, ref_p50 * 1000, "ms"))


if __name__ == "__main__":
    main()
