"""gunicorn settings for Plaza, used by `make run` and by the systemd unit."""

import multiprocessing
import os
import shutil
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", min(4, multiprocessing.cpu_count() * 2)))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# Threaded workers whatever the thread count: with one thread gunicorn would otherwise
# pick its "sync" worker, which closes the connection after every answer (no keep-alive
# for a client or a proxy that reuses its connections).
worker_class = "gthread"
timeout = 60
graceful_timeout = 20
# Requests wait in the kernel's queue rather than piling up in memory.
backlog = 256
# Each worker is replaced after 1,500–2,500 requests (a guard against slow growth). The
# spread matters: with ±10% and an even load the four workers restarted within a minute
# of each other, so that the site had no warm worker for seconds (`make bench`, `load`).
max_requests = 2000
max_requests_jitter = 1000
# The application is loaded once, in the master, and each worker forked from it: a
# replaced worker answers in milliseconds instead of importing Django again (6–17 s on
# a busy two-core machine), and the workers share the loaded code's memory. Nothing
# connects at import time (connections open on first use, in the worker). Upgrades
# restart the service (docs/operations.md), so code is never reloaded in place.
preload_app = True
accesslog = "-"
# gunicorn's usual line, plus the time taken (ms) and the request id that Django sent
# back in X-Request-ID: the key to the application's own lines about that request.
access_log_format = ('%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" '
                     '%(M)sms request_id=%({x-request-id}o)s')
# gunicorn's control socket lives at one path per user (~/.gunicorn/gunicorn.ctl): a
# second Plaza (another checkout, the tests) would take it over from the first.
control_socket_disable = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Metrics (core/metrics.py): each worker writes its counters to files in one folder, and
# /metrics on any worker reads all of them, so a scrape reports the whole server. The
# variable must be set before the application loads (preload_app), as prometheus_client
# chooses where to keep its figures when it is imported. Unless the environment names a
# folder (systemd: one under /run), each server has its own under var/, so that `make
# run`, `make bench` and the tests never mix or empty each other's.
_VAR_METRICS = Path(__file__).resolve().parents[2] / "var" / "prometheus"
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_VAR_METRICS / f"gunicorn-{os.getpid()}")
Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)


def on_starting(server):
    """A new server starts from zero: the figures of an earlier one (its workers' files)
    would otherwise be added to this one's. Not on a re-exec (USR2), whose old workers
    still write there."""
    if "GUNICORN_PID" in os.environ:
        return
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    for path in folder.glob("*.db"):
        path.unlink(missing_ok=True)
    _sweep_dead_servers()


def child_exit(server, worker):
    """A worker that exits (replaced after max_requests, or killed): its counters stay
    counted, its live gauges go."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    if folder.parent == _VAR_METRICS and "GUNICORN_PID" not in os.environ:
        shutil.rmtree(folder, ignore_errors=True)


def _sweep_dead_servers():
    """Folders under var/ of servers that were killed before they could remove theirs."""
    ours = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    for folder in _VAR_METRICS.glob("gunicorn-*"):
        pid = folder.name.removeprefix("gunicorn-")
        if folder != ours and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
