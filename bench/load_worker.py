"""bench_load's Celery worker: a real worker process for the whole run, on the bench
server's broker (Redis database 13, the one gunicorn publishes to), so that what the web
publishes during the phases is consumed as in production.

It is started as the deployment starts it (`platform/deploy/plaza-worker.service`:
`celery -A config worker --concurrency 2`) and as the test suite does
(tests/integration/processes.py: no gossip, mingle or heartbeat, a name of its own), with
the same settings, database, media folder and broker as the bench's gunicorn. It answers
the health check's ping task before the phases start, and is stopped at the end (after a
failure too): SIGTERM to its own process group, SIGKILL if it lingers.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

from bench.common import fail
from bench.gunicorn import ROOT, log_tail, server_env, stop_group

# The deployment's worker runs two processes (plaza-worker.service).
CONCURRENCY = 2


def start(log: Path, extra_env: dict[str, str]) -> subprocess.Popen:
    cmd = [
        str(Path(sys.executable).parent / "celery"),
        "-A",
        "config",
        "worker",
        "-l",
        "INFO",
        "--concurrency",
        str(CONCURRENCY),
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"bench-load-{uuid.uuid4().hex[:8]}@%h",
    ]
    # LOG_LEVEL INFO: the worker logs each task it receives (the bench's own process
    # runs at WARNING), which `tasks_received` counts.
    env = server_env({**extra_env, "LOG_LEVEL": "INFO"})
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_ready(proc: subprocess.Popen, broker_url: str, log: Path, timeout: float = 90) -> float:
    """Seconds until the worker answers the health check's ping task through the broker
    (`plaza.health.ping`, as `/healthz` asks it); a failure if it exits or never does."""
    from celery import Celery
    from celery.exceptions import TimeoutError as CeleryTimeout

    client = Celery("bench-load-ping", broker=broker_url, backend=broker_url)
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout:
            if proc.poll() is not None:
                fail(f"the Celery worker exited with {proc.returncode}:\n{log_tail(log)}")
            try:
                if client.send_task("plaza.health.ping", expires=10).get(timeout=5) == "pong":
                    return time.monotonic() - started
            except CeleryTimeout:  # still starting: ask again
                continue
        fail(f"the Celery worker did not answer a ping within {timeout:.0f} s:\n{log_tail(log)}")
    finally:
        client.close()
    return 0.0


def stop(proc: subprocess.Popen) -> None:
    """The worker's process group: SIGTERM is a warm shutdown (the task in progress may
    finish), then SIGKILL if it lingers."""
    stop_group(proc, timeout=30)


def tasks_received(log: Path) -> dict[str, int]:
    """How many tasks of each name the worker's log says it received."""
    counts: dict[str, int] = {}
    for line in log.read_text(errors="replace").splitlines():
        if "Task " in line and "received" in line:
            name = line.split("Task ", 1)[1].split("[", 1)[0].strip()
            counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))
