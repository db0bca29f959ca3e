"""`GET /metrics`: Prometheus' text format, for the monitoring's addresses only.

What django-prometheus counts in this process (requests, latencies, responses by status
and view, database queries, cache reads) comes with what other processes know:

- under gunicorn, every worker writes its figures to files in `PROMETHEUS_MULTIPROC_DIR`
  (platform/deploy/gunicorn.conf.py) and whichever worker answers reads all of them, so
  one scrape reports the whole server, not the one worker it reached;
- the Celery side (queue lengths, task runtimes and failures) lives on other hosts, so
  it is read from what web and workers share: Redis (core/task_metrics.py), and the
  database for the oldest queued runs. `TaskQueueCollector` reads them at scrape time,
  in one Redis round trip with short timeouts; a source that is down is reported as
  `plaza_metrics_source_up{source=…} 0` and its families are left out, while the rest
  still answers 200.

Anyone but an allowed address (`METRICS_ALLOWED_IPS`, addresses or networks; the client
address found as the rate limits find it, so X-Forwarded-For is believed only from
`TRUSTED_PROXY_COUNT` proxies) or the bearer of `METRICS_TOKEN` gets the site's 404, as
for a URL that does not exist: the endpoint is not advertised.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.registry import Collector
from rest_framework.throttling import BaseThrottle

from core import task_metrics

log = logging.getLogger(__name__)
# The applied and unapplied migrations change only with a deployment: counted again at
# most this often, not on every scrape (reading the migration files takes a while).
MIGRATIONS_TTL = 300.0


# ------------------------------------------------------------------ who may read


def client_address(request) -> str:
    """The client's address as the rate limits see it: REMOTE_ADDR, or the address the
    last of `NUM_PROXIES` (TRUSTED_PROXY_COUNT) trusted proxies put in X-Forwarded-For."""
    return BaseThrottle().get_ident(request) or ""


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    try:
        return tuple(ipaddress.ip_network(entry.strip(), strict=False)
                     for entry in entries if entry.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {exc}") from exc


def _address_allowed(address: str) -> bool:
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    # An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d.
    parsed = getattr(parsed, "ipv4_mapped", None) or parsed
    return any(parsed in network for network in _networks(tuple(settings.METRICS_ALLOWED_IPS)))


def _token_given(request) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode())


def may_read(request) -> bool:
    return _token_given(request) or _address_allowed(client_address(request))


# ------------------------------------------------------------------ the endpoint


def metrics_view(*collectors: Collector) -> Callable:
    """The view of /metrics, with `collectors` registered once in this process."""
    registry = _LazyRegistry(collectors)

    @csrf_exempt  # no session, no form: and a refused POST must be a 404, not a 403
    @never_cache
    def metrics(request):
        if not may_read(request):
            raise Http404
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return HttpResponse(generate_latest(registry.get()), content_type=CONTENT_TYPE_LATEST)

    return metrics


class _LazyRegistry:
    """Under gunicorn (PROMETHEUS_MULTIPROC_DIR set) a registry that reads every worker's
    files; otherwise this process's own. Built at the first scrape, once."""

    def __init__(self, collectors: Iterable[Collector]):
        self.collectors = tuple(collectors)
        self.registry: CollectorRegistry | None = None
        self.lock = threading.Lock()

    def get(self) -> CollectorRegistry:
        with self.lock:
            if self.registry is None:
                if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
                    registry = CollectorRegistry()
                    multiprocess.MultiProcessCollector(registry)
                else:
                    registry = REGISTRY
                for collector in self.collectors:
                    registry.register(collector)
                self.registry = registry
            return self.registry


# ------------------------------------------------------------------ what others know


class TaskQueueCollector(Collector):
    """Read at scrape time: Celery's queue lengths and the workers' task figures from
    Redis, the oldest queued runs and the migrations from the database.

    `oldest_queued` maps a kind of run ("import", "report") to a function giving when
    the oldest one still queued was requested, or None: the apps that own the runs
    provide them (config/metrics.py), as core imports no app."""

    def __init__(self, oldest_queued: Mapping[str, Callable[[], datetime | None]]):
        self.oldest_queued = dict(oldest_queued)
        self._migrations: tuple[float, list] | None = None

    def describe(self):
        # Nothing to declare ahead: registering must not read Redis or the database.
        return []

    def collect(self):
        up = GaugeMetricFamily("plaza_metrics_source_up",
                               "Whether /metrics could read this source (1) or not (0).",
                               labels=["source"])
        redis_families = self._from_redis()
        up.add_metric(["redis"], 0 if redis_families is None else 1)
        database_families = self._from_database()
        up.add_metric(["database"], 0 if database_families is None else 1)
        yield up
        yield from redis_families or ()
        yield from database_families or ()

    # -------------------------------------------------------------- Redis
    def _from_redis(self) -> list | None:
        queues = task_metrics.queue_names()
        try:
            lengths, tasks = task_metrics.read(queues)
        except task_metrics.REDIS_DOWN as exc:
            log.warning("metrics: Redis unavailable, Celery figures left out: %s", exc)
            return None
        queue_length = GaugeMetricFamily(
            "plaza_celery_queue_length", "Tasks waiting in each Celery queue (Redis LLEN).",
            labels=["queue"])
        for queue in queues:
            queue_length.add_metric([queue], lengths[queue])
        runtime = HistogramMetricFamily(
            "plaza_celery_task_runtime_seconds",
            "Time the workers took per task, failed runs included.", labels=["task"])
        failures = CounterMetricFamily(
            "plaza_celery_task_failures", "Tasks that raised, per task name.", labels=["task"])
        retries = CounterMetricFamily(
            "plaza_celery_task_retries", "Tasks that asked to be retried.", labels=["task"])
        for name, figures in sorted(tasks.items()):
            runtime.add_metric([name], figures.buckets(), sum_value=figures.seconds)
            failures.add_metric([name], figures.failures)
            retries.add_metric([name], figures.retries)
        return [queue_length, runtime, failures, retries]

    # -------------------------------------------------------------- the database
    def _from_database(self) -> list | None:
        oldest = GaugeMetricFamily(
            "plaza_oldest_queued_seconds",
            "Age of the oldest run still queued, by kind (0: none queued).", labels=["kind"])
        try:
            now = timezone.now()
            for kind, since in sorted(self.oldest_queued.items()):
                at = since()
                oldest.add_metric([kind], max(0.0, (now - at).total_seconds()) if at else 0)
            migrations = self._migration_families()
        except DatabaseError as exc:
            log.warning("metrics: database unavailable, its figures left out: %s", exc)
            return None
        return [oldest, *migrations]

    def _migration_families(self) -> list:
        cached = self._migrations
        if cached is None or time.monotonic() - cached[0] > MIGRATIONS_TTL:
            counted = []
            # Imported here: the executor checks that the apps are ready when imported.
            from django.db.migrations.executor import MigrationExecutor

            for alias in connections:
                executor = MigrationExecutor(connections[alias])
                plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
                counted.append((alias, len(executor.loader.applied_migrations), len(plan)))
            cached = self._migrations = (time.monotonic(), counted)
        applied = GaugeMetricFamily(
            "django_migrations_applied_total", "Migrations applied, by database connection.",
            labels=["connection"])
        unapplied = GaugeMetricFamily(
            "django_migrations_unapplied_total",
            "Migrations not yet applied, by database connection.", labels=["connection"])
        for alias, done, left in cached[1]:
            applied.add_metric([alias], done)
            unapplied.add_metric([alias], left)
        return [applied, unapplied]
