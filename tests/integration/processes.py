"""Real processes for integration tests: a Celery worker and a gunicorn web server.

They run the project's own code against the test database (which pytest-django
created) and a real Redis, exactly as `make run` starts them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_database_url() -> str:
    db = settings.DATABASES["default"]
    return (f"postgis://{quote(db['USER'])}:{quote(db['PASSWORD'])}@{db['HOST']}:{db['PORT']}"
            f"/{db['NAME']}")


def process_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": test_database_url(), "PYTHONUNBUFFERED": "1",
           # Tests empty the database between live-server tests and make the default
           # municipality again, with a new id: a server started for several tests must
           # not keep the old one.
           "MUNICIPALITIES_CACHE_SECONDS": "0"}
    env.update(extra)
    return env


def start_worker(env: dict[str, str], log: Path, name: str | None = None) -> subprocess.Popen:
    cmd = [str(BIN / "celery"), "-A", "config", "worker", "-l", "INFO", "-c", "1",
           "--without-gossip", "--without-mingle", "--without-heartbeat",
           "-n", name or f"test-{uuid.uuid4().hex[:8]}@%h"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def start_web(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    cmd = [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
           "--workers", "1", "--threads", "4", "--timeout", "30", "--no-control-socket"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def get(url: str, timeout: float = 10) -> tuple[int, bytes]:
    """GET `url`; a hang past `timeout` raises, so a test fails instead of waiting forever."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_until(predicate, timeout: float = 30, what: str = "condition", log: Path | None = None,
               interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except (OSError, urllib.error.URLError):
            value = None
        if value:
            return value
        time.sleep(interval)
    detail = log.read_text()[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{detail}")
