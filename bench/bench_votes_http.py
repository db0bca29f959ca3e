"""votes_http: votes cast over HTTP against a real gunicorn, as API clients cast them.

A project in its voting phase with nine published proposals and 300 voters, each with a
verified stakeholder role (one in ten with two) and an API token. gunicorn serves the
project with `platform/deploy/gunicorn.conf.py` on a free port of 127.0.0.1, against the
bench database and a Redis database of its own; every request is
`POST /api/v1/proposals/{id}/vote/` with `Authorization: Token …` and a JSON body.

Ours: the latency of one vote over HTTP (client → gunicorn → Django → DRF → token, throttle,
proposal look-up, vote_cast → JSON), one request at a time, on three of the proposals.
Reference: `voting.services.vote_cast` called in this process for the same voters and
values on three other proposals, taking turns with ours vote by vote. The ratio is what
HTTP, gunicorn, the middleware and DRF add to the service's own work. The same votes
through `django.test.Client` in this process, on the last three proposals and in the same
turns, split that into gunicorn + HTTP and Django + DRF.

Then the throughput: every voter's votes over HTTP with 32 clients at once (votes/s,
p50/p95 latency under that load, CPU per vote of gunicorn and PostgreSQL). Both phases end
with the check that the tally in the database is what the accepted (200) answers imply,
each voter's last value counting with their role's weight; any 5xx or failed connection
is a correctness failure.

    .venv/bin/python -m bench.bench_votes_http [--voters 300] [--concurrency 32] …
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from bench.common import (
    BENCH_ROLES,
    bench_roles,
    bench_users,
    fail,
    out,
    p50,
    p95,
    setup_django,
    summary,
)
from bench.gunicorn import (
    GUNICORN_CONF,
    ROOT,
    add_server_arguments,
    cpu_seconds,
    free_port,
    log_tail,
    server_pids,
    start_gunicorn,
    stop_gunicorn,
    wait_ready,
)

NAME = "votes_http"
SLUG = "bench-votes-http"
USER_PREFIX = "bench-votes-voter-"
VALUES = ("support", "oppose", "abstain")
NUMBERS = {"support": 1, "oppose": -1, "abstain": 0}
WEIGHTS = {slug: Decimal(weight) for slug, _, weight in BENCH_ROLES}


@dataclass
class Result:
    """One vote request: who, on what, which value; the status (0: no answer), the
    body and how long it took."""

    voter: int
    proposal: int
    value: str
    status: int
    body: bytes = b""
    seconds: float = 0.0
    error: str = ""


@dataclass
class Voter:
    user_id: int
    token: str
    roles: list[str]
    weight: Decimal = field(init=False)

    def __post_init__(self):
        # The rule of docs/voting-weights.md: the highest weight among the voter's roles.
        self.weight = max(WEIGHTS[slug] for slug in self.roles)


def setup():
    """The project (voting open), nine proposals, the voters with their claims and tokens."""
    from django.contrib.gis.geos import MultiPolygon, Point, Polygon
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from proposals.models import Category, Phase, PhaseKind, Project, Proposal, Visibility

    roles = bench_roles()
    with transaction.atomic():
        planner, created = User.objects.get_or_create(
            username="bench-votes-planner",
            defaults={"email": "bench-votes-planner@example.invalid"})
        if created:
            planner.set_unusable_password()
            planner.save(update_fields=["password"])
        now = timezone.now()
        project = Project.objects.filter(slug=SLUG).first()
        if project is None:
            project = Project.objects.create(
                slug=SLUG, title="Benchmark: votes over HTTP",
                description="Seeded by bench/bench_votes_http.py.",
                area=MultiPolygon(Polygon.from_bbox((2.1, 41.3, 2.2, 41.4)), srid=4326),
                visibility=Visibility.PUBLIC)
            # No ProjectVoting nor RoleWeight rows: the roles' default weights apply, and
            # participants without a verified role may not vote (weight 0).
            Phase.objects.create(project=project, kind=PhaseKind.IDEATION,
                                 starts_at=now - timedelta(days=60),
                                 ends_at=now - timedelta(days=1))
            Phase.objects.create(project=project, kind=PhaseKind.VOTING,
                                 starts_at=now - timedelta(days=1),
                                 ends_at=now + timedelta(days=3650))
        category, _ = Category.objects.get_or_create(
            project=project, slug="streets", defaults={"name": "Streets"})
        proposals = list(Proposal.objects.filter(project=project).order_by("pk"))
        for i in range(len(proposals), 9):
            proposals.append(Proposal.objects.create(
                project=project, author=planner, category=category, title=f"Proposal {i + 1}",
                body="A proposal to vote on.", geometry=Point(2.15 + i / 100, 41.35, srid=4326),
                status="published"))
    return project, proposals[:9], roles, planner


# The claims every seeded voter has, by their position n (0-based) in username order: one
# verified role (n mod 6), and one voter in ten a second one ((n + 2) mod 6). Python's
# `voter_roles` says the same, so that each Voter's weight is the one vote_cast resolves.
WANTED_CLAIMS_SQL = """
WITH u AS (SELECT id, n - 1 AS n FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY AS t(id, n)),
want AS (SELECT id AS user_id, (%(roles)s::bigint[])[1 + n %% 6] AS role_id FROM u
         UNION ALL
         SELECT id, (%(roles)s::bigint[])[1 + (n + 2) %% 6] FROM u WHERE n %% 10 = 9)
"""

CLAIMS_CHECK_SQL = WANTED_CLAIMS_SQL + """
SELECT (SELECT count(*) FROM want),
       (SELECT count(*) FROM accounts_roleclaim WHERE user_id = ANY(%(ids)s::bigint[])),
       (SELECT count(*) FROM want w JOIN accounts_roleclaim c
        ON c.user_id = w.user_id AND c.role_id = w.role_id AND c.status = 'verified'
           AND c.expires_at IS NULL)
"""  # noqa: S608 - two constants

CLAIMS_SQL = WANTED_CLAIMS_SQL + """
INSERT INTO accounts_roleclaim
    (user_id, role_id, evidence, evidence_file, status, decided_by_id, decided_at,
     decision_reason, created_at, updated_at)
SELECT user_id, role_id, 'Seeded by the benchmark.', '', 'verified', %(decider)s,
       now() - interval '2 days', '', now() - interval '3 days', now()
FROM want
"""  # noqa: S608 - two constants

# A token for each voter without one: 40 hex digits, as DRF's keys are (from random(),
# good enough for a benchmark's throw-away accounts).
TOKENS_SQL = """
INSERT INTO authtoken_token (key, user_id, created)
SELECT substr(md5(random()::text || id::text) || md5(id::text || random()::text), 1, 40),
       id, now()
FROM unnest(%(ids)s::bigint[]) AS t(id)
ON CONFLICT (user_id) DO NOTHING
"""


def voter_roles(n: int) -> list[int]:
    """Indexes (in BENCH_ROLES) of the roles of the voter at position n (0-based)."""
    return sorted({n % 6, (n + 2) % 6} if n % 10 == 9 else {n % 6})


def voters_setup(count: int, roles, planner) -> list[Voter]:
    """`count` voters, each verified in one role (one in ten in two), with a token: in
    SQL (users, claims and tokens by `INSERT … SELECT`), reused when their claims are
    right, so that 100,000 take seconds once and a moment afterwards. The first `count`
    users of the prefix are the same whatever `count`: a run with fewer voters reuses
    the first ones of a larger run's."""
    from django.db import connection, transaction

    ids = bench_users(USER_PREFIX, count)
    params = {"ids": ids, "roles": [role.pk for role in roles], "decider": planner.pk}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(CLAIMS_CHECK_SQL, params)
        wanted, have, right = cursor.fetchone()
        if not wanted == have == right:
            cursor.execute("DELETE FROM accounts_roleclaim WHERE user_id = ANY(%s::bigint[])",
                           [ids])
            cursor.execute(CLAIMS_SQL, params)
        cursor.execute(TOKENS_SQL, params)
        cursor.execute("SELECT user_id, key FROM authtoken_token "
                       "WHERE user_id = ANY(%s::bigint[])", [ids])
        tokens = dict(cursor.fetchall())
    return [Voter(uid, tokens[uid], [roles[k].slug for k in voter_roles(n)])
            for n, uid in enumerate(ids)]


def plan(voters: list[Voter], proposals: list[int]) -> list[list[tuple[int, int, str]]]:
    """Each voter's requests in order: (voter index, proposal id, value). Three votes, on
    the three proposals from a different first one; one voter in five changes their first
    vote with the third request instead (the upsert), so that the last value counts."""
    requests = []
    for i in range(len(voters)):
        order = [proposals[(i + k) % 3] for k in range(3)]
        values = [VALUES[(i + k * 2) % 3] for k in range(3)]
        mine = [(i, order[k], values[k]) for k in range(3)]
        if i % 5 == 4:
            mine[2] = (i, order[0], VALUES[(VALUES.index(values[0]) + 1) % 3])
        requests.append(mine)
    return requests


class Client:
    """HTTP/1.1 to gunicorn on 127.0.0.1, one connection per request (as nginx proxies)."""

    def __init__(self, port: int, voters: list[Voter], deadline: float):
        self.port, self.voters, self.deadline = port, voters, deadline

    def request(self, method: str, path: str, token: str | None = None,
                body: dict | None = None, timeout: float = 10) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {"Accept": "application/json"}
            if token:
                headers["Authorization"] = f"Token {token}"
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def vote(self, voter: int, proposal: int, value: str) -> Result | None:
        """One vote; None when the time cap has passed (not sent). A request sent before
        the cap still has its full 10 s to be answered: no answer is a failure."""
        if time.monotonic() > self.deadline:
            return None
        started = time.perf_counter()
        try:
            status, body = self.request("POST", f"/api/v1/proposals/{proposal}/vote/",
                                        self.voters[voter].token, {"value": value})
            return Result(voter, proposal, value, status, body,
                          time.perf_counter() - started)
        except (OSError, http.client.HTTPException) as exc:
            return Result(voter, proposal, value, 0, seconds=time.perf_counter() - started,
                          error=f"{type(exc).__name__}: {exc}")


def votes_reset(proposals: list[int]) -> None:
    from voting.models import Vote

    Vote.objects.filter(proposal_id__in=proposals).delete()


def implied(results: list[Result], voters: list[Voter]) -> dict[int, tuple]:
    """Per proposal, what the accepted answers imply: (count, support, oppose, abstain,
    weighted support, weighted opposition), from each voter's last accepted value."""
    last: dict[tuple[int, int], str] = {}
    for r in results:  # in the order each voter sent them
        if r.status == 200:
            last[(r.voter, r.proposal)] = r.value
    tally: dict[int, list] = {}
    for (voter, proposal), value in last.items():
        row = tally.setdefault(proposal, [0, 0, 0, 0, Decimal(0), Decimal(0)])
        row[0] += 1
        row[1 + ("support", "oppose", "abstain").index(value)] += 1
        if value == "support":
            row[4] += voters[voter].weight
        elif value == "oppose":
            row[5] += voters[voter].weight
    return {pk: tuple(row) for pk, row in tally.items()}


def in_database(proposals: list[int]) -> dict[int, tuple]:
    from django.db.models import Count, Q, Sum

    from voting.models import Vote

    rows = (Vote.objects.filter(proposal_id__in=proposals).values("proposal_id")
            .annotate(n=Count("pk"), s=Count("pk", filter=Q(value=1)),
                      o=Count("pk", filter=Q(value=-1)), a=Count("pk", filter=Q(value=0)),
                      sw=Sum("weight", filter=Q(value=1)), ow=Sum("weight", filter=Q(value=-1))))
    return {r["proposal_id"]: (r["n"], r["s"], r["o"], r["a"], r["sw"] or Decimal(0),
                               r["ow"] or Decimal(0)) for r in rows}


def check_answers(results: list[Result], voters: list[Voter], what: str, log: Path) -> Counter:
    """Every request answered, no 5xx; every 200 carries the value and the voter's weight."""
    classes = Counter(f"{r.status // 100}xx" if r.status else "no answer" for r in results)
    bad = [r for r in results if r.status == 0 or r.status >= 500]
    if bad:
        r = bad[0]
        fail(f"{what}: {len(bad)} requests failed, e.g. POST /api/v1/proposals/{r.proposal}"
             f"/vote/ → {r.status or r.error} {r.body[:300]!r}\n{log_tail(log)}")
    for r in results:
        if r.status == 200:
            answer = json.loads(r.body)
            expected = (r.proposal, r.value, voters[r.voter].weight)
            got = (answer.get("proposal"), answer.get("value"), Decimal(answer.get("weight")))
            if got != expected:
                fail(f"{what}: voter {voters[r.voter].user_id} got {got}, expected {expected}.")
    return classes


def check_tally(expected: dict, proposals: list[int], what: str) -> None:
    actual = in_database(proposals)
    if actual != expected:
        fail(f"{what}: the tally in the database {actual} is not what the accepted votes "
             f"imply {expected}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=300, help="voters, 3 votes each (300)")
    parser.add_argument("--sequential", type=int, default=100,
                        help="voters of the one-at-a-time phase, 3 votes each (100)")
    parser.add_argument("--concurrency", type=int, default=32, help="clients at once (32)")
    add_server_arguments(parser)
    cores = os.cpu_count() or 1
    parser.add_argument("--time-cap", type=float, default=60,
                        help="seconds for everything over HTTP, server start included (60)")
    args = parser.parse_args()
    if not 2 <= args.sequential <= args.voters:
        parser.error("--sequential must be between 2 and --voters")

    setup_django()
    from django.db import connection
    from django.test import Client as TestClient

    from accounts.models import User
    from proposals.models import Proposal
    from voting.services import vote_cast

    started = time.perf_counter()
    project, proposals, roles, planner = setup()
    voters = voters_setup(args.voters, roles, planner)
    # Three sets of three proposals: over HTTP (ours), through vote_cast (the reference)
    # and, to split the difference, through django.test.Client in this process.
    http_set, ref_set, local_set = ([p.pk for p in proposals[k:k + 3]] for k in (0, 3, 6))
    every = http_set + ref_set + local_set
    out(f"setup: project {project.pk} in its voting phase, proposals {http_set} over HTTP, "
        f"{ref_set} through vote_cast, {local_set} through the test client; {len(voters)} "
        f"voters with verified roles and tokens, {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    out(f"machine: {cores} cores, PostgreSQL {pg}, Python {sys.version.split()[0]}; "
        f"gunicorn {args.workers} workers × {args.threads} threads "
        f"({GUNICORN_CONF.relative_to(ROOT)}), {args.concurrency} clients at once")

    by_pk = {p.pk: p for p in Proposal.objects.filter(pk__in=every).select_related("project")}
    test_client = TestClient()
    queries = Counter()

    def counting(kind):
        def wrapper(execute, sql, params, many, context):
            queries[kind] += 1
            return execute(sql, params, many, context)
        return wrapper

    def cast_in_process(i: int, proposal: int, value: str) -> float:
        # The user loaded afresh, untimed, as a request loads it from its token: no
        # permission cache carried over from the previous vote.
        user = User.objects.get(pk=voters[i].user_id)
        with connection.execute_wrapper(counting("vote_cast")):
            t = time.perf_counter()
            vote_cast(user=user, proposal=by_pk[proposal], value=NUMBERS[value])
            return time.perf_counter() - t

    def cast_test_client(i: int, proposal: int, value: str) -> Result:
        with connection.execute_wrapper(counting("test client")):
            t = time.perf_counter()
            response = test_client.post(
                f"/api/v1/proposals/{proposal}/vote/", {"value": value},
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {voters[i].token}")
            return Result(i, proposal, value, response.status_code, response.content,
                          time.perf_counter() - t)

    port = free_port()
    deadline = time.monotonic() + args.time_cap
    client = Client(port, voters, deadline)
    with tempfile.TemporaryDirectory(prefix="bench-votes-http-") as tmp:
        log = Path(tmp) / "gunicorn.log"
        proc = start_gunicorn(port, args.workers, args.threads, log)
        try:
            ready = wait_ready(port, proc, f"/api/v1/projects/{project.pk}/", log)
            out(f"gunicorn: pid {proc.pid} on 127.0.0.1:{port}, answering after {ready:.1f} s")
            votes_reset(every)
            requests = {s[0]: plan(voters, s) for s in (http_set, ref_set, local_set)}

            # Warm-up: every worker thread opens its database connection and fills its
            # caches (a round at the full concurrency); the in-process paths likewise.
            warm = [r for mine in requests[http_set[0]][:args.concurrency] for r in mine]
            with ThreadPoolExecutor(args.concurrency) as pool:
                check_answers([r for r in pool.map(lambda r: client.vote(*r), warm) if r],
                              voters, "warm-up", log)
            for mine in requests[ref_set[0]][:3]:
                for request in mine:
                    cast_in_process(*request)
            check_answers([cast_test_client(*r) for mine in requests[local_set[0]][:3]
                           for r in mine], voters, "warm-up, test client", log)
            votes_reset(every)
            queries.clear()

            # 1. One at a time: ours (HTTP), the reference (vote_cast) and the test
            # client in turn, the same voter and value on each one's own proposals.
            http_results, local_results, ref_times, ref_done = [], [], [], []
            phase_started = time.perf_counter()
            triples = [t for mine in zip(*(requests[s[0]][:args.sequential]
                                           for s in (http_set, ref_set, local_set)),
                                         strict=True)
                       for t in zip(*mine, strict=True)]
            def ours_leg(request) -> None:
                answer = client.vote(*request)
                if answer is not None:  # None: the cap passed, not sent
                    http_results.append(answer)

            def ref_leg(request) -> None:
                ref_times.append(cast_in_process(*request))
                ref_done.append(Result(*request, 200))

            def local_leg(request) -> None:
                local_results.append(cast_test_client(*request))

            for n, turn in enumerate(triples):
                if time.monotonic() > deadline:
                    break
                legs = list(zip((ours_leg, ref_leg, local_leg), turn, strict=True))
                for k in range(3):
                    leg, request = legs[(n + k) % 3]
                    leg(request)
            seq_seconds = time.perf_counter() - phase_started
            if len(http_results) < 2:
                fail(f"the {args.time_cap:g} s cap was reached before two votes over HTTP "
                     f"(after {len(http_results)}): the machine is far too slow or stuck.")
            classes = check_answers(http_results, voters, "one at a time", log)
            check_answers(local_results, voters, "one at a time, test client", log)
            check_tally(implied(http_results, voters), http_set, "one at a time, over HTTP")
            check_tally(implied(ref_done, voters), ref_set, "one at a time, vote_cast")
            check_tally(implied(local_results, voters), local_set,
                        "one at a time, test client")
            times = [r.seconds for r in http_results]
            local_times = [r.seconds for r in local_results]
            ours_p50, ref_p50, local_p50 = p50(times), p50(ref_times), p50(local_times)
            out(f"one at a time: {len(http_results)} votes over HTTP, as many through "
                f"vote_cast and the test client, in turn, {seq_seconds:.1f} s; HTTP "
                f"{dict(sorted(classes.items()))}; p50 ours {ours_p50 * 1000:.2f} ms, "
                f"reference {ref_p50 * 1000:.2f} ms, ratio {ours_p50 / ref_p50:.2f}; "
                f"p95 ours {p95(times) * 1000:.2f} ms, reference "
                f"{p95(ref_times) * 1000:.2f} ms; tallies checked"
                f"{'; STOPPED by the time cap' if len(http_results) < len(triples) else ''}")
            out(f"where ours' time goes: django.test.Client in process p50 "
                f"{local_p50 * 1000:.2f} ms, p95 {p95(local_times) * 1000:.2f} ms (Django, "
                f"DRF and the view without HTTP and gunicorn); queries per vote "
                f"{queries['test client'] / len(local_results):.0f} through the test client, "
                f"{queries['vote_cast'] / len(ref_times):.0f} in vote_cast")

            # 2. Throughput: every voter's votes, `concurrency` voters at once, each
            # voter's requests in order (so that their last value is well defined).
            votes_reset(http_set)
            lock = threading.Lock()
            results: list[Result] = []

            def cast_all(mine):
                got = []
                for request in mine:
                    answer = client.vote(*request)
                    if answer is None:
                        break
                    got.append(answer)
                with lock:
                    results.extend(got)

            gunicorn, backends = server_pids(proc)
            cpu_before = cpu_seconds(gunicorn + backends)
            client_cpu = time.process_time()
            phase_started = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                list(pool.map(cast_all, requests[http_set[0]]))
            load_seconds = time.perf_counter() - phase_started
            client_cpu = time.process_time() - client_cpu
            gunicorn, backends = server_pids(proc)
            cpu_after = cpu_seconds(gunicorn + backends)
            if len(results) < 2:
                fail(f"the {args.time_cap:g} s cap was reached before the throughput "
                     f"phase cast two votes (it cast {len(results)}).")
            results.sort(key=lambda r: r.voter)  # stable: each voter's own order stays
            classes = check_answers(results, voters, f"{args.concurrency} at once", log)
            check_tally(implied(results, voters), http_set, f"{args.concurrency} at once")
            times = [r.seconds for r in results]
            planned = sum(len(mine) for mine in requests[http_set[0]])
            capped = (f"; STOPPED by the {args.time_cap:g} s cap after {len(results)} of "
                      f"{planned}" if len(results) < planned else "")
            out(f"{args.concurrency} at once: {len(results)} votes by {len(voters)} voters in "
                f"{load_seconds:.1f} s, {len(results) / load_seconds:.0f} votes/s; "
                f"{dict(sorted(classes.items()))}; p50 {p50(times) * 1000:.1f} ms, "
                f"p95 {p95(times) * 1000:.1f} ms; tally checked{capped}")

            def spent(pids):
                return sum(cpu_after[p] - cpu_before.get(p, 0) for p in pids if p in cpu_after)

            if cpu_after and results:
                per_vote = 1000 / len(results)
                busy = spent(gunicorn) + spent(backends) + client_cpu
                out(f"CPU per vote under load: gunicorn {spent(gunicorn) * per_vote:.1f} ms, "
                    f"PostgreSQL {spent(backends) * per_vote:.1f} ms, this client "
                    f"{client_cpu * per_vote:.1f} ms; together {busy / load_seconds:.2f} of "
                    f"{cores} cores busy (the rest: other processes, waits)")
            out(f"in process, one at a time: vote_cast {1 / ref_p50:.0f} votes/s, HTTP "
                f"{1 / ours_p50:.0f} votes/s at their p50")
        finally:
            stop_gunicorn(proc)
            votes_reset(every)  # after a failure too: no votes left behind

    out(summary(NAME, ours_p50 * 1000, ref_p50 * 1000, "ms"))


if __name__ == "__main__":
    main()
