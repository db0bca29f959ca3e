"""The Celery workers' figures, kept in Redis so that the web's /metrics can read them.

Workers run on other hosts than the web, so what they count cannot stay in their
memory or in a file: each finished task adds its runtime to fixed histogram buckets, and
each failure or retry to a counter, in one Redis hash (`KEY`) on the broker's Redis
(`METRICS_REDIS_URL`, by default the broker's URL), one pipelined round trip per task.
The web (core/metrics.py) reads the hash and the queues' lengths in one round trip per
scrape. Counters only ever grow, as Prometheus expects; they restart from zero if Redis
loses the hash, which Prometheus reads as a counter reset.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import redis
from celery import current_app, signals
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)
KEY = "plaza:metrics:tasks"
# Upper bounds in seconds: from an e-mail (tens of ms) to an import (up to an hour).
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, math.inf)
REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError)
# kombu's Redis transport keeps a queue's messages of priority p > 0 in a list of its own.
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITIES = (3, 6, 9)

_clients: dict[str, redis.Redis] = {}
_started: dict[str, float] = {}


def redis_url() -> str:
    return settings.METRICS_REDIS_URL or settings.CELERY_BROKER_URL


def client() -> redis.Redis:
    """One client per URL and process, with short timeouts and no retries: a scrape or
    a task must not wait on a Redis that is gone."""
    url = redis_url()
    found = _clients.get(url)
    if found is None:
        found = _clients.setdefault(url, redis.Redis.from_url(
            url, socket_connect_timeout=1, socket_timeout=1,
            retry=Retry(NoBackoff(), 0), health_check_interval=30))
    return found


# ------------------------------------------------------------------ in the worker


def _field(task: str, what: str) -> str:
    return f"{task}\t{what}"


def record_run(task: str, seconds: float) -> None:
    bucket = next(i for i, bound in enumerate(BUCKETS) if seconds <= bound)
    _write(lambda pipe: (pipe.hincrby(KEY, _field(task, "count"), 1),
                         pipe.hincrbyfloat(KEY, _field(task, "sum"), seconds),
                         pipe.hincrby(KEY, _field(task, f"bucket{bucket}"), 1)))


def record(task: str, what: str) -> None:
    """Count a `failures` or a `retries` of `task`."""
    _write(lambda pipe: pipe.hincrby(KEY, _field(task, what), 1))


def _write(commands) -> None:
    try:
        pipe = client().pipeline(transaction=False)
        commands(pipe)
        pipe.execute()
    except REDIS_DOWN as exc:  # the task's work is done; only its figure is lost
        log.warning("task metrics not recorded, Redis unavailable: %s", exc)


def _eager(task) -> bool:
    # Tasks run in the calling process (tests, `always_eager`) are not a worker's work.
    return bool(getattr(getattr(task, "request", None), "is_eager", False))


def _on_prerun(task_id=None, task=None, **_):
    if task_id and not _eager(task):
        _started[task_id] = time.perf_counter()


def _on_postrun(task_id=None, task=None, **_):
    started = _started.pop(task_id, None) if task_id else None
    if started is not None and task is not None:
        record_run(task.name, time.perf_counter() - started)


def _on_failure(sender=None, **_):
    if sender is not None and not _eager(sender):
        record(sender.name, "failures")


def _on_retry(sender=None, **_):
    if sender is not None and not _eager(sender):
        record(sender.name, "retries")


def connect_celery_signals() -> None:
    """Connected by the Celery app (config/celery.py); the signals fire in workers."""
    signals.task_prerun.connect(_on_prerun, weak=False, dispatch_uid="plaza-metrics-prerun")
    signals.task_postrun.connect(_on_postrun, weak=False, dispatch_uid="plaza-metrics-postrun")
    signals.task_failure.connect(_on_failure, weak=False, dispatch_uid="plaza-metrics-failure")
    signals.task_retry.connect(_on_retry, weak=False, dispatch_uid="plaza-metrics-retry")


# ------------------------------------------------------------------ at scrape time


@dataclass
class TaskFigures:
    count: int = 0
    seconds: float = 0.0
    failures: int = 0
    retries: int = 0
    per_bucket: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))

    def buckets(self) -> list[tuple[str, int]]:
        """Cumulative, as Prometheus' histograms are: (upper bound, runs at or under it)."""
        total, out = 0, []
        for bound, count in zip(BUCKETS, self.per_bucket, strict=True):
            total += count
            out.append(("+Inf" if math.isinf(bound) else repr(float(bound)), total))
        return out


def queue_names() -> list[str]:
    """The Celery app's queues: its default one, those it declares or routes to, and
    `METRICS_CELERY_QUEUES`."""
    conf = current_app.conf
    names = {conf.task_default_queue}
    names.update(queue.name for queue in conf.task_queues or ())
    routes = conf.task_routes
    for route in (routes.values() if isinstance(routes, dict) else ()):
        if isinstance(route, dict) and route.get("queue"):
            names.add(str(route["queue"]))
    names.update(settings.METRICS_CELERY_QUEUES)
    return sorted(names)


def read(queues: list[str]) -> tuple[dict[str, int], dict[str, TaskFigures]]:
    """Queue lengths and the tasks' figures, in one round trip."""
    prefix = (current_app.conf.broker_transport_options or {}).get("global_keyprefix", "")
    pipe = client().pipeline(transaction=False)
    for queue in queues:
        pipe.llen(prefix + queue)
        for priority in _PRIORITIES:
            pipe.llen(f"{prefix}{queue}{_PRIORITY_SEPARATOR}{priority}")
    pipe.hgetall(KEY)
    answers = pipe.execute()
    per_queue = 1 + len(_PRIORITIES)
    lengths = {queue: sum(answers[i * per_queue:(i + 1) * per_queue])
               for i, queue in enumerate(queues)}
    return lengths, _figures(answers[-1])


def _figures(raw: dict[bytes, bytes]) -> dict[str, TaskFigures]:
    tasks: dict[str, TaskFigures] = {}
    for key, number in raw.items():
        task, _, what = key.decode().rpartition("\t")
        figures = tasks.setdefault(task, TaskFigures())
        if what == "sum":
            figures.seconds = float(number)
        elif what in ("count", "failures", "retries"):
            setattr(figures, what, int(number))
        elif what.startswith("bucket") and what[6:].isdigit() and int(what[6:]) < len(BUCKETS):
            figures.per_bucket[int(what[6:])] = int(number)
    return tasks
