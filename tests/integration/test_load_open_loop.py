"""The load benchmark's open loop sends each request when it is due, whether or not the
earlier ones have been answered, and counts latency from that moment: a slow server
shows as latency, not as fewer requests (no coordinated omission).

Against a small asyncio server that answers after 0.2 s, so that what the client does
while it waits is visible; then `bench/load_rates.py`'s phase at one small rate against
the deployment's gunicorn, with its correctness checks (every vote counted). Nothing is
timed beyond those bounds.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from bench import bench_load, bench_votes_http, load_rates
from bench import gunicorn as bench_gunicorn
from bench.http_load import Request, open_loop
from tests.integration.bench_server import bench_fail_raises, deployment_gunicorn

pytestmark = pytest.mark.integration
SLOW = 0.2  # seconds the small server takes per answer


async def _slow_server() -> tuple[asyncio.AbstractServer, int]:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                await asyncio.sleep(SLOW)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def _run(rate: float, count: int, connections: int):
    server, port = await _slow_server()
    async with server:
        requests = [Request("GET", f"/{i}", {}) for i in range(count)]
        return await open_loop(
            port, requests, rate, deadline=time.monotonic() + 30, connections=connections
        )


def test_requests_go_out_when_due_though_earlier_ones_are_unanswered():
    # 10 requests due every 20 ms, each answered after 200 ms: with a connection each,
    # every one is sent on time, so the last goes out long before the first is answered.
    run = asyncio.run(_run(rate=50, count=10, connections=10))
    assert [s.answer.status for s in run.sent] == [200] * 10
    assert max(s.late for s in run.sent) < SLOW / 2
    assert run.sent[-1].answer.started < run.sent[0].answer.started + run.sent[0].answer.seconds
    assert len(run.connections) == 10


def test_latency_counts_from_when_a_request_was_due_not_from_when_it_went_out():
    # One connection: each request waits for the one before, so the tenth is answered
    # about 10 × 200 ms after the first was due; that wait is its latency, while the
    # exchange itself still takes 200 ms.
    run = asyncio.run(_run(rate=50, count=10, connections=1))
    last = run.sent[-1]
    assert last.answer.seconds < 3 * SLOW
    assert last.latency > 8 * SLOW - 9 / 50
    assert last.late > 5 * SLOW
    assert len(run.connections) == 1


@pytest.mark.django_db(transaction=True)
def test_votes_at_a_fixed_rate_are_all_counted(tmp_path, monkeypatch):
    bench_fail_raises(monkeypatch, bench_load, bench_votes_http, bench_gunicorn, load_rates)
    project, proposals, roles, planner = bench_votes_http.setup()
    voters = bench_votes_http.voters_setup(60, roles, planner)
    with deployment_gunicorn(tmp_path) as (port, proc, log, _redis):
        bench_gunicorn.wait_ready(port, proc, f"/api/v1/projects/{project.pk}/", log)
        # load_rates fails on any vote not answered, any 5xx, any 200 without the vote's
        # value and weight, and a tally other than the accepted votes imply.
        table = load_rates.phase(
            port,
            proc,
            log,
            voters,
            [p.pk for p in proposals[:3]],
            rates=[20.0],
            seconds=1.5,
            connections=8,
            cap=60,
            seed=1,
        )
    votes, reference = table[0]
    assert votes["sent"] == reference["sent"] == 30
    assert votes["classes"] == reference["classes"] == {"2xx": 30}
