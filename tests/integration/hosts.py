"""Several hosts on one machine, for the tests of what crosses between them.

A simulated host is a set of real processes (gunicorn, a Celery worker) with folders of
its own: its scratch space (`TMPDIR`, the import worker's scratch), its media and private
folders. What hosts share is only what separate machines would share: the database,
Redis and the object storage, all given in the environment. A file one host wrote to its
own disk is out of every other host's reach, as it would be on another machine.

The hosts get a Redis of their own (not the test session's): the session's worker
listens on the tests' broker, and must not take the tasks these hosts' workers are
meant to run.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from config.env import redis_url_with_db
from tests.integration.processes import (
    get,
    process_env,
    start_web,
    start_worker,
    stop,
    wait_until,
)
from tests.launcher import load_launcher


@dataclass
class Host:
    """One machine: a name, its own folders, the processes it runs."""

    name: str
    root: Path
    env: dict[str, str]
    web_port: int | None = None
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def files(self) -> Path:
        """The host's own disk: media, private files and scratch live under it."""
        return self.root / "files"

    def log(self, what: str) -> Path:
        return self.root / f"{what}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def stored_files(self) -> list[Path]:
        """Every file on this host's disk (scratch included)."""
        return sorted(p for p in self.files.rglob("*") if p.is_file())

    def kill(self) -> None:
        """The machine is gone: every process at once, no shutdown."""
        for proc in self.processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def host_env(root: Path, shared: dict[str, str]) -> dict[str, str]:
    files = root / "files"
    (files / "tmp").mkdir(parents=True, exist_ok=True)
    # config.settings.test puts media, private files and the import scratch under
    # TEST_FILES_ROOT: one per host, as each machine has its own disk.
    return process_env(TEST_FILES_ROOT=str(files), TMPDIR=str(files / "tmp"), **shared)


@contextmanager
def private_redis(var: Path) -> Iterator[str]:
    launcher = load_launcher()
    redis = launcher.Redis(var, {})
    redis.up()
    try:
        yield redis.url()
    finally:
        redis.down()


@contextmanager
def hosts(tmp: Path, shared: dict[str, str], *, webs: int = 2,
          workers: int = 2) -> Iterator[tuple[list[Host], list[Host]]]:
    """`webs` web hosts and `workers` worker hosts sharing the database (the tests'),
    a Redis of their own and whatever `shared` adds (the object storage, a replica).
    Yields them once every web answers and every worker has taken a task."""
    from celery import Celery

    with ExitStack() as stack:
        redis = stack.enter_context(private_redis(tmp / "redis-var"))
        shared = {"TEST_REDIS_URL": redis, "TEST_CACHE_REDIS_URL": redis_url_with_db(redis, 1),
                  "SECRET_KEY": secrets.token_urlsafe(50), **shared}
        web_hosts, worker_hosts = [], []
        for i in range(webs):
            host = Host(f"web-{'ab'[i]}", tmp / f"web-{i}", {})
            host.env = host_env(host.root, shared)
            host.web_port = load_launcher().free_port()
            host.processes["web"] = start_web(host.env, host.web_port, host.log("web"))
            stack.callback(stop, host.processes["web"])
            web_hosts.append(host)
        for i in range(workers):
            host = Host(f"worker-{i + 1}", tmp / f"worker-{i}", {})
            host.env = host_env(host.root, shared)
            host.processes["worker"] = start_worker(host.env, host.log("worker"),
                                                    name=f"{host.name}@%h")
            stack.callback(stop, host.processes["worker"])
            worker_hosts.append(host)
        for host in web_hosts:
            wait_until(lambda h=host: get(h.url + "/ogc/conformance")[0] == 200,
                       timeout=120, what=f"{host.name} to answer", log=host.log("web"))
        # Not the current app: the test process's own tasks must keep publishing to the
        # tests' broker, not to these hosts'.
        app = Celery(broker=redis, set_as_current=False)
        stack.callback(app.close)
        for host in worker_hosts:
            wait_until(lambda h=host: _worker_answers(app, h), timeout=120,
                       what=f"{host.name} to answer", log=host.log("worker"))
        yield web_hosts, worker_hosts


def _worker_answers(app, host: Host) -> bool:
    assert host.processes["worker"].poll() is None, host.log("worker").read_text()[-3000:]
    replies = app.control.ping(timeout=1.0) or []
    return any(name.startswith(f"{host.name}@") for reply in replies for name in reply)
