"""`GET /metrics`: Prometheus' text format, read back with prometheus_client's own parser,
reachable only from the monitoring's addresses. The Celery worker's side, with a real
worker: tests/integration/test_metrics.py."""

import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
import redis
from celery import signals
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from config.celery import ping_task
from core import task_metrics
from gisdata.models import Dataset, ImportRun
from reports.models import DecisionReport
from tests.factories import project_make
from tests.integration.test_faults import DEAD, redis_stopped

pytestmark = pytest.mark.django_db


def scrape(client=None, **extra) -> dict:
    """{family name: [(sample name, labels, value), …]} of one answer of /metrics."""
    response = (client or Client()).get("/metrics", **extra)
    assert response.status_code == 200, response.content[:500]
    families = text_string_to_metric_families(response.content.decode())
    return {family.name: [(s.name, s.labels, s.value) for s in family.samples]
            for family in families}


def value(families: dict, sample: str, **labels) -> float:
    """The sum of `sample` over the series whose labels include `labels` (0 if none)."""
    return sum(v for family in families.values() for name, got, v in family
               if name == sample and all(got.get(k) == w for k, w in labels.items()))


def test_requests_latencies_database_and_cache_are_counted():
    client = Client()
    before = scrape(client)
    for _ in range(3):
        assert client.get("/api/v1/").status_code == 200
    assert client.get("/").status_code == 200  # the home page reads the cache (credits)
    after = scrape(client)
    view = {"view": "api:root", "method": "GET"}
    assert (value(after, "django_http_requests_total_by_view_transport_method_total", **view)
            - value(before, "django_http_requests_total_by_view_transport_method_total",
                    **view)) == 3
    assert (value(after, "django_http_responses_total_by_status_view_method_total",
                  status="200", **view)
            - value(before, "django_http_responses_total_by_status_view_method_total",
                    status="200", **view)) == 3
    latency = "django_http_requests_latency_seconds_by_view_method"
    assert (value(after, f"{latency}_count", **view)
            - value(before, f"{latency}_count", **view)) == 3
    assert value(after, f"{latency}_bucket", le="+Inf", **view) >= 3
    assert (value(after, "django_db_execute_total", alias="default")
            > value(before, "django_db_execute_total", alias="default"))
    assert "django_db_query_duration_seconds" in after
    assert (value(after, "django_cache_get_total") > value(before, "django_cache_get_total"))
    assert (value(after, "django_cache_get_hits_total")
            + value(after, "django_cache_get_misses_total")) > 0


def test_applied_and_unapplied_migrations_are_told():
    families = scrape()
    assert value(families, "django_migrations_applied_total", connection="default") > 50
    assert value(families, "django_migrations_unapplied_total", connection="default") == 0


def test_the_oldest_queued_import_and_report_are_aged():
    families = scrape()
    assert value(families, "plaza_oldest_queued_seconds", kind="import") == 0
    dataset = Dataset.objects.create(name="Fountains", source_url="https://example.org/f.geojson")
    run = ImportRun.objects.create(dataset=dataset)
    ImportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(hours=1))
    ImportRun.objects.create(dataset=dataset)  # newer: not the oldest
    ImportRun.objects.create(dataset=dataset, status="succeeded",
                             created_at=timezone.now() - timedelta(days=3))
    report = DecisionReport.objects.create(project=project_make())
    DecisionReport.objects.filter(pk=report.pk).update(
        created_at=timezone.now() - timedelta(minutes=10))
    families = scrape()
    assert 3600 <= value(families, "plaza_oldest_queued_seconds", kind="import") < 3700
    assert 600 <= value(families, "plaza_oldest_queued_seconds", kind="report") < 700
    assert value(families, "plaza_metrics_source_up", source="database") == 1


@pytest.fixture
def idle_queue(settings):
    """A queue no worker consumes, which /metrics is told to watch."""
    name = f"metrics-test-{uuid.uuid4().hex[:8]}"
    settings.METRICS_CELERY_QUEUES = [name]
    yield name
    # The queue, and the binding kombu declared for it on first publish.
    redis.Redis.from_url(django_settings.CELERY_BROKER_URL).delete(
        name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")


def test_the_queue_length_counts_tasks_no_worker_took(idle_queue):
    assert value(scrape(), "plaza_celery_queue_length", queue=idle_queue) == 0
    for _ in range(3):
        ping_task.apply_async(queue=idle_queue, expires=60)
    families = scrape()
    assert value(families, "plaza_celery_queue_length", queue=idle_queue) == 3
    # The default queue is always watched.
    assert any(labels.get("queue") == "celery"
               for _, labels, _ in families["plaza_celery_queue_length"])
    assert value(families, "plaza_metrics_source_up", source="redis") == 1


def test_with_redis_down_metrics_still_answers_and_says_so(settings):
    with redis_stopped(settings):  # the cache and the broker
        settings.METRICS_REDIS_URL = DEAD
        client = Client()
        before = scrape(client)
        assert client.get("/").status_code == 200  # reads the credits from the cache
        families = scrape(client)
    assert (value(families, "django_cache_get_fail_total", backend="redis")
            > value(before, "django_cache_get_fail_total", backend="redis"))
    assert value(families, "plaza_metrics_source_up", source="redis") == 0
    assert "plaza_celery_queue_length" not in families
    assert "plaza_celery_task_runtime_seconds" not in families
    assert "django_http_requests_total_by_method" in families
    assert "plaza_oldest_queued_seconds" in families  # the database is up


@pytest.mark.parametrize("address", ["203.0.113.5", "10.0.0.7", "::ffff:8.8.8.8", "2001:db8::1"])
@pytest.mark.quality("metrics-exposed")
def test_other_addresses_get_a_404(address):
    response = Client().get("/metrics", REMOTE_ADDR=address)
    assert response.status_code == 404
    assert b"django_http" not in response.content


@pytest.mark.quality("metrics-exposed")
def test_a_forged_x_forwarded_for_is_not_believed(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    forged = {"REMOTE_ADDR": "203.0.113.5", "HTTP_X_FORWARDED_FOR": "127.0.0.1"}
    assert Client().get("/metrics", **forged).status_code == 404
    # Behind one trusted proxy, the client is the address that proxy appended, not the
    # one the client wrote before it.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    behind = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "127.0.0.1, 203.0.113.5"}
    assert Client().get("/metrics", **behind).status_code == 404
    monitor = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.5, 10.1.2.3"}
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert Client().get("/metrics", **monitor).status_code == 200


@pytest.mark.quality("metrics-exposed")
def test_networks_and_a_bearer_token_let_the_monitoring_in(settings):
    settings.METRICS_ALLOWED_IPS = ["192.0.2.0/24", "2001:db8::/32"]
    assert Client().get("/metrics", REMOTE_ADDR="192.0.2.77").status_code == 200
    assert Client().get("/metrics", REMOTE_ADDR="2001:db8::1").status_code == 200
    assert Client().get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404
    settings.METRICS_TOKEN = "s3cret-for-prometheus"
    elsewhere = {"REMOTE_ADDR": "203.0.113.5"}
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-for-prometheus",
                        **elsewhere).status_code == 200
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong",
                        **elsewhere).status_code == 404
    assert Client().get("/metrics", **elsewhere).status_code == 404


@pytest.mark.quality("metrics-exposed")
def test_metrics_is_never_cached_sets_no_cookie_and_takes_no_writes():
    response = Client().get("/metrics")
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert not response.cookies
    assert Client(enforce_csrf_checks=True).post("/metrics").status_code == 405


def test_metrics_is_not_in_the_api_schema():
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert "/metrics" not in schema.content.decode()


class Sent:
    """What Celery's signals carry as their sender: a task, with its name and request."""

    def __init__(self, name: str, *, eager: bool):
        self.name = name
        self.request = SimpleNamespace(is_eager=eager)


@pytest.fixture
def task_name():
    """A task name of this test's own in the workers' hash, removed afterwards."""
    name = f"plaza.test.metrics_{uuid.uuid4().hex[:8]}"
    yield name
    store = task_metrics.client()
    fields = [key for key in store.hkeys(task_metrics.KEY) if key.startswith(name.encode())]
    if fields:
        store.hdel(task_metrics.KEY, *fields)


def test_runtimes_fall_in_their_buckets_and_retries_are_counted(task_name):
    task = Sent(task_name, eager=False)
    for seconds in (0.3, 0.3, 42.0):
        task_metrics.record_run(task_name, seconds)
    signals.task_retry.send(sender=task, request=None, reason="broker hiccup")
    signals.task_failure.send(sender=task, task_id="d", exception=ValueError("bad"))
    families = scrape()
    runtime = "plaza_celery_task_runtime_seconds"
    assert value(families, f"{runtime}_bucket", task=task_name, le="0.25") == 0
    assert value(families, f"{runtime}_bucket", task=task_name, le="0.5") == 2
    assert value(families, f"{runtime}_bucket", task=task_name, le="30.0") == 2
    assert value(families, f"{runtime}_bucket", task=task_name, le="60.0") == 3
    assert value(families, f"{runtime}_bucket", task=task_name, le="+Inf") == 3
    assert value(families, f"{runtime}_count", task=task_name) == 3
    assert value(families, f"{runtime}_sum", task=task_name) == pytest.approx(42.6)
    assert value(families, "plaza_celery_task_retries_total", task=task_name) == 1
    assert value(families, "plaza_celery_task_failures_total", task=task_name) == 1


def test_tasks_run_in_the_calling_process_are_not_counted(task_name):
    eager = Sent(task_name, eager=True)
    signals.task_prerun.send(sender=eager, task_id="e", task=eager)
    signals.task_postrun.send(sender=eager, task_id="e", task=eager)
    signals.task_failure.send(sender=eager, task_id="e", exception=ValueError("bad"))
    assert not [key for key in task_metrics.client().hkeys(task_metrics.KEY)
                if key.startswith(task_name.encode())]
