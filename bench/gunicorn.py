"""The deployment's gunicorn for a benchmark: started on a free loopback port against the
bench database, waited for, stopped; and a keep-alive client to time requests through it.

A benchmark that times "ours" through `django.test.Client` measures Django and DRF in its
own process, without HTTP, gunicorn's worker and the WSGI round trip a user's request goes
through. These helpers let it time what a browser waits for instead, with the settings
file a deployment uses (`platform/deploy/gunicorn.conf.py`).
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.common import fail

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "platform" / "deploy" / "gunicorn.conf.py"
# A Redis database of its own for the server's cache and throttle counts: local uses 0
# and 1, tests 14 and 15, the in-process benchmarks 12.
SERVER_REDIS_DB = 13


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the bench's server processes (gunicorn, and bench_load's Celery
    worker): the local settings with DEBUG off, the bench database (setup_django put it
    in DATABASE_URL), Redis database 13 for the cache and the throttles, throttle rates
    out of reach; `extra_env` adds or overrides variables."""
    from config.env import redis_url_with_db

    redis = redis_url_with_db(os.environ["REDIS_URL"], SERVER_REDIS_DB)
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1",
            "REDIS_URL": redis, "CACHE_REDIS_URL": redis,
            "THROTTLE_USER": "1000000/min", "THROTTLE_ANON": "1000000/min",
            "PYTHONUNBUFFERED": "1", **(extra_env or {})}


def start_gunicorn(port: int, workers: int, threads: int, log: Path,
                   extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    """gunicorn with the deployment's settings file, on 127.0.0.1 only, against the bench
    database (setup_django put it in DATABASE_URL) and Redis database 13; `extra_env`
    adds or overrides variables (bench_load's MEDIA_ROOT and broker, say)."""
    env = server_env({"GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers),
                      "GUNICORN_THREADS": str(threads), **(extra_env or {})})
    # No control socket: its default path is per user, not per server, so it would take
    # over (and remove on exit) the one of a `make run` on this machine.
    cmd = [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi",
           "--config", str(GUNICORN_CONF), "--no-control-socket"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop_group(proc: subprocess.Popen, timeout: float) -> None:
    """SIGTERM to the process group a server was started in (`start_new_session`), then
    SIGKILL if it lingers past `timeout` seconds."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def stop_gunicorn(proc: subprocess.Popen) -> None:
    """gunicorn's own process group (it started it), given its graceful timeout."""
    stop_group(proc, timeout=25)


def log_tail(log: Path, chars: int = 3000) -> str:
    return log.read_text(errors="replace")[-chars:] if log.exists() else ""


def wait_ready(port: int, proc: subprocess.Popen, path: str, log: Path,
               timeout: float = 30) -> float:
    """Seconds until GET `path` answers 200; a failure if the server exits or never does."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            fail(f"gunicorn exited with {proc.returncode} before answering:\n{log_tail(log)}")
        try:
            with KeepAlive(port, timeout=2) as client:
                if client.get(path)[0] == 200:
                    return time.monotonic() - started
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.1)
    fail(f"gunicorn did not answer GET {path} with 200 within {timeout:.0f} s:\n"
         f"{log_tail(log)}")
    return 0.0


@dataclass
class Server:
    port: int
    proc: subprocess.Popen
    log: Path
    ready: float  # seconds from start until it answered

    def line(self) -> str:
        return (f"gunicorn: pid {self.proc.pid} on 127.0.0.1:{self.port}, answering after "
                f"{self.ready:.1f} s")


@contextmanager
def serving(ready_path: str, *, workers: int = 1, threads: int = 1,
            extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    """gunicorn started, answering GET `ready_path`, then stopped (after a failure too).

    One worker with one thread by default: a benchmark that times one request at a time
    over one keep-alive connection only ever reaches one worker thread, and every other
    worker would only take memory and start-up time from a shared machine.
    """
    with tempfile.TemporaryDirectory(prefix="bench-gunicorn-") as tmp:
        port, log = free_port(), Path(tmp) / "gunicorn.log"
        proc = start_gunicorn(port, workers, threads, log, extra_env)
        try:
            ready = wait_ready(port, proc, ready_path, log)
            yield Server(port, proc, log, ready)
        finally:
            stop_gunicorn(proc)


class KeepAlive:
    """One HTTP/1.1 keep-alive connection to 127.0.0.1:port, as a browser's is: the TCP
    connect is paid once, not on every timed request. A connection the server closed
    (its keep-alive timeout, a worker restarting after `max_requests`) is opened again
    once for the same request, as browsers do."""

    def __init__(self, port: int, *, timeout: float = 30):
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """GET `path`; (status, the whole body)."""
        for attempt in (1, 2):
            fresh = self.conn is None
            if fresh:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                       timeout=self.timeout)
            try:
                self.conn.request("GET", path, headers=headers or {})
                response = self.conn.getresponse()
                body = response.read()
                if response.will_close:
                    self.close()
                return response.status, body
            except (ConnectionError, http.client.RemoteDisconnected,
                    http.client.BadStatusLine):
                self.close()
                if fresh or attempt == 2:
                    raise
        raise AssertionError("not reached: the second attempt returns or raises")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def __enter__(self) -> KeepAlive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each process still there (Linux's /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / tick
    return seconds


def server_pids(proc: subprocess.Popen) -> tuple[list[int], list[int]]:
    """gunicorn's processes (the arbiter and its workers), and the PostgreSQL backends
    connected to the bench database (the workers' connections among them)."""
    from bench.common import BENCH_DATABASE

    gunicorn, backends = [proc.pid], []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid = int(stat.parent.name)
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == proc.pid:
            gunicorn.append(pid)
        elif cmdline.startswith("postgres: ") and f" {BENCH_DATABASE} " in cmdline:
            backends.append(pid)
    return gunicorn, backends


class CpuMeter:
    """CPU seconds spent by gunicorn (arbiter and workers) and by the bench database's
    PostgreSQL backends from its creation until `spent()`. Workers and backends that
    started in between count from zero (a worker restarted by max_requests, a connection
    past CONN_MAX_AGE); those that ended took their time with them."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc
        self.gunicorn, self.backends = server_pids(proc)
        self.before = cpu_seconds(self.gunicorn + self.backends)

    def spent(self) -> dict[str, float]:
        """{'gunicorn': s, 'PostgreSQL': s} since the meter was made."""
        now_gunicorn, now_backends = server_pids(self.proc)
        gunicorn = sorted(set(self.gunicorn) | set(now_gunicorn))
        backends = sorted(set(self.backends) | set(now_backends))
        after = cpu_seconds(gunicorn + backends)
        return {name: sum(after[p] - self.before.get(p, 0) for p in pids if p in after)
                for name, pids in (("gunicorn", gunicorn), ("PostgreSQL", backends))}


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """--workers and --threads of the gunicorn a benchmark starts: the deployment's."""
    cores = os.cpu_count() or 1
    parser.add_argument("--workers", type=int, default=min(4, cores * 2),
                        help="gunicorn workers (the deployment's default, min(4, 2×cores))")
    parser.add_argument("--threads", type=int, default=4,
                        help="threads per worker (the deployment's default, 4)")
