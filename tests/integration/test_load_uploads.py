"""Several large uploads at once, against the deployment's gunicorn, with bench_load's
own checks at test size.

`bench/bench_load.py`'s third phase (`bench/load_uploads.py`) sends four 42 MB uploads
through the dashboard's import form while visitors keep opening a proposal's page. Here
the same code sends four uploads of several megabytes at once to a real gunicorn (the
deployment's settings file and gunicorn.conf.py, on the test database; static files
named as bench_load's server names them, bench/server_settings.py says why), one of them over
the upload limit, while visitors open the page; only correctness counts, nothing is
timed. Each upload is answered: the three under the limit with a 302 to their run's page,
each run queued with its whole file stored byte for byte and its task waiting in the
broker (no worker runs); the one over the limit with a 400 saying the file is too large,
leaving no dataset, no run, no stored file and no temporary file behind. Every page
request is answered 200, and no gunicorn worker holds the uploads it takes in memory: each
worker's peak memory during the uploads grows by less than two uploads' size.
"""

from __future__ import annotations

import asyncio
import hashlib
import time

import pytest

from bench import bench_load, bench_votes_http, load_uploads
from bench import gunicorn as bench_gunicorn
from bench.http_load import MemoryWatch, memory, worker_pids
from gisdata.models import Dataset, ImportRun
from tests.integration.bench_server import bench_fail_raises, deployment_gunicorn

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
FEATURES, OVER = 60_000, 90_000  # about 12.6 MB and 19 MB of GeoJSON
LIMIT = 16 * 1024 * 1024  # GISDATA_UPLOAD_MAX_BYTES for this server


@pytest.fixture
def bench_checks(monkeypatch):
    bench_fail_raises(monkeypatch, bench_load, bench_votes_http, bench_gunicorn, load_uploads)


@pytest.fixture
def server(tmp_path, bench_checks):
    """The deployment's gunicorn on the test database with a 16 MB upload limit; uploads
    stored in, and temporary files written to, folders of this test; tasks published to
    the tests' Redis database, where no worker listens."""
    media, scratch = tmp_path / "media", tmp_path / "scratch"
    scratch.mkdir()
    with deployment_gunicorn(
            tmp_path, DJANGO_SETTINGS_MODULE="bench.server_settings",  # no manifest needed
            GISDATA_UPLOAD_MAX_BYTES=str(LIMIT), TMPDIR=str(scratch)) as (port, proc, log,
                                                                          redis):
        yield port, proc, log, media, scratch, redis


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _warm_every_worker(port: int, arbiter: int, job: bench_load.Job, log) -> None:
    """Pages until both workers have loaded the site: a worker's first request imports
    the apps, the templates and three languages' catalogues (over 100 MB), which the
    memory check below must not mistake for an upload held in memory. Which worker
    accepts a request is the kernel's choice, so one round may warm only one."""
    warm = [[job]] * 8
    sizes: list[int] = []
    for _round in range(30):
        got, _, _ = asyncio.run(bench_load.clients_at_once(port, warm, time.monotonic() + 30))
        assert [a.status for _, a in got] == [200] * 8, bench_gunicorn.log_tail(log)
        sizes = [rss[0] for pid in worker_pids(arbiter) if (rss := memory(pid))]
        if len(sizes) == 2 and min(sizes) > 0.8 * max(sizes):
            return
    pytest.fail(f"a gunicorn worker stayed cold after 30 rounds of pages: RSS {sizes} KiB")


@pytest.mark.quality("large-uploads")
def test_several_large_uploads_at_once_are_each_answered_and_stored_whole_or_not_at_all(
        server, tmp_path, monkeypatch, settings):
    port, proc, log, media, scratch, broker = server
    settings.MEDIA_ROOT = str(media)  # where the checks read the stored files back
    project, proposals, roles, planner = bench_votes_http.setup()
    page = f"/proposals/{proposals[0].pk}/"
    bench_gunicorn.wait_ready(port, proc, f"/api/v1/projects/{project.pk}/", log)
    small = load_uploads.geojson_file(tmp_path / "trees.geojson", FEATURES, 1)
    large = load_uploads.geojson_file(tmp_path / "more-trees.geojson", OVER, 2)
    assert small.stat().st_size > 12e6 and small.stat().st_size < LIMIT < large.stat().st_size
    sessions = load_uploads.planners(4)
    # The fourth planner sends the file over the limit, at the same moment as the others.
    files = {1: small, 2: small, 3: small, 4: large}
    upload = load_uploads._upload
    monkeypatch.setattr(load_uploads, "_upload",
                        lambda port, u, path, stamp: upload(port, u, files[u.number], stamp))

    _warm_every_worker(port, proc.pid, bench_load.Job("GET", page, {"Accept": "text/html"},
                                                      keep_body=False), log)
    with MemoryWatch(proc.pid) as memory:
        outcome = asyncio.run(load_uploads.run(port, sessions, small, page, light_clients=4,
                                               quiet=0.5, deadline=time.monotonic() + 50))
    try:
        refused = outcome.uploads.pop()
        # bench_load's checks on the three under the limit: each a 302 to its run's page,
        # each run queued with the whole file stored, every page request a 200.
        load_uploads.check(outcome, small, broker, lambda: bench_gunicorn.log_tail(log))
        runs = ImportRun.objects.filter(pk__in=[u.run_id for u in outcome.uploads])
        assert runs.count() == 3
        assert load_uploads._published(broker, [u.run_id for u in outcome.uploads]) == 3
        for run in runs.select_related("dataset"):
            assert sha256(media / run.dataset.source_file.name) == sha256(small)

        # The one over the limit: refused cleanly, saying why, and nothing of it is kept.
        assert refused.answer.status == 400, (refused.answer.status or refused.answer.error,
                                              bench_gunicorn.log_tail(log))
        assert b"larger than" in refused.answer.body
        assert not Dataset.objects.filter(name__endswith=f" {refused.number}").exists()
        assert Dataset.objects.count() == ImportRun.objects.count() == 3
        stored = sorted(p for p in media.rglob("*") if p.is_file())
        assert len(stored) == 3 and all(p.stat().st_size == small.stat().st_size
                                        for p in stored)
        assert list(scratch.iterdir()) == []  # the uploads' temporary files are gone

        # No worker held the uploads it took in memory (Django streams each to a temporary
        # file): two workers took four uploads, so one of them took two or more, and
        # holding them would have grown it by twice an accepted file's size at least.
        # What a worker grows by here is what its first upload, page and task cost.
        assert len(memory.before) == 2, "the two gunicorn workers were not both watched"
        assert memory.growth() * 1024 < 2 * small.stat().st_size, memory.lines()
    finally:
        load_uploads.cleanup(sessions, broker)
