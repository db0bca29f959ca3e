"""A real Celery worker process for the whole session, on the test database and Redis."""

import pytest

from config.celery import app, ping
from tests.integration.processes import process_env, start_worker, stop, wait_until


@pytest.fixture(scope="session")
def worker(django_db_setup, tmp_path_factory):
    app.control.purge()  # tasks left over from an earlier, interrupted run
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    proc = start_worker(process_env(), log)

    def answers():
        assert proc.poll() is None, log.read_text()
        return ping.apply_async(expires=10).get(timeout=5) == "pong"

    try:
        wait_until(answers, timeout=60, what="the Celery worker", log=log)
        yield proc
    finally:
        stop(proc)
