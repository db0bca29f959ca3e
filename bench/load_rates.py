"""bench_load's fixed arrival rates: votes, and the trivial reference, sent at 25, 50, 100,
150 and 200 requests a second (`--rates`), each at its due time whether or not the
earlier ones have been answered (an open loop, bench/http_load.py's `open_loop`), on a
pool of keep-alive connections.

A closed loop (each client waits for its answer before sending again, as the voters'
phase does) slows its own arrivals down when the server slows down, and so hides the
queue a city's traffic would build: what a voter feels at 100 votes a second is the
latency counted from when the vote was due, not from when a busy client got round to
sending it. Per rate: the rate achieved, p50/p95/p99 of that latency, the answers' classes
and the server's CPU per request; the votes' rows end with the tally check.
"""

from __future__ import annotations

import asyncio
import json
import random
import time

from bench.bench_votes_http import (
    VALUES,
    Result,
    Voter,
    check_answers,
    check_tally,
    implied,
    votes_reset,
)
from bench.common import fail, out
from bench.gunicorn import CpuMeter, log_tail
from bench.http_load import (
    OpenLoop,
    Request,
    classes,
    latency,
    latency_tail,
    open_loop,
    percentile,
)

TRIVIAL = "/ogc/conformance"


def vote_request(voters: list[Voter], i: int, proposal: int, value: str) -> Request:
    """Voter i's vote on a proposal, tagged (i, proposal, value) for the checks."""
    return Request(
        "POST",
        f"/api/v1/proposals/{proposal}/vote/",
        {
            "Authorization": f"Token {voters[i].token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        },
        json.dumps({"value": value}).encode(),
        (i, proposal, value),
    )


def results(run: OpenLoop) -> list[Result]:
    """The votes of an open-loop run as bench_votes_http's Results, in the order sent."""
    return [
        Result(*s.request.tag, s.answer.status, s.answer.body, s.latency, s.answer.error)
        for s in run.sent
    ]


def restarts(log) -> int:
    """How many times gunicorn's log says a worker was restarted (max_requests) or killed."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return text.count("Autorestarting") + text.count("WORKER TIMEOUT")


def row(
    run: OpenLoop, rate: float, spent: dict[str, float], client_cpu: float, restarted: int
) -> dict:
    """One rate's figures: achieved rate, latency from the due time, classes, CPU."""
    answered = [s for s in run.sent if s.answer.status]
    times = [s.latency for s in run.sent]
    per = 1000 / max(len(run.sent), 1)
    return {
        "rate": rate,
        "sent": len(run.sent),
        "achieved": len([s for s in answered if 200 <= s.answer.status < 300]) / run.seconds,
        "times": times,
        "classes": classes(s.answer.status for s in run.sent),
        "late_p95": percentile([s.late for s in run.sent], 95) if run.sent else 0.0,
        "connections": len(run.connections),
        "connects": [t for c in run.connections for t in c.connects],
        "resent": sum(c.resent for c in run.connections),
        "restarted": restarted,
        "gunicorn": spent["gunicorn"] * per,
        "postgres": spent["PostgreSQL"] * per,
        "client": client_cpu * per,
    }


def line(kind: str, r: dict, planned: int) -> str:
    restarted = f", {r['restarted']} gunicorn workers restarted" if r["restarted"] else ""
    capped = (
        f"; STOPPED by the time cap after {r['sent']} of {planned}" if r["sent"] < planned else ""
    )
    return (
        f"{kind} at {r['rate']:g}/s: {r['sent']} sent, {r['achieved']:.1f}/s answered 2xx; "
        f"{r['classes']}; from the due time {latency_tail(r['times'])}; sent late p95 "
        f"{r['late_p95'] * 1000:.0f} ms; {r['connections']} connections, "
        f"{len(r['connects'])} TCP connects ({latency(r['connects'])}), {r['resent']} resent"
        f"{restarted}"
        f"; CPU per request: "
        f"gunicorn {r['gunicorn']:.1f} ms, PostgreSQL {r['postgres']:.1f} ms, this client "
        f"{r['client']:.1f} ms{capped}"
    )


def phase(
    port,
    proc,
    log,
    voters: list[Voter],
    proposals: list[int],
    *,
    rates: list[float],
    seconds: float,
    connections: int,
    cap: float,
    seed: int,
) -> list[tuple[dict, dict]]:
    """At each rate, `rate × seconds` votes then as many reference requests (the order
    alternating from one rate to the next), each vote by a voter of its own drawn from
    `voters`, on one of `proposals` (reset before each rate, so that the tally check is of
    that rate's answers). Returns the (votes, reference) figures of each rate."""
    rng = random.Random(seed)  # noqa: S311 - the same voters every run, not a secret
    table = []
    for k, rate in enumerate(rates):
        n = max(round(rate * seconds), 1)
        got = {}
        for kind in ("votes", "reference") if k % 2 == 0 else ("reference", "votes"):
            # Each side of each rate may send for `cap` seconds (its count ends it first).
            deadline = time.monotonic() + cap
            if kind == "votes":
                votes_reset(proposals)
                chosen = rng.sample(range(len(voters)), n)
                requests = [
                    vote_request(voters, i, proposals[j % len(proposals)], VALUES[(i + j) % 3])
                    for j, i in enumerate(chosen)
                ]
            else:
                requests = [
                    Request(
                        "GET",
                        TRIVIAL,
                        {"Authorization": f"Token {voters[i].token}", "Accept": "application/json"},
                        keep_body=False,
                    )
                    for i in rng.sample(range(len(voters)), n)
                ]
            meter, restarted = CpuMeter(proc), restarts(log)
            client_cpu = time.process_time()
            run = asyncio.run(
                open_loop(port, requests, rate, deadline=deadline, connections=connections)
            )
            client_cpu = time.process_time() - client_cpu
            spent = meter.spent()
            what = f"{kind} at {rate:g}/s"
            if kind == "votes":
                done = results(run)
                check_answers(done, voters, what, log)
                check_tally(implied(done, voters), proposals, what)
            else:
                bad = [s.answer for s in run.sent if s.answer.status != 200]
                if bad:
                    fail(
                        f"{what}: {len(bad)} of {len(run.sent)} GET {TRIVIAL} failed, e.g. "
                        f"{bad[0].status or bad[0].error}\n{log_tail(log)}"
                    )
            got[kind] = row(run, rate, spent, client_cpu, restarts(log) - restarted)
            out(line(kind, got[kind], n) + ("; tally checked" if kind == "votes" else ""))
        if len(got) == 2:
            table.append((got["votes"], got["reference"]))
    votes_reset(proposals)
    if not table:
        fail("no rate had both its votes and its reference.")
    return table


def table_lines(table: list[tuple[dict, dict]]) -> list[str]:
    """The rates side by side: 'at 100/s votes p95 X ms vs reference Y ms'."""
    lines = []
    for votes, ref in table:

        def pct(r, q):
            return percentile(r["times"], q) * 1000 if r["times"] else float("nan")

        lines.append(
            f"at {votes['rate']:g}/s: votes {votes['achieved']:.0f}/s achieved, p50 "
            f"{pct(votes, 50):.0f} ms, p95 {pct(votes, 95):.0f} ms, p99 {pct(votes, 99):.0f} ms, "
            f"CPU {votes['gunicorn'] + votes['postgres']:.1f} ms | reference "
            f"{ref['achieved']:.0f}/s, p50 {pct(ref, 50):.0f} ms, p95 {pct(ref, 95):.0f} ms, "
            f"p99 {pct(ref, 99):.0f} ms, CPU {ref['gunicorn'] + ref['postgres']:.1f} ms | p95 "
            f"ratio {pct(votes, 95) / max(pct(ref, 95), 1e-9):.1f}"
        )
    return lines
