"""A flood of bbox requests on the map's and the OGC API's largest pages, against the
deployment's gunicorn, with bench_load's own checks at test size.

`bench/bench_load.py`'s second phase sends 100 clients at once asking random bboxes of
a 100,000-proposal project and a 200,000-feature layer, from a street to the whole city,
one in three at the largest page the API allows and one in twenty over it. Here the same
code (`bench_load.phase_bbox`, on the same seeding code at a tenth of the size: 20,000
proposals and 100,000 points) sends 640 of those requests from 16 clients at once to a
real gunicorn (the deployment's gunicorn.conf.py, 2 gthread workers × 4 threads, on the
test database); only correctness counts, nothing is timed. The data are ten times the
largest page, so that a page the API did not cap would show: every answer is a 200, or a
400 for a limit over the maximum; every page kept is a FeatureCollection within its
limit, and a whole-city page is full. And each worker's memory is bounded by its pages,
not by the data: its peak during the flood grows by less than four of the largest pages
(10,000 features, 1.7 MB) per thread, where one request holding the layer grows it by
over 100 MB.
"""

from __future__ import annotations

import time

import pytest

from bench import bench_bbox_proposals, bench_load, bench_ogc, bench_votes_http
from bench import gunicorn as bench_gunicorn
from bench.http_load import MemoryWatch
from opendata.catalogue import collections_all
from tests.integration.bench_server import bench_fail_raises, deployment_gunicorn

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
WORKERS, THREADS = 2, 4
# Ten times the largest page of each API (2,000 proposals, 10,000 features): the whole
# city fills a page, and a request that took the whole layer would take ten pages' memory.
PROPOSALS, FEATURES = 20_000, 100_000
CLIENTS, PER_CLIENT = 16, 40  # 640 requests, 16 at once (the workers take 8)
# A worker's peak may grow by what its threads hold at once: up to THREADS of the
# largest pages, each several times its size while it is read, built and sent.
PAGES_HELD = 4 * THREADS


@pytest.fixture
def bench_checks(monkeypatch):
    bench_fail_raises(monkeypatch, bench_load, bench_votes_http, bench_gunicorn)


@pytest.fixture
def server(tmp_path, bench_checks):
    """The deployment's gunicorn on the test database. Every request comes from one
    address: the OGC API's time budget per client (a fault of its own, tested in
    tests/opendata) is raised past what the flood spends, as the API throttles are."""
    with deployment_gunicorn(tmp_path, WORKERS, THREADS, OGC_THROTTLE_SECONDS="100000",
                             OGC_THROTTLE_CLIENT_SECONDS="100000") as (port, proc, log, _):
        yield port, proc, log


@pytest.fixture
def watches(monkeypatch):
    """The memory watch bench_load's phase runs, kept for the test to read."""
    kept = []

    class Kept(MemoryWatch):
        def __enter__(self):
            kept.append(self)
            return super().__enter__()

    monkeypatch.setattr(bench_load, "MemoryWatch", Kept)
    return kept


@pytest.mark.quality("bbox-flood")
def test_a_flood_of_bbox_requests_is_answered_with_bounded_memory(
        server, watches, monkeypatch, capsys):
    port, proc, log = server
    # bench_load's data at test size, by the benchmarks' own seeding code.
    monkeypatch.setattr(bench_bbox_proposals, "PROPOSALS", PROPOSALS)
    monkeypatch.setattr(bench_ogc, "FEATURES", FEATURES)
    project = bench_bbox_proposals.seed()
    bench_bbox_proposals.analyze()
    layer = bench_ogc.seed()
    collection = next(c.id for c in collections_all() if c.layer and c.layer.pk == layer.pk)
    bench_gunicorn.wait_ready(port, proc, f"/api/v1/projects/{project.pk}/", log)

    # The phase fails on any answer but the expected 200 or 400, on a page that is not a
    # FeatureCollection, over its limit, or short of it for the whole city.
    bench_load.phase_bbox(port, proc, log, project.pk, collection, clients=CLIENTS,
                          per_client=PER_CLIENT, cap=45, seed=4242, threads=THREADS)
    report = capsys.readouterr().out
    assert f"bbox spam: {CLIENTS * PER_CLIENT} GETs" in report, report  # none cut by the cap
    # The seeded requests ask the whole city at each API's largest page.
    assert "whole city at the maximum limit (2,000): 0," not in report, report
    assert "whole city at the maximum limit (10,000): 0," not in report, report

    # Each worker's peak memory during the flood grows by less than what its threads may
    # hold at once, in pages of the largest size the API serves.
    client = bench_votes_http.Client(port, [], time.monotonic() + 60)
    x0, y0, x1, y1 = bench_load.AREA
    status, page = client.request("GET", f"/ogc/collections/{collection}/items?bbox="
                                  f"{x0 - 0.01},{y0 - 0.01},{x1 + 0.01},{y1 + 0.01}"
                                  f"&limit={bench_load.OGC_MAX}", timeout=30)
    assert status == 200 and page.count(b'"Feature"') == bench_load.OGC_MAX
    memory = watches[0]
    assert len(memory.before) == WORKERS, "the gunicorn workers were not all watched"
    bound = PAGES_HELD * len(page)
    assert memory.growth() * 1024 < bound, (
        f"a worker grew by {memory.growth() / 1024:.0f} MB, over {bound / 1e6:.0f} MB "
        f"({PAGES_HELD} pages of {len(page) / 1e6:.1f} MB)", memory.lines())
