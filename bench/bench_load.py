"""load: what a city feels, against a real gunicorn and a real Celery worker on loopback,
bounded in count and time. The voters are 100,000 (`--voters-total`: users, verified
role claims and API tokens seeded in SQL, reused), from whom every phase draws its own.
Five phases, each with its own correctness checks:

1. Voters at once: 300 voters drawn afresh each round, each on a connection of their own
   with their own API token, all started at once, each casting three votes on three
   proposals (bench_votes_http's plan: one in five changes their first vote). No 5xx, no
   failed connection, and the tally in the database equal to what the accepted answers
   imply. The reference, in turns with the votes on the same server: the same clients and
   tokens asking a trivial endpoint (`GET /ogc/conformance`: a constant document through
   the same middleware, token authentication and throttles), so the ratio is what the
   vote's own work costs at that concurrency. The summary line's ratio is of rates:
   higher is better.
2. Fixed arrival rates (bench/load_rates.py): votes, then the reference, sent at 25 to
   200 a second in an open loop, latency counted from when each was due (no coordinated
   omission); the same checks after each rate.
3. The ranking under viewers (bench/load_ranking.py): 100 viewers reading bench_tally's
   ranking (10,000 proposals, 1,000,000 votes) through the API and its results page, a
   page at a time (the first, then the next ones), while votes arrive at 50 a second;
   the ranking afterwards, read page after page, holds every proposal once, ranked among
   all, and equals a recount of the votes.
4. Map and OGC API under bbox spam: 100 clients at once asking random bboxes of the
   100,000-proposal project (bench_bbox_proposals' data) and of the 200,000-feature layer
   (bench_ogc's), from a street to the whole city, one in three at the largest page the
   API allows and one in twenty over it (which must be refused with 400). No 5xx, and
   each worker's peak memory during the phase (VmHWM, reset at its start, and RSS sampled
   every 0.1 s): a request's memory is bounded by its page, not by the layer.
5. Large uploads while the web is used: four planners upload a 42 MB GeoJSON at once
   through the dashboard's import form while eight visitors keep opening a proposal's
   page: every upload answered 302 to its run's page, each run stored with its whole
   file, and the light page's latency before and during the uploads; then the worker's
   imports, each of which must succeed with every feature.

The Celery worker (bench/load_worker.py) runs for the whole run on gunicorn's broker
(Redis database 13), as the deployment runs it, and is stopped at the end, after a
failure too.

The server is the deployment's: `platform/deploy/gunicorn.conf.py`, 4 gthread workers × 4
threads on this 2-core machine (min(4, 2 × cores), the file's default), against the bench
database. gthread because each worker keeps its idle keep-alive connections in a poller
and only the requests in progress take a thread: 300 open connections cost nothing while
they wait. With sync workers each of the 4 workers would hold one connection at a time
while the other 296 wait in the listen backlog (256 here: connections beyond it are
refused or retried after a second), which measures the backlog, not Plaza. Four processes
on two cores so that one runs Python while another waits on PostgreSQL; four threads each
for the same reason inside a process (more would only queue on the GIL). The file's
`max_requests` (2,000 ± 200) may restart a worker during a phase: its last answers close
their connections and the clients open new ones, as a proxy does. HTML pages name their
static files without the manifest's hashes (bench/server_settings.py says why).

The client is a small asyncio HTTP/1.1 client (bench/http_load.py), one keep-alive
connection per client: 300 voters are 300 TCP connections open at once. Each phase stops
sending at its time cap (`--time-cap`, 120 s); a request already sent has 30 s to be
answered (60 s for an upload, 120 s for a ranking), and no answer is a failure, except
in the ranking phase, where what waits behind the viewers is counted and printed.

    .venv/bin/python -m bench.bench_load [--voters 300] [--rates 25,50,100,150,200] …
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import tempfile
import time
from pathlib import Path

from bench import load_ranking, load_rates, load_uploads, load_worker
from bench.bench_votes_http import (
    Result,
    check_answers,
    check_tally,
    implied,
    plan,
    setup,
    voters_setup,
    votes_reset,
)
from bench.common import fail, machine_facts, out, setup_django, summary
from bench.gunicorn import (
    SERVER_REDIS_DB,
    CpuMeter,
    add_server_arguments,
    free_port,
    log_tail,
    start_gunicorn,
    stop_gunicorn,
    wait_ready,
)
from bench.http_load import Answer, Connection, MemoryWatch, Request, classes, latency

NAME = "load"
TRIVIAL = "/ogc/conformance"
AREA = (2.05, 41.32, 2.23, 41.47)  # where both seeded data sets fall
# Share of the city's width and height of a bbox, and how often each is asked: a street,
# a neighbourhood, a district, the whole city (with a margin).
BBOX_SIZES = ((0.02, 35), (0.1, 30), (0.3, 15), (1.0, 20))
PROPOSALS_LIMITS, PROPOSALS_MAX = (100, 1000), 2000
OGC_LIMITS, OGC_MAX = (10, 100, 1000), 10_000


# One request of a client; `tag` says what it was for the checks.
Job = Request


async def clients_at_once(port: int, clients: list[list[Job]], deadline: float,
                          ) -> tuple[list[tuple[Job, Answer]], float, list[Connection]]:
    """Every client on its own connection, all started at once, each sending its jobs
    in order; none sent after the deadline. Returns (job, answer) in each client's order,
    the wall time, and the connections (their connect times and resends)."""
    conns = [Connection(port) for _ in clients]

    async def one(conn: Connection, jobs: list[Job]) -> list[tuple[Job, Answer]]:
        got = []
        for job in jobs:
            if time.monotonic() > deadline:
                break
            answer = await conn.request(job.method, job.path, headers=job.headers,
                                        body=job.body, keep_body=job.keep_body)
            got.append((job, answer))
            if not answer.status:
                break
        await conn.close()
        return got

    started = time.monotonic()
    lists = await asyncio.gather(*(one(c, jobs) for c, jobs in zip(conns, clients, strict=True)))
    return [pair for got in lists for pair in got], time.monotonic() - started, conns


def connections_line(conns: list[Connection]) -> str:
    connects = [t for c in conns for t in c.connects]
    resent = sum(c.resent for c in conns)
    return (f"{len(connects)} TCP connects ({latency(connects)}), {resent} requests resent "
            f"on a new connection")


# --------------------------------------------------------------------- 1. voters
def vote_jobs(voters, requests) -> list[list[Job]]:
    return [[Job("POST", f"/api/v1/proposals/{proposal}/vote/",
                 {"Authorization": f"Token {voters[i].token}", "Accept": "application/json",
                  "Content-Type": "application/json"},
                 json.dumps({"value": value}).encode(), (i, proposal, value))
             for i, proposal, value in mine] for mine in requests]


def trivial_jobs(voters, per_client: int) -> list[list[Job]]:
    return [[Job("GET", TRIVIAL, {"Authorization": f"Token {v.token}",
                                  "Accept": "application/json"}, keep_body=False)] * per_client
            for v in voters]


def phase_voters(port, proc, log, every_voter, proposals, *, voters: int, rounds: int,
                 cap: float, seed: int):
    """Rounds of (all votes at once, then the trivial endpoint at once), the order
    alternating, each round's `voters` drawn from `every_voter`; returns (votes/s,
    reference requests/s) over every round."""
    http_set, warm_set = [p.pk for p in proposals[:3]], [p.pk for p in proposals[3:6]]
    rng = random.Random(seed)  # noqa: S311 - the same voters every run, not a secret
    deadline = time.monotonic() + cap
    # Warm-up: every worker thread opens its database connection and loads the views.
    warmers = rng.sample(every_voter, 32)
    warm = vote_jobs(warmers, plan(warmers, warm_set))
    got, _, _ = asyncio.run(clients_at_once(port, warm + trivial_jobs(warmers, 1),
                                            deadline))
    check_answers([Result(*job.tag, a.status, a.body, a.seconds, a.error)
                   for job, a in got if job.tag], warmers, "warm-up", log)
    if any(a.status != 200 for _, a in got):
        fail(f"warm-up: not every request answered 200\n{log_tail(log)}")
    votes_reset(warm_set)

    totals = {"votes": [0, 0.0], "reference": [0, 0.0]}
    for r in range(rounds):
        these = rng.sample(every_voter, voters)
        for kind in (("votes", "reference") if r % 2 == 0 else ("reference", "votes")):
            if time.monotonic() > deadline:
                break
            meter = CpuMeter(proc)
            client_cpu = time.process_time()
            if kind == "votes":
                votes_reset(http_set)
                jobs = vote_jobs(these, plan(these, http_set))
            else:
                jobs = trivial_jobs(these, 3)
            got, seconds, conns = asyncio.run(clients_at_once(port, jobs, deadline))
            client_cpu = time.process_time() - client_cpu
            spent = meter.spent()
            answers = [a for _, a in got]
            what = f"{kind}, round {r + 1}"
            if kind == "votes":
                results = [Result(*job.tag, a.status, a.body, a.seconds, a.error)
                           for job, a in got]
                check_answers(results, these, what, log)
                check_tally(implied(results, these), http_set, what)
                done = sum(a.status == 200 for a in answers)
                unit, checked = "votes/s", "; tally checked"
            else:
                bad = [a for a in answers if a.status != 200]
                if bad:
                    fail(f"{what}: {len(bad)} of {len(answers)} GET {TRIVIAL} failed, e.g. "
                         f"{bad[0].status or bad[0].error}\n{log_tail(log)}")
                done, unit, checked = len(answers), "requests/s", ""
            totals[kind][0] += done
            totals[kind][1] += seconds
            capped = len(answers) < sum(len(j) for j in jobs)
            per = 1000 / max(len(answers), 1)
            sent = "POST votes" if kind == "votes" else f"GET {TRIVIAL}"
            out(f"{what}: {len(answers)} {sent} by {len(jobs)} clients at once in "
                f"{seconds:.1f} s, {done / seconds:.0f} {unit}; "
                f"{classes(a.status for a in answers)}; {latency([a.seconds for a in answers])}"
                f"{checked}{'; STOPPED by the time cap' if capped else ''}")
            out(f"  {connections_line(conns)}; CPU per request: gunicorn "
                f"{spent['gunicorn'] * per:.1f} ms, PostgreSQL {spent['PostgreSQL'] * per:.1f} "
                f"ms, this client {client_cpu * per:.1f} ms")
    votes_reset(http_set)
    if not totals["votes"][0] or not totals["reference"][0]:
        fail(f"the {cap:g} s cap was reached before a round of votes and of the reference.")
    return (totals["votes"][0] / totals["votes"][1],
            totals["reference"][0] / totals["reference"][1])


# ---------------------------------------------------------------- 2. bbox spam
def bbox_jobs(rng: random.Random, clients: int, per_client: int, project: int,
              collection: str) -> list[list[Job]]:
    """Each client's random requests: which API, what bbox, what limit (see BBOX_SIZES)."""
    x0, y0, x1, y1 = AREA
    sizes, weights = zip(*BBOX_SIZES, strict=True)
    jobs = []
    for c in range(clients):
        mine = []
        for n in range(per_client):
            share = rng.choices(sizes, weights)[0]
            if share == 1.0:
                bbox = (x0 - 0.01, y0 - 0.01, x1 + 0.01, y1 + 0.01)
            else:
                w, h = (x1 - x0) * share, (y1 - y0) * share
                left, bottom = rng.uniform(x0, x1 - w), rng.uniform(y0, y1 - h)
                bbox = (left, bottom, left + w, bottom + h)
            ogc = rng.random() < 0.5
            limits, most = (OGC_LIMITS, OGC_MAX) if ogc else (PROPOSALS_LIMITS, PROPOSALS_MAX)
            roll = rng.random()
            limit = most + 1 if roll < 0.05 else most if roll < 0.35 else rng.choice(limits)
            text = ",".join(f"{v:.5f}" for v in bbox)
            path = (f"/ogc/collections/{collection}/items?bbox={text}&limit={limit}" if ogc
                    else f"/api/v1/projects/{project}/proposals/?bbox={text}&limit={limit}")
            tag = {"api": "OGC" if ogc else "proposals", "city": share == 1.0,
                   "limit": limit, "over": limit > most, "max": limit == most}
            # Every tenth body is kept and parsed; the others are read and dropped, so
            # that the client's memory stays small whatever the pages weigh.
            mine.append(Job("GET", path, {"Accept": "application/geo+json"}, tag=tag,
                            keep_body=(c * per_client + n) % 10 == 0))
        jobs.append(mine)
    return jobs


def bbox_check(got: list[tuple[Job, Answer]], log) -> None:
    """No 5xx, no failed connection; 400 for a limit over the maximum and 200 otherwise;
    a kept page is a FeatureCollection within its limit, full for the whole city."""
    for job, a in got:
        expected = 400 if job.tag["over"] else 200
        if a.status != expected:
            fail(f"GET {job.path} → {a.status or a.error}, expected {expected}: "
                 f"{a.body[:300]!r}\n{log_tail(log)}")
        if a.status == 200 and job.keep_body:
            doc = json.loads(a.body)
            n = len(doc.get("features", ()))
            if doc.get("type") != "FeatureCollection" or n > job.tag["limit"] or (
                    job.tag["city"] and n != job.tag["limit"]):
                fail(f"GET {job.path}: {n} features in a {doc.get('type')} (limit "
                     f"{job.tag['limit']}).")


def phase_bbox(port, proc, log, project_id: int, collection: str, *, clients: int,
               per_client: int, cap: float, seed: int, threads: int) -> None:
    # Seeded: the same requests every run, not a secret.
    jobs = bbox_jobs(random.Random(seed), clients, per_client,  # noqa: S311
                     project_id, collection)
    deadline = time.monotonic() + cap
    warm = bbox_jobs(random.Random(seed + 1), 16, 1, project_id, collection)  # noqa: S311
    got, _, _ = asyncio.run(clients_at_once(port, warm, deadline))
    bbox_check(got, log)
    with MemoryWatch(proc.pid) as memory:
        got, seconds, conns = asyncio.run(clients_at_once(port, jobs, deadline))
    bbox_check(got, log)
    planned = sum(len(j) for j in jobs)
    capped = f"; STOPPED by the time cap after {len(got)} of {planned}"
    out(f"bbox spam: {len(got)} GETs by {clients} clients at once in {seconds:.1f} s, "
        f"{len(got) / seconds:.0f} requests/s; {classes(a.status for _, a in got)} (every "
        f"400 a limit over the maximum); {latency([a.seconds for _, a in got])}"
        f"{capped if len(got) < planned else ''}")
    for api in ("proposals", "OGC"):
        mine = [(j, a) for j, a in got if j.tag["api"] == api and not j.tag["over"]]
        heavy = [a for j, a in mine if j.tag["city"] and j.tag["max"]]
        out(f"  {api}: {len(mine)} pages, {latency([a.seconds for _, a in mine])}; whole "
            f"city at the maximum limit ({PROPOSALS_MAX if api == 'proposals' else OGC_MAX:,}): "
            f"{len(heavy)}, {latency([a.seconds for a in heavy])}, "
            f"{max((a.size for a in heavy), default=0) / 1e6:.1f} MB each")
    out(f"  {connections_line(conns)}")
    how = ("VmHWM reset at the start, and RSS sampled every 0.1 s" if memory.reset
           else "RSS sampled every 0.1 s (VmHWM could not be reset)")
    out(f"  workers' memory during the spam ({how}):")
    for line in memory.lines():
        out(f"    {line}")
    out(f"  largest growth of a worker: {memory.growth() / 1024:.0f} MB, with up to "
        f"{threads} requests at once in each worker")


# ------------------------------------------------------------------ 3. uploads
def phase_uploads(port, log, sessions, path: Path, light_path: str, broker_url: str, *,
                  light_clients: int, quiet: float, cap: float, arbiter: int,
                  features: int) -> None:
    deadline = time.monotonic() + cap
    # The light page once per worker thread first, so that "before" is not a cold start.
    warm = [[Job("GET", light_path, {"Accept": "text/html"}, keep_body=False)]] * 16
    got, _, _ = asyncio.run(clients_at_once(port, warm, deadline))
    if any(a.status != 200 for _, a in got):
        fail(f"GET {light_path} did not answer 200 in the warm-up\n{log_tail(log)}")
    with MemoryWatch(arbiter) as memory:
        outcome = asyncio.run(load_uploads.run(
            port, sessions, path, light_path, light_clients=light_clients, quiet=quiet,
            deadline=deadline))
    for line in load_uploads.check(outcome, path, broker_url, lambda: log_tail(log)):
        out(line)
    out("  workers' memory during the uploads:")
    for line in memory.lines():
        out(f"    {line}")
    out(f"  largest growth of a worker: {memory.growth() / 1024:.0f} MB")
    # The Celery worker has been taking the imports' tasks since they were published:
    # wait for the runs to finish (within the phase's cap) and say how long each took.
    for line in load_uploads.imports_wait([u.run_id for u in outcome.uploads], features,
                                          deadline):
        out(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=300, help="voters at once (300)")
    parser.add_argument("--voters-total", type=int, default=100_000,
                        help="seeded voters, from whom each round's are drawn (100,000)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="rounds of votes and of the reference, in turns (2)")
    parser.add_argument("--rates", default="25,50,100,150,200",
                        help="arrival rates of the fixed-rate phase, per second "
                             "(25,50,100,150,200)")
    parser.add_argument("--rate-seconds", type=float, default=10,
                        help="seconds of arrivals at each rate (10)")
    parser.add_argument("--connections", type=int, default=300,
                        help="most keep-alive connections an open loop opens (300)")
    parser.add_argument("--viewers", type=int, default=100,
                        help="viewers asking the ranking at once (100)")
    parser.add_argument("--results-viewers", type=int, default=1,
                        help="of the viewers, those asking the results page (1)")
    parser.add_argument("--viewer-pages", type=int, default=4,
                        help="pages of the ranking each viewer reads in turn, from the "
                             "first (4)")
    parser.add_argument("--viewers-vote-rate", type=float, default=50,
                        help="votes a second on the ranked project meanwhile (50)")
    parser.add_argument("--viewers-seconds", type=float, default=20,
                        help="seconds of votes, and so of viewing (20)")
    parser.add_argument("--tally-votes", type=int, default=1_000_000,
                        help="votes of bench_tally's project to rank (1,000,000)")
    parser.add_argument("--bbox-clients", type=int, default=100, help="bbox clients (100)")
    parser.add_argument("--bbox-requests", type=int, default=8,
                        help="requests per bbox client (8)")
    parser.add_argument("--uploads", type=int, default=4, help="planners uploading (4)")
    parser.add_argument("--upload-features", type=int, default=200_000,
                        help="points in the uploaded GeoJSON (200,000: 42 MB)")
    parser.add_argument("--light-clients", type=int, default=8,
                        help="visitors opening a light page during the uploads (8)")
    parser.add_argument("--quiet", type=float, default=3,
                        help="seconds of light traffic alone before the uploads (3)")
    parser.add_argument("--skip", default="",
                        help="phases left out, comma-separated: rates, ranking, bbox, "
                             "uploads (the voters' phase always runs)")
    add_server_arguments(parser)
    parser.add_argument("--time-cap", type=float, default=120,
                        help="seconds each phase may send requests (120)")
    parser.add_argument("--seed", type=int, default=4242,
                        help="of the random bboxes, voters and votes")
    args = parser.parse_args()
    if args.voters < 32 or args.rounds < 1:
        parser.error("--voters must be at least 32 and --rounds at least 1")
    if not 0 <= args.results_viewers <= args.viewers:
        parser.error("--results-viewers must be between 0 and --viewers")
    if args.viewer_pages < 1:
        parser.error("--viewer-pages must be at least 1")
    if args.voters_total < max(args.voters, args.viewers_vote_rate * args.viewers_seconds):
        parser.error("--voters-total must be at least --voters and the ranking phase's votes")
    try:
        args.rates = [float(r) for r in args.rates.split(",") if r.strip()]
    except ValueError:
        parser.error("--rates: numbers separated by commas")
    if any(r <= 0 or r * args.rate_seconds > args.voters_total for r in args.rates):
        parser.error("each rate must be positive, with rate × --rate-seconds voters at most "
                     "--voters-total")
    args.skip = {p.strip() for p in args.skip.split(",") if p.strip()}
    if args.skip - PHASES:
        parser.error(f"--skip: phases are {', '.join(sorted(PHASES))}")

    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        tmp = Path(tmp)
        # Uploads are stored here, by the server and as this process reads them back.
        os.environ["MEDIA_ROOT"] = str(tmp / "media")
        dsn = setup_django()
        ours, reference = run(args, tmp, dsn)
    out(summary(NAME, ours, reference, "requests/s") + " (rates: higher is better)")


PHASES = {"rates", "ranking", "bbox", "uploads"}


def quiet_wait(proc, *, limit: float) -> str:
    """Wait until gunicorn used under 10% of a core over a second (at most `limit`
    seconds); say how long it took."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        meter = CpuMeter(proc)
        time.sleep(1)
        if meter.spent()["gunicorn"] < 0.1:
            return f"gunicorn quiet {time.monotonic() - started:.0f} s after the phase"
    return f"gunicorn still busy {limit:.0f} s after the phase: the next one starts anyway"


def run(args, tmp: Path, dsn: str) -> tuple[float, float]:
    import psycopg

    from bench import bench_bbox_proposals, bench_ogc
    from config.env import redis_url_with_db
    from opendata.catalogue import collections_all

    started = time.perf_counter()
    project, proposals, roles, planner = setup()
    voters = voters_setup(args.voters_total, roles, planner)
    out(f"setup: {len(voters):,} voters with verified roles and tokens, "
        f"{time.perf_counter() - started:.1f} s")
    bbox_project = layer = collection = None
    if "bbox" not in args.skip:
        bbox_project = bench_bbox_proposals.seed()
        bench_bbox_proposals.analyze()
        layer = bench_ogc.seed()
        collection = next(c.id for c in collections_all()
                          if c.layer and c.layer.pk == layer.pk)
    tally_project = tally_ids = None
    if "ranking" not in args.skip:
        tally_project, tally_ids = load_ranking.project(args.tally_votes)
    broker = redis_url_with_db(os.environ["REDIS_URL"], SERVER_REDIS_DB)
    load_uploads.cleanup([], broker)  # what an interrupted run left
    sessions = load_uploads.planners(max(args.uploads, 1))
    upload = load_uploads.geojson_file(tmp / "trees.geojson", args.upload_features, args.seed)
    out(f"setup: proposals {[p.pk for p in proposals[:3]]} to vote on"
        + (f"; project {bbox_project.pk} with 100,000 proposals; layer {layer.pk} "
           f"(collection {collection}) with 200,000 points" if bbox_project else "")
        + (f"; project {tally_project.pk} with {len(tally_ids):,} proposals and "
           f"{args.tally_votes:,} votes to rank" if tally_project else "")
        + f"; {args.uploads} planners signed in; {upload.stat().st_size / 1e6:.1f} MB "
        f"GeoJSON; {time.perf_counter() - started:.1f} s")
    with psycopg.connect(dsn, autocommit=True) as conn:
        out(machine_facts(conn) + f"; gunicorn {args.workers} gthread workers × "
            f"{args.threads} threads (platform/deploy/gunicorn.conf.py)")

    port, log, worker_log = free_port(), tmp / "gunicorn.log", tmp / "worker.log"
    server_env = {
        "DJANGO_SETTINGS_MODULE": "bench.server_settings",  # it says why
        "MEDIA_ROOT": os.environ["MEDIA_ROOT"],
        # What the web publishes goes to the bench server's own Redis database, taken by
        # the bench's own worker, never by a worker of the developer's.
        "CELERY_BROKER_URL": broker, "CELERY_RESULT_BACKEND": broker,
        # The OGC API's throttle budgets server time per client address: every client
        # here is 127.0.0.1, where a city's hundred are a hundred addresses. Raised out
        # of reach, as the other throttles are (it still runs on every request).
        "OGC_THROTTLE_SECONDS": "1000000", "OGC_THROTTLE_CLIENT_SECONDS": "1000000"}
    worker = proc = None
    try:
        worker = load_worker.start(worker_log, server_env)
        proc = start_gunicorn(port, args.workers, args.threads, log, extra_env=server_env)
        ready = wait_ready(port, proc, f"/api/v1/projects/{project.pk}/", log)
        out(f"gunicorn: pid {proc.pid} on 127.0.0.1:{port}, answering after {ready:.1f} s")
        ready = load_worker.wait_ready(worker, broker, worker_log)
        out(f"Celery worker: pid {worker.pid}, {load_worker.CONCURRENCY} processes, broker "
            f"Redis database {SERVER_REDIS_DB} (gunicorn's), answering a ping after "
            f"{ready:.1f} s")
        out("== 1. voters at once")
        ours, reference = phase_voters(port, proc, log, voters, proposals,
                                       voters=args.voters, rounds=args.rounds,
                                       cap=args.time_cap, seed=args.seed)
        if "rates" not in args.skip:
            out("== 2. votes and the reference at fixed arrival rates (open loop)")
            table = load_rates.phase(
                port, proc, log, voters, [p.pk for p in proposals[:3]], rates=args.rates,
                seconds=args.rate_seconds, connections=args.connections, cap=args.time_cap,
                seed=args.seed)
            out("  latency from the due time, side by side:")
            for line in load_rates.table_lines(table):
                out(f"    {line}")
        if "ranking" not in args.skip:
            out(f"== 3. the ranking of {args.tally_votes:,} votes under {args.viewers} "
                f"viewers, {args.viewers_vote_rate:g} votes/s arriving")
            load_ranking.phase(
                port, proc, log, sessions[0], tally_project, tally_ids, args.tally_votes,
                voters, viewers=args.viewers, page_viewers=args.results_viewers,
                pages=args.viewer_pages,
                rate=args.viewers_vote_rate,
                seconds=args.viewers_seconds, connections=args.connections,
                cap=args.time_cap, seed=args.seed)
            # A request a viewer gave up on (past its 120 s) is still being answered: the
            # next phase starts once gunicorn is quiet again.
            out(f"  {quiet_wait(proc, limit=args.time_cap)}")
        if "bbox" not in args.skip:
            out("== 4. map and OGC API under bbox spam")
            phase_bbox(port, proc, log, bbox_project.pk, collection,
                       clients=args.bbox_clients, per_client=args.bbox_requests,
                       cap=args.time_cap, seed=args.seed, threads=args.threads)
        if "uploads" not in args.skip and args.uploads:
            out("== 5. large uploads while the web is used, imported by the worker")
            phase_uploads(port, log, sessions[:args.uploads], upload,
                          f"/proposals/{proposals[0].pk}/", broker,
                          light_clients=args.light_clients, quiet=args.quiet,
                          cap=args.time_cap, arbiter=proc.pid,
                          features=args.upload_features)
        restarts = "; ".join(line for line in log.read_text(errors="replace").splitlines()
                             if "Autorestarting" in line or "WORKER TIMEOUT" in line)
        if restarts:
            out(f"gunicorn: {restarts}")
        received = load_worker.tasks_received(worker_log)
        out(f"Celery worker: tasks received during the run {received or 'none'}")
    finally:
        # After a failure too: the server and the worker stopped, then what the run left.
        if proc is not None:
            stop_gunicorn(proc)
        if worker is not None:
            load_worker.stop(worker)
        votes_reset([p.pk for p in proposals[:6]])
        if tally_project is not None:
            load_ranking.votes_remove(tally_project.pk)
        load_uploads.cleanup(sessions, broker)
    out(f"votes at once: {ours:.0f} votes/s; the trivial endpoint at the same concurrency: "
        f"{reference:.0f} requests/s")
    return ours, reference


if __name__ == "__main__":
    main()
