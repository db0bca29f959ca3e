"""bench_load's ranking phase: viewers keep reading a large project's ranking, a page at
a time, while votes arrive on it at a fixed rate.

The project is bench_tally's (10,000 proposals, 1,000,000 votes; seeded by that bench's
code when missing, `--tally-votes` for a smaller one). Its results are not public (the
project has no voting rules of its own, and the database refuses them once voting has
opened), so the viewers are a signed-in planner, who may always see them. `viewers`
connections read, one request after another, as a person or a client reads the ranking:
its first page, then the next ones, `pages` in all, then the first again. `page_viewers`
of them read the results page (`/projects/{slug}/results/`, `?page=2`, …: 50 proposals
a page, each with its roles), the others `GET /api/v1/projects/{id}/ranking/`
(`?offset=100`, …: 100 a page). Meanwhile the bench's voters vote on its proposals at
`rate` votes a second (an open loop, as in the fixed-rate phase), each voter once, on a
random proposal. When the votes are done the viewers stop; then the whole ranking is
read once more, page after page, and must hold every proposal once and equal a recount
of the project's votes (every proposal's counts and weighted sums, and the totals: the
seeded votes plus the accepted ones, and any unanswered one that was written). The
bench's voters' votes are removed at the end (after a failure too), so that bench_tally
finds its project as it seeded it.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import random
import re
import time
from decimal import Decimal

from bench.bench_votes_http import USER_PREFIX, VALUES, Result, Voter, check_answers
from bench.common import fail, out
from bench.gunicorn import CpuMeter, log_tail
from bench.http_load import Answer, Connection, classes, latency, open_loop
from bench.load_rates import vote_request

# A viewer's request may wait behind every other viewer's: on two cores, 100 of them
# take seconds to answer together.
VIEW_TIMEOUT = 120.0
RESULTS_PAGE = 50  # voting.views.RESULTS_PAGE
API_PAGE = 100  # the ranking API's default limit (voting.api.RankingPagination)
ALL_PAGE = 1000  # its largest: the final read of the whole ranking
POSITION = re.compile(rb'id="ranking-position">Proposals ([\d,]+)\xe2\x80\x93([\d,]+) of ([\d,]+)')

REMOVE_SQL = """
DELETE FROM voting_vote v USING proposals_proposal p, accounts_user u
WHERE p.id = v.proposal_id AND p.project_id = %s AND u.id = v.user_id
  AND u.username LIKE %s
"""


def project(tally_votes: int):
    """bench_tally's project of `tally_votes` votes (seeded when missing) and its
    proposals' ids, after removing the bench's voters' votes an interrupted run left."""
    from bench import bench_tally
    from proposals.models import Project, Proposal

    size = bench_tally.Size(tally_votes)
    existing = Project.objects.filter(slug=size.slug).first()
    if existing is not None:
        votes_remove(existing.pk)
    tally_project = bench_tally.seed(size)
    ids = list(
        Proposal.objects.filter(project=tally_project).order_by("pk").values_list("pk", flat=True)
    )
    return tally_project, ids


def votes_remove(project_id: int) -> int:
    """Delete the bench's voters' votes on the project (the tally follows, by its
    trigger); the number deleted."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(REMOVE_SQL, [project_id, f"{USER_PREFIX}%"])
        return cursor.rowcount


def viewer_paths(api: str, page: str, pages: int) -> tuple[list[str], list[str]]:
    """What a viewer of the API and one of the results page read in turn: the first page
    of the ranking, then the next ones, `pages` in all."""
    return ([api] + [f"{api}?offset={API_PAGE * n}" for n in range(1, pages)],
            [page] + [f"{page}?page={n + 1}" for n in range(1, pages)])


async def _viewers(
    port: int, paths: list[list[str]], session: str, stop: asyncio.Event, deadline: float
) -> list[tuple[int, str, Answer]]:
    """Each viewer on its own connection reads its pages in turn, again and again, until
    `stop`."""
    got: list[tuple[int, str, Answer]] = []

    async def viewer(n: int, pages: list[str]) -> None:
        conn = Connection(port, timeout=VIEW_TIMEOUT)
        turn = 0
        while not stop.is_set() and time.monotonic() < deadline:
            path = pages[turn % len(pages)]
            turn += 1
            accept = "application/json" if "/api/" in path else "text/html"
            # Every tenth answer is kept and checked; the others are dropped.
            answer = await conn.request(
                "GET",
                path,
                headers={"Cookie": f"sessionid={session}", "Accept": accept},
                keep_body=len(got) % 10 == 0,
            )
            got.append((n, path, answer))
            if not answer.status:
                break
        await conn.close()

    tasks = [asyncio.create_task(viewer(n, pages)) for n, pages in enumerate(paths)]
    await asyncio.sleep(0)
    await stop.wait()
    await asyncio.gather(*tasks)
    return got


async def _together(port, paths, session, votes, rate, deadline, connections):
    """The viewers and the votes at once; the viewers send no new request once the votes
    are done. Returns the viewers' answers, the votes' run, the window (from the start to
    the last vote's answer) and the whole time (to the last viewer's answer)."""
    stop = asyncio.Event()
    viewing = asyncio.create_task(_viewers(port, paths, session, stop, deadline))
    started = time.monotonic()
    run = await open_loop(port, votes, rate, deadline=deadline, connections=connections)
    stop.set()
    window = time.monotonic() - started
    got = await viewing
    return got, run, (started, window), time.monotonic() - started


def _offset(path: str) -> int:
    return int(path.rsplit("offset=", 1)[1]) if "offset=" in path else 0


def ranking_check(body: bytes, path: str, project_id: int, proposals: int) -> None:
    """A page of the ranking API: the project's, the count of its proposals, as many
    rows as the page holds, best first."""
    doc = json.loads(body)
    offset = _offset(path)
    expected = max(min(API_PAGE, proposals - offset), 0)
    rows = doc.get("proposals", ())
    ranks = [r["rank_weighted"] for r in rows]
    # Ties share a rank: the n-th row of the whole ranking ranks n or better.
    if (doc.get("project") != project_id or doc.get("count") != proposals
            or len(rows) != expected or ranks != sorted(ranks)
            or any(not 1 <= r <= offset + n + 1 for n, r in enumerate(ranks))):
        fail(
            f"GET {path}: a page of {len(rows)} proposals (count {doc.get('count')}, "
            f"project {doc.get('project')}), expected {expected} of {proposals} of project "
            f"{project_id}, ranked in order."
        )


def page_check(body: bytes, path: str, proposals: int) -> None:
    """A results page: the position it says (its rows' numbers and the project's
    count) is the page's."""
    number = int(path.rsplit("page=", 1)[1]) if "page=" in path else 1
    first = (number - 1) * RESULTS_PAGE + 1
    expected = (first, min(first + RESULTS_PAGE - 1, proposals), proposals)
    found = POSITION.search(body)
    said = tuple(int(g.replace(b",", b"")) for g in found.groups()) if found else None
    if said != expected:
        fail(f"GET {path} says proposals {said} (first, last, of), expected {expected}.")


def ranks_check(rows: list[dict], proposals: int, pages: int) -> None:
    """The whole ranking, read page after page: every proposal once, best first, each
    with the ranks it has among all of them (one more than the number of proposals
    that score higher, by weighted score and with equal weights), so that no page was
    ranked on its own."""
    ids = [r["id"] for r in rows]
    if len(ids) != proposals or len(set(ids)) != proposals:
        fail(f"the ranking read in {pages} pages has {len(ids)} rows for {len(set(ids))} "
             f"proposals, expected each of the {proposals} once.")
    for rank, score in (("rank_weighted", "score_weighted"), ("rank_equal", "score_equal")):
        scores = sorted(Decimal(str(r[score])) for r in rows)
        wrong = [r for r in rows if r[rank] != 1 + len(scores) - bisect.bisect_right(
            scores, Decimal(str(r[score])))]
        if wrong:
            fail(f"{len(wrong)} proposals of the ranking read in {pages} pages have a "
                 f"{rank} that is not their rank among all, e.g. proposal {wrong[0]['id']}: "
                 f"{wrong[0][rank]}.")
    order = [r["rank_weighted"] for r in rows]
    if order != sorted(order):
        fail(f"the ranking read in {pages} pages is not in rank order.")


async def _whole(port: int, api: str, session: str) -> tuple[list[dict], int]:
    """The whole ranking, read a page of ALL_PAGE at a time on one connection: its rows
    and the number of pages."""
    conn = Connection(port, timeout=VIEW_TIMEOUT)
    rows, pages, path = [], 0, f"{api}?limit={ALL_PAGE}"
    try:
        while path:
            answer = await conn.request(
                "GET", path, headers={"Cookie": f"sessionid={session}",
                                      "Accept": "application/json"})
            if answer.status != 200:
                fail(f"GET {path} after the votes → {answer.status or answer.error}")
            doc = json.loads(answer.body)
            rows += doc["proposals"]
            pages += 1
            following = doc["next"]
            path = following[following.index("/api/"):] if following else None
    finally:
        await conn.close()
    return rows, pages


def votes_settle(project_id: int, deadline: float) -> int:
    """The project's vote count once it has not changed for 2 s (or at `deadline`)."""
    from django.db import connection

    last = None
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM voting_vote v JOIN proposals_proposal p "
                "ON p.id = v.proposal_id WHERE p.project_id = %s",
                [project_id],
            )
            count = cursor.fetchone()[0]
        if count == last or time.monotonic() > deadline:
            return count
        last = count
        time.sleep(2)


def recount_check(rows: list[dict], project_id: int, least: int, most: int) -> str:
    """The ranking's rows (every page's) equal a recount of the project's votes
    (bench_tally's reference query), proposal by proposal, and its totals the project's
    votes: between `least` (the seeded and the accepted) and `most` (and every vote left
    unanswered)."""
    from django.db import connection

    from bench.bench_tally import REFERENCE_SQL, TOTALS_SQL
    from proposals.models import PUBLIC_STATUSES

    ours = {
        r["id"]: (
            r["supporters"],
            r["opponents"],
            r["abstentions"],
            Decimal(r["support_weight"]),
            Decimal(r["oppose_weight"]),
        )
        for r in rows
    }
    with connection.cursor() as cursor:
        cursor.execute(REFERENCE_SQL, [project_id, [str(s) for s in PUBLIC_STATUSES]])
        recount = {
            pk: (s, o, a, sw or Decimal(0), ow or Decimal(0))
            for pk, s, o, a, sw, ow in cursor.fetchall()
        }
        cursor.execute(TOTALS_SQL, [project_id])
        count, support, oppose = cursor.fetchone()
    zero = (0, 0, 0, Decimal(0), Decimal(0))
    wrong = [pk for pk, got in ours.items() if recount.get(pk, zero) != got]
    missing = set(recount) - set(ours)
    if wrong or missing:
        pk = (wrong or sorted(missing))[0]
        fail(
            f"the ranking disagrees with a recount on {len(wrong)} proposals and misses "
            f"{len(missing)}, e.g. proposal {pk}: {ours.get(pk)} against {recount.get(pk)}."
        )
    totals = (
        sum(r[0] + r[1] + r[2] for r in ours.values()),
        sum(r[3] for r in ours.values()),
        sum(r[4] for r in ours.values()),
    )
    if totals != (count, support or Decimal(0), oppose or Decimal(0)) or not (
        least <= count <= most
    ):
        fail(
            f"the ranking's totals (votes, weighted support, weighted opposition) {totals} "
            f"are not the recount's {(count, support, oppose)}, or not between the "
            f"{least:,} and {most:,} votes expected."
        )
    return (
        f"{count:,} votes, weighted support {support}, opposition {oppose}, "
        f"{len(ours):,} proposals each equal to the recount"
    )


def phase(
    port,
    proc,
    log,
    session: str,
    tally_project,
    proposal_ids: list[int],
    seeded_votes: int,
    voters: list[Voter],
    *,
    viewers: int,
    page_viewers: int,
    pages: int,
    rate: float,
    seconds: float,
    connections: int,
    cap: float,
    seed: int,
) -> None:
    rng = random.Random(seed)  # noqa: S311 - the same votes every run, not a secret
    deadline = time.monotonic() + cap
    api = f"/api/v1/projects/{tally_project.pk}/ranking/"
    page = f"/projects/{tally_project.slug}/results/"
    api_pages, results_pages = viewer_paths(api, page, pages)
    paths = [results_pages] * page_viewers + [api_pages] * (viewers - page_viewers)
    public = len(proposal_ids)
    # Warm-up: a few of each at once, so that the workers have loaded the views.
    got = asyncio.run(_each(port, [api] * 4 + [page] * min(page_viewers, 1), session))
    bad = [a for a in got if a.status != 200]
    if bad:
        fail(
            f"warm-up: {len(bad)} of {len(got)} ranking requests failed, e.g. "
            f"{bad[0].status or bad[0].error}\n{log_tail(log)}"
        )

    n = max(round(rate * seconds), 1)
    chosen = rng.sample(range(len(voters)), n)
    votes = [vote_request(voters, i, rng.choice(proposal_ids), rng.choice(VALUES)) for i in chosen]
    meter = CpuMeter(proc)
    got, run, (started, window), took = asyncio.run(
        _together(port, paths, session, votes, rate, deadline, connections)
    )
    spent = meter.spent()
    done = [
        Result(*s.request.tag, s.answer.status, s.answer.body, s.latency, s.answer.error)
        for s in run.sent
    ]
    # A vote left unanswered within its 30 s (queued behind the viewers) is counted and
    # printed, not a failure: what it measures is the wait. Any 5xx fails, and every 200
    # must carry the vote's value and the voter's weight.
    check_answers([r for r in done if r.status], voters, "votes during the viewers", log)
    accepted = sum(r.status == 200 for r in done)
    unanswered = sum(not r.status for r in done)
    for kind, base in (("ranking API", api), ("results page", page)):
        mine = [(path, a) for _, path, a in got if path.split("?")[0] == base]
        bad = [(path, a) for path, a in mine if a.status and a.status != 200]
        if bad:
            path, a = bad[0]
            fail(
                f"{kind}: {len(bad)} of {len(mine)} GETs failed, e.g. GET {path} → "
                f"{a.status or a.error}\n{log_tail(log)}"
            )
        for path, a in mine:
            if a.body and base == api:
                ranking_check(a.body, path, tally_project.pk, public)
            elif a.body:
                page_check(a.body, path, public)
        if not mine:
            continue
        # The rate over the votes' window: the answers that arrived within it.
        within = [a for _, a in mine if a.started + a.seconds <= started + window]
        out(
            f"{kind}: {sum(p[0].startswith(base) for p in paths)} viewers reading "
            f"{pages} pages in turn, {len(mine)} GETs, {len(within)} answered "
            f"within the votes' {window:.1f} s ({len(within) / window:.1f} requests/s); "
            f"{classes(a.status for _, a in mine)}; {latency([a.seconds for _, a in mine])}; "
            f"{max((a.size for _, a in mine), default=0) / 1e3:.1f} kB at most"
        )
    capped = f"; STOPPED by the time cap after {len(run.sent)} of {n}" if len(run.sent) < n else ""
    out(
        f"votes meanwhile at {rate:g}/s: {len(run.sent)} sent, {accepted / run.seconds:.1f}/s "
        f"answered 200; {classes(r.status for r in done)} (no answer: none within 30 s); "
        f"from the due time "
        f"{latency([s.latency for s in run.sent])}{capped}"
    )
    requests = len(got) + len(run.sent)
    out(
        f"  CPU during the phase: gunicorn {spent['gunicorn']:.1f} s, PostgreSQL "
        f"{spent['PostgreSQL']:.1f} s over {took:.1f} s ({requests} requests; the viewers' "
        f"last answers came {took - window:.1f} s after the last vote's)"
    )
    # After the votes: once the votes unanswered in time have been written or not (the
    # project's count steady for 2 s), the ranking once more, against a recount.
    settled = votes_settle(tally_project.pk, deadline=time.monotonic() + 60)
    rows, read = asyncio.run(_whole(port, api, session))
    ranks_check(rows, public, read)
    checked = recount_check(
        rows, tally_project.pk, seeded_votes + accepted, seeded_votes + accepted + unanswered
    )
    late = settled - seeded_votes - accepted
    also = f" and {late:,} of the {unanswered:,} unanswered" if unanswered else ""
    out(
        f"ranking after the votes, read in {read} pages of {ALL_PAGE:,}: {checked}, each "
        f"once and ranked among all (the {seeded_votes:,} seeded, the {accepted:,} "
        f"accepted{also})"
    )


async def _one(port: int, path: str, session: str) -> Answer:
    conn = Connection(port, timeout=VIEW_TIMEOUT)
    accept = "application/json" if "/api/" in path else "text/html"
    try:
        return await conn.request(
            "GET", path, headers={"Cookie": f"sessionid={session}", "Accept": accept}
        )
    finally:
        await conn.close()


async def _each(port: int, paths: list[str], session: str) -> list[Answer]:
    """Each path once, all at once, each on a connection of its own."""
    return list(await asyncio.gather(*(_one(port, path, session) for path in paths)))
