"""report: a decision report of 10,000 proposals and 1,000,000 votes, by district.

Ours, aggregates: `reports.snapshot.snapshot_read` in one REPEATABLE READ transaction
(JIT off in it), as the worker runs it: the ranking (voting.selectors.ranking_queryset),
per-role tallies (voting.selectors.role_breakdowns), comments per proposal, votes by
role, proposals and votes per district (proposals.districts), and the people (in total,
per district, per role of the votes and per verified role) in one pass over the votes.
Reference: the same aggregates written from the schema as a DBA would, in two statements
(PROPOSALS_SQL: the ranking from the tally table with both ranks, comments, district and
tallies by role per proposal; PEOPLE_SQL: one pass over the votes, comments and proposals
reduced per person, district and role, counted by GROUPING SETS), sent with psycopg on a
connection of its own in one REPEATABLE READ transaction, fetching every row. Both sides
run under the worker's statement_timeout. Every number the report shows must be equal.
Target: ours ≤ 1.2 × the reference.

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
from decimal import Decimal

from bench.common import fail, machine_facts, out, p50, setup_django, summary

NAME = "report"
DATASET = "Bench districts"

# The reference: the report's aggregates as a DBA would write them from the schema, in
# two statements. Each public proposal's district is the lowest-id feature of the layer
# that holds its point on surface (the stored `point` column is ST_PointOnSurface of the
# geometry, kept by PostgreSQL).
PUBLIC_CTE = """
WITH pub AS MATERIALIZED (
    SELECT p.id, p.author_id, {columns}min(f.id) AS district
    FROM proposals_proposal p
    LEFT JOIN gisdata_feature f ON f.layer_id = %(layer)s AND ST_Intersects(f.geometry, p.point)
    WHERE p.project_id = %(project)s AND p.status = ANY(%(statuses)s) AND NOT p.is_hidden
    GROUP BY p.id
)"""

# 1. One row per public proposal, best first: the sums of its tally rows (the table the
# database keeps with the votes, one row per proposal and role), both ranks, its
# comments, its district, and its tally rows by role as a JSON array.
PROPOSALS_SQL = PUBLIC_CTE.format(columns="""p.title, p.status, p.official_answer,
    p.constraint_feedback, p.geometry, p.category_id, """) + """,
tally AS (
    SELECT t.proposal_id, sum(t.supporters) AS s, sum(t.opponents) AS o,
           sum(t.abstentions) AS a, sum(t.support_weight) AS sw, sum(t.oppose_weight) AS ow,
           json_agg(json_build_array(r.name, t.supporters, t.opponents, t.abstentions,
                                     t.support_weight::text, t.oppose_weight::text)
                    ORDER BY r.position, r.name) AS roles
    FROM voting_tally t JOIN pub ON pub.id = t.proposal_id
    LEFT JOIN accounts_stakeholderrole r ON r.id = t.role_id
    GROUP BY t.proposal_id
), comments AS (
    SELECT c.proposal_id, count(*) AS n
    FROM proposals_comment c JOIN pub ON pub.id = c.proposal_id
    WHERE NOT c.is_deleted AND NOT c.is_hidden
    GROUP BY c.proposal_id
), scored AS (
    SELECT pub.*, coalesce(t.s, 0) AS s, coalesce(t.o, 0) AS o, coalesce(t.a, 0) AS a,
           coalesce(t.sw, 0) AS sw, coalesce(t.ow, 0) AS ow, t.roles,
           coalesce(c.n, 0) AS comments
    FROM pub LEFT JOIN tally t ON t.proposal_id = pub.id
    LEFT JOIN comments c ON c.proposal_id = pub.id
)
SELECT x.id, x.title, x.status, x.official_answer, x.constraint_feedback, x.geometry,
       g.name, x.s, x.o, x.a, x.sw, x.ow, x.sw - x.ow, x.s - x.o,
       rank() OVER (ORDER BY x.sw - x.ow DESC), rank() OVER (ORDER BY x.s - x.o DESC),
       x.comments, x.district, x.roles
FROM scored x LEFT JOIN proposals_category g ON g.id = x.category_id
ORDER BY 15, 16, x.id
"""  # noqa: S608 - constant SQL put together; every value is a parameter

# 2. People, in one pass over the votes: every act on a public proposal (authoring it,
# a public comment on it, a vote on it), reduced to one row per person, district and
# role the vote counted with, then counted by grouping set: in all, per district, per
# role of the votes, per verified role of the person at the snapshot (their claim in
# force with the highest weight for the project, then the role listed first).
PEOPLE_SQL = PUBLIC_CTE.format(columns="") + """,
acts AS (
    SELECT author_id AS user_id, district, NULL::bigint AS vote_role, 1 AS proposals,
           0 AS comments, 0 AS votes, 0 AS s, 0 AS o, 0 AS a, 0 AS sw, 0 AS ow
    FROM pub
    UNION ALL
    SELECT c.author_id, pub.district, NULL, 0, 1, 0, 0, 0, 0, 0, 0
    FROM proposals_comment c JOIN pub ON pub.id = c.proposal_id
    WHERE NOT c.is_deleted AND NOT c.is_hidden
    UNION ALL
    SELECT v.user_id, pub.district, v.role_id, 0, 0, 1, (v.value = 1)::int,
           (v.value = -1)::int, (v.value = 0)::int,
           CASE WHEN v.value = 1 THEN (v.weight * 1000)::int ELSE 0 END,
           CASE WHEN v.value = -1 THEN (v.weight * 1000)::int ELSE 0 END
    FROM voting_vote v JOIN pub ON pub.id = v.proposal_id
), per_person AS (
    SELECT user_id, district, vote_role, sum(proposals) AS proposals,
           sum(comments) AS comments, sum(votes) AS votes, sum(s) AS s, sum(o) AS o,
           sum(a) AS a, sum(sw) AS sw, sum(ow) AS ow
    FROM acts GROUP BY user_id, district, vote_role
), claim AS (
    SELECT DISTINCT ON (c.user_id) c.user_id, c.role_id
    FROM accounts_roleclaim c JOIN accounts_stakeholderrole r ON r.id = c.role_id
    LEFT JOIN voting_roleweight w ON w.project_id = %(project)s AND w.role_id = r.id
    WHERE c.status = 'verified' AND (c.expires_at IS NULL OR c.expires_at > %(at)s)
    ORDER BY c.user_id, coalesce(w.weight, r.default_weight) DESC, r.position, r.id
)
SELECT GROUPING(u.district, u.vote_role, k.role_id) AS grouping_set,
       u.district, u.vote_role, k.role_id,
       count(DISTINCT u.user_id) AS people,
       count(DISTINCT u.user_id) FILTER (WHERE u.votes > 0) AS voters,
       sum(u.votes) FILTER (WHERE u.user_id IS NULL) AS anonymised,
       sum(u.proposals), sum(u.comments), sum(u.votes),
       sum(u.proposals) FILTER (WHERE u.user_id IS NOT NULL),
       sum(u.comments) FILTER (WHERE u.user_id IS NOT NULL),
       sum(u.s), sum(u.o), sum(u.a), sum(u.sw) / 1000.0, sum(u.ow) / 1000.0
FROM per_person u LEFT JOIN claim k ON k.user_id = u.user_id
GROUP BY GROUPING SETS ((), (u.district), (u.vote_role), (k.role_id))
"""  # noqa: S608 - constant SQL put together; every value is a parameter


COMMENTS = 20_000
COMMENTS_SQL = """
INSERT INTO proposals_comment
    (body, created_at, is_deleted, is_hidden, hidden_reason, author_id, proposal_id)
SELECT CASE WHEN g %% 20 = 0 THEN '' ELSE 'Comment ' || g END, now(), g %% 20 = 0,
       g %% 10 = 3, CASE WHEN g %% 10 = 3 THEN 'Off topic.' ELSE '' END,
       CASE WHEN g %% 50 = 1 THEN NULL
            ELSE (%(authors)s::bigint[])[1 + (g * 7919) %% cardinality(%(authors)s::bigint[])]
       END,
       (%(proposals)s::bigint[])[1 + (g * 104729) %% cardinality(%(proposals)s::bigint[])]
FROM generate_series(1, %(n)s) AS g
"""


def comments_seed(project) -> None:
    """20,000 comments on the project's proposals, made once: by its voters and by erased
    accounts (one in fifty), one in ten hidden and one in twenty deleted (neither counts)."""
    from django.db import connection

    from bench.bench_tally import USER_PREFIX
    from proposals.models import Comment

    if Comment.objects.filter(proposal__project=project).exists():
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM accounts_user WHERE username LIKE %s ORDER BY id",
                       [USER_PREFIX + "%"])
        authors = [row[0] for row in cursor.fetchall()][::3]
        cursor.execute("SELECT id FROM proposals_proposal WHERE project_id = %s ORDER BY id",
                       [project.pk])
        proposals = [row[0] for row in cursor.fetchall()]
        cursor.execute(COMMENTS_SQL, {"authors": authors, "proposals": proposals,
                                      "n": COMMENTS})
        cursor.execute("ANALYZE proposals_comment")
    out(f"seed: {COMMENTS:,} comments on project {project.pk}'s proposals")


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
    from django.db import connection

    dsn = setup_django()
    from bench.bench_tally import Size, seed
    from bench.bench_tally import rotate as take_turns
    from proposals.models import PUBLIC_STATUSES
    from reports.services import _snapshot
    from reports.snapshot import snapshot_read

    project = seed(Size())
    comments_seed(project)
    layer = districts_layer()
    params = {"project": project.pk, "statuses": [str(s) for s in PUBLIC_STATUSES],
              "layer": layer.pk}

    def ours():
        with _snapshot():
            return snapshot_read(project=project, district_layer=layer)

    def ours_with_jit():
        # Ours as it ran before its transaction turned JIT off (reports.services._snapshot):
        # the same, with JIT back on for the transaction after its `SET LOCAL jit = off`.
        with _snapshot():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = on")
            return snapshot_read(project=project, district_layer=layer)

    # The worker's bound on every statement (DB_STATEMENT_TIMEOUT_MS, in the connection's
    # options: config/settings/base.py), on the reference's connection too.
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        [timeout] = cursor.fetchone()
    with psycopg.connect(dsn, connect_timeout=5, autocommit=True,
                         prepare_threshold=None) as conn:
        out(machine_facts(conn))
        conn.execute("SELECT set_config('statement_timeout', %s, false)", [timeout])
        [ref_timeout] = conn.execute("SHOW statement_timeout").fetchone()
        if ref_timeout != timeout:
            fail(f"statement_timeout: ours {timeout}, the reference {ref_timeout}.")
        out(f"statement_timeout on both sides: {timeout} (the worker's, "
            f"DB_STATEMENT_TIMEOUT_MS)")

        def reference():
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                [at] = conn.execute("SELECT statement_timestamp()").fetchone()
                roles = {pk: (name, position) for pk, name, position in conn.execute(
                    "SELECT id, name, position FROM accounts_stakeholderrole")}
                return (conn.execute(PROPOSALS_SQL, params).fetchall(),
                        conn.execute(PEOPLE_SQL, {**params, "at": at}).fetchall(), roles)

        data = ours()
        checked = agree(data, *reference())
        out(f"checked: {checked}; {data.totals['rank_changed']:,} ranks changed by the "
            f"weights")
        started = time.perf_counter()
        ours_times, ref_times = take_turns([ours, reference], warmup=args.warmup,
                                           runs=args.runs)
        ours_p50, ref_p50 = p50(ours_times), p50(ref_times)
        out(f"aggregates: {args.runs} runs of each after {args.warmup} warm-up, in turn, "
            f"{time.perf_counter() - started:.1f} s; p50 ours {ours_p50:.2f} s, reference "
            f"{ref_p50:.2f} s, ratio {ours_p50 / ref_p50:.2f} (target ≤ 1.2)")

        # Detail: ours turns JIT compilation off in its transaction (with the server's
        # default, on, the estimated costs of a million votes make PostgreSQL compile and
        # optimise every heavy statement, seconds each on 2 cores). Here the reference
        # with JIT off too, so that both sides run the same way, and ours with JIT on,
        # so that the line says what turning it off saves.
        [jit] = conn.execute("SHOW jit").fetchone()
        if jit == "on":
            try:
                conn.execute("SET jit = off")
                ours_times, ref_times, jit_times = take_turns(
                    [ours, reference, ours_with_jit], warmup=0, runs=args.runs)
            finally:
                conn.execute("RESET jit")
            out(f"aggregates with jit=off on both sides: {args.runs} runs of each, in turn; "
                f"p50 ours {p50(ours_times):.2f} s, reference {p50(ref_times):.2f} s, ratio "
                f"{p50(ours_times) / p50(ref_times):.2f}; ours with jit=on "
                f"{p50(jit_times):.2f} s (ratio to the reference with jit=off "
                f"{p50(jit_times) / p50(ref_times):.2f})")

    compiles = [compile_once(project, layer) for _ in range(args.compile_runs)]
    for n, c in enumerate(compiles, start=1):
        out(f"compile {n}: {c['seconds']:.1f} s in the worker's code ({c['wall']:.1f} s with "
            f"the process start), peak RSS {c['rss_mb']:.0f} MB; files: "
            + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in c["sizes"].items()))
    if compiles:
        out(f"compile: p50 {p50([c['seconds'] for c in compiles]):.1f} s, peak worker RSS "
            f"{max(c['rss_mb'] for c in compiles):.0f} MB")
    out(summary(NAME, ours_p50 * 1000, ref_p50 * 1000, "ms"))


# GROUPING(district, vote_role, role_id) of PEOPLE_SQL's grouping sets.
IN_ALL, BY_DISTRICT, BY_VOTE_ROLE, BY_CLAIM_ROLE = 0b111, 0b011, 0b101, 0b110
SUMS = ("supporters", "opponents", "abstentions", "support_weight", "oppose_weight")


def agree(data, proposals: list[tuple], people: list[tuple], roles: dict) -> str:
    """Every number of ours' ReportData equals the reference's: the ranking row by row
    (sums, scores, ranks, comments, district, tallies by role), the totals, votes by
    role, participants by role and the districts. Returns what was checked."""
    from reports.snapshot import NO_ROLE
    from voting.groups import role_groups_merge

    def role_name(pk):
        return roles[pk][0] if pk is not None else NO_ROLE

    def by_role_order(pk):  # the roles' order, "No verified role" last
        return (pk is None, roles[pk][1] if pk is not None else 0,
                roles[pk][0] if pk is not None else "")

    names = {d["id"]: d["name"] for d in data.districts}
    ours_rows = [(p["id"], p["title"], p["status"], p["category"],
                  *(p[k] for k in SUMS), p["score_weighted"], p["score_equal"],
                  p["rank_weighted"], p["rank_equal"], p["comments"], p["district"])
                 for p in data.proposals]
    ref_rows = [(r[0], r[1], r[2], r[6], *r[7:16], r[16], names.get(r[17]))
                for r in proposals]
    for ours_row, ref_row in zip(ours_rows, ref_rows, strict=False):
        if ours_row != ref_row:
            fail(f"ranking: ours {ours_row}, the reference {ref_row}.")
    if len(ours_rows) != len(ref_rows):
        fail(f"ranking: ours {len(ours_rows)} proposals, the reference {len(ref_rows)}.")
    for p, r in zip(data.proposals, proposals, strict=True):
        tallies = [{"role": name or NO_ROLE, "voters": s + o + a, "supporters": s,
                    "opponents": o, "abstentions": a, "support_weight": Decimal(sw),
                    "oppose_weight": Decimal(ow)} for name, s, o, a, sw, ow in r[18] or []]
        shown = role_groups_merge(tallies)
        if (p["roles"], p["role_groups"]["merged"], p["role_groups"]["withheld"]) != (
                shown.rows, shown.merged, shown.withheld):
            fail(f"proposal {p['id']}'s tallies by role: ours {p['roles']}, the reference "
                 f"{shown.rows}.")

    sets: dict[int, list[tuple]] = {}
    for row in people:
        sets.setdefault(row[0], []).append(row[1:])
    [(_, _, _, participants, voters, anonymised, n_proposals, n_comments, n_votes,
      *_)] = sets[IN_ALL]
    ref_totals = {"participants": participants, "voters": voters,
                  "anonymised_votes": anonymised or 0, "proposals": n_proposals,
                  "comments": n_comments, "votes": n_votes,
                  "rank_changed": sum(1 for r in proposals if r[14] != r[15])}
    if data.totals != ref_totals or n_proposals != len(proposals):
        fail(f"totals: ours {data.totals}, the reference {ref_totals}.")

    vote_rows = sorted((r for r in sets.get(BY_VOTE_ROLE, []) if r[8] > 0),
                       key=lambda r: by_role_order(r[1]))
    by_vote_role = role_groups_merge([
        {"role": role_name(r[1]), "voters": r[4], "votes": r[8],
         **dict(zip(SUMS, r[11:16], strict=True))} for r in vote_rows])
    if (data.votes_by_role, data.role_groups["merged"], data.role_groups["withheld"]) != (
            by_vote_role.rows, by_vote_role.merged, by_vote_role.withheld):
        fail(f"votes by role: ours {data.votes_by_role}, the reference {by_vote_role.rows}.")

    claim_rows = sorted((r for r in sets.get(BY_CLAIM_ROLE, []) if r[3] > 0),
                        key=lambda r: by_role_order(r[2]))
    by_claim_role = [{"role": role_name(r[2]), "participants": r[3], "proposals": r[9],
                      "comments": r[10]} for r in claim_rows]
    if data.participants_by_role != by_claim_role:
        fail(f"participants by role: ours {data.participants_by_role}, the reference "
             f"{by_claim_role}.")

    ref_districts = {r[0]: r for r in sets.get(BY_DISTRICT, [])}
    for d in data.districts:
        r = ref_districts.pop(d["id"], None)
        ref = ({"proposals": r[6], "comments": r[7], "votes": r[8], "support_weight": r[14],
                "participants": r[3], "voters": r[4]} if r else
               {"proposals": 0, "comments": 0, "votes": 0, "support_weight": 0,
                "participants": 0, "voters": 0})
        if {k: d[k] for k in ref} != ref:
            fail(f"district {d['name']}: ours {({k: d[k] for k in ref})}, the reference "
                 f"{ref}.")
    if ref_districts:
        fail(f"districts the reference counts and ours does not: {sorted(ref_districts)}.")
    return (f"{len(proposals):,} proposals, {n_comments:,} public comments, "
            f"{n_votes:,} votes, {voters:,} voters, "
            f"{participants:,} participants, {len(data.districts)} districts, "
            f"{len(vote_rows)} roles of votes, {len(claim_rows)} verified roles: every "
            f"number equal")


if __name__ == "__main__":
    main()
