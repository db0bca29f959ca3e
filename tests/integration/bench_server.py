"""What the load tests share: a benchmark's correctness failure that fails the test
instead of exiting, and the deployment's gunicorn serving the test database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import gunicorn
from tests.integration import processes


class BenchFailure(AssertionError):
    pass


def bench_fail_raises(monkeypatch, *modules) -> None:
    """Each module's `fail` (which exits) raises BenchFailure, failing the test."""
    def fail(message: str) -> None:
        raise BenchFailure(message)

    for module in modules:
        monkeypatch.setattr(module, "fail", fail)


@contextmanager
def deployment_gunicorn(tmp_path: Path, workers: int = 2, threads: int = 4,
                        **env: str) -> Iterator[tuple[int, object, Path, str]]:
    """The deployment's gunicorn (platform/deploy/gunicorn.conf.py: gthread workers) on a
    free loopback port, serving the test database; its cache, throttles and broker on the
    tests' Redis database, never on the bench's. `env` adds to or overrides its
    environment. Yields (port, process, log, redis URL)."""
    port, log = gunicorn.free_port(), tmp_path / "gunicorn.log"
    redis = os.environ.get("TEST_CACHE_REDIS_URL") or os.environ["REDIS_URL"]
    proc = gunicorn.start_gunicorn(port, workers, threads, log, extra_env={
        "DATABASE_URL": processes.test_database_url(), "REDIS_URL": redis,
        "CACHE_REDIS_URL": redis, "CELERY_BROKER_URL": redis,
        "MEDIA_ROOT": str(tmp_path / "media"), **env})
    try:
        yield port, proc, log, redis
    finally:
        gunicorn.stop_gunicorn(proc)
