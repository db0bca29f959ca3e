"""Faults of the services underneath, with the real PostgreSQL and a dead Redis port.

QUALITY.md, "Workers, broker, database": the request answers within a bound, what
must commit commits, nothing half-done stays.
"""

import threading
import time
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import OperationalError, connection, connections, transaction
from psycopg.errors import QueryCanceled
from rest_framework.test import APIClient

from accounts.models import ClaimStatus
from gisdata.imports import services as gisdata_services
from gisdata.models import Feature, ImportRun
from gisdata.tasks import imports_requeue_stale_task
from proposals.models import Proposal
from tests.factories import claim_make, project_make, proposal_make, role_make, user_make
from tests.integration.processes import wait_until
from voting.models import Vote

pytestmark = pytest.mark.integration
DEAD = "redis://127.0.0.1:9/0"  # the discard port: nothing listens, connects are refused
FOUNTAINS = (b'{"type": "FeatureCollection", "features": ['
             b'{"type": "Feature", "properties": {"name": "Canaletes"}, '
             b'"geometry": {"type": "Point", "coordinates": [2.1686, 41.3852]}}, '
             b'{"type": "Feature", "properties": {"name": "Font M\xc3\xa0gica"}, '
             b'"geometry": {"type": "Point", "coordinates": [2.1517, 41.3712]}}]}')


@contextmanager
def redis_stopped(settings):
    """Cache and broker point at a port where nothing listens, until the block ends."""
    from config.celery import app

    live = settings.CACHES
    settings.CACHES = {"default": {**live["default"], "LOCATION": DEAD}}
    cache.close()
    old = app.conf.broker_url
    app.conf.broker_url = DEAD
    _pools_reset(app)  # the next publish connects anew, to the dead broker
    try:
        yield
    finally:
        app.conf.broker_url = old
        _pools_reset(app)
        settings.CACHES = live
        cache.close()


@pytest.fixture
def redis_down(settings):
    with redis_stopped(settings):
        yield


def _pools_reset(app):
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
@pytest.mark.quality("redis-down")
def test_a_vote_cast_while_redis_is_down_commits_in_bounded_time(redis_down, planner):
    resident = role_make("resident", "1")  # before voting opens: then its weight counts
    project = project_make("vote-now", phase="voting")
    proposal = proposal_make(project, user_make("author"))
    voter = user_make("voter")
    claim_make(voter, resident, status=ClaimStatus.VERIFIED, decided_by=planner)
    client = APIClient()
    client.force_authenticate(voter)
    started = time.monotonic()
    response = client.post(f"/api/v1/proposals/{proposal.pk}/vote/", {"value": "support"},
                           format="json")
    assert time.monotonic() - started < 15
    assert response.status_code in (200, 201), response.content
    assert Vote.objects.filter(proposal=proposal, user=voter, value=1).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.quality("redis-down")
def test_an_import_started_while_redis_is_down_waits_as_queued(redis_down, planner):
    dataset = gisdata_services.dataset_create(
        name="Fountains", user=planner, source_file=ContentFile(
            b'{"type": "FeatureCollection", "features": []}', name="f.geojson"))
    started = time.monotonic()
    with transaction.atomic():
        run = gisdata_services.import_start(dataset=dataset, user=planner)
    assert time.monotonic() - started < 30
    # Saved, and still queued: beat's `imports_requeue_stale` publishes it again later.
    assert ImportRun.objects.get(pk=run.pk).status == "queued"


@pytest.mark.django_db(transaction=True)
@pytest.mark.quality("redis-down")
def test_an_import_queued_while_redis_was_down_runs_when_it_returns(worker, settings,
                                                                    planner):
    dataset = gisdata_services.dataset_create(
        name="Fountains", user=planner, source_file=ContentFile(FOUNTAINS, name="f.geojson"))
    with redis_stopped(settings), transaction.atomic():
        run = gisdata_services.import_start(dataset=dataset, user=planner)
    assert ImportRun.objects.get(pk=run.pk).status == "queued"
    # Redis is back: beat's next `imports_requeue_stale` (every few minutes; here with
    # no age limit) publishes the run again, and the worker imports it.
    assert imports_requeue_stale_task(minutes=0) == 1

    def finished():
        return ImportRun.objects.get(pk=run.pk).status in ("succeeded", "failed")

    wait_until(finished, timeout=60, what="the worker to run the requeued import")
    run.refresh_from_db()
    assert run.status == "succeeded", run.message
    assert run.imported_count == 2 and Feature.objects.filter(layer__dataset=dataset).count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.quality("connection-killed")
def test_a_connection_killed_mid_transaction_leaves_no_partial_rows(planner):
    project = project_make("kill")
    author = user_make("author")
    pid = connection.cursor().connection.info.backend_pid
    killer_done = threading.Event()

    def kill():
        with connections["default"].temporary_connection() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        connections.close_all()
        killer_done.set()

    with pytest.raises(OperationalError):
        with transaction.atomic():
            proposal_make(project, author, title="First of two")
            thread = threading.Thread(target=kill)
            thread.start()
            killer_done.wait(10)
            proposal_make(project, author, title="Second of two")
    thread.join()
    connection.close()  # Django reconnects on the next query
    assert not Proposal.objects.filter(project=project).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.quality("connection-killed")
def test_a_heavy_spatial_query_is_cut_by_the_statement_timeout():
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = '200ms'")
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        # The bound in force is this one, not the 30 s default: the cancellation below is
        # this timeout's (a clock would only add a flaky guess to it; nothing here sends
        # a cancel request).
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("200ms",)
        with pytest.raises(OperationalError) as caught, transaction.atomic():
            cursor.execute("""SELECT count(*) FROM generate_series(1, 3000) a,
                                     generate_series(1, 3000) b
                               WHERE ST_Intersects(ST_Buffer(ST_MakePoint(a, b), 1, 32),
                                                   ST_MakePoint(b, a))""")
        # When the timeout strikes inside a GEOS call, PostGIS stops GEOS and reports the
        # cancellation in its own words ("due to user request"); in PostgreSQL's own
        # work the same timeout says "statement timeout". Both are QueryCanceled.
        assert isinstance(caught.value.__cause__, QueryCanceled)
        with pytest.raises(OperationalError) as plain, transaction.atomic():
            cursor.execute("SELECT pg_sleep(60)")
        assert isinstance(plain.value.__cause__, QueryCanceled)
        assert "statement timeout" in str(plain.value)


@pytest.mark.quality("connection-killed")
def test_the_default_statement_timeout_bounds_every_connection():
    from django.conf import settings

    assert "statement_timeout=30000" in settings.DATABASES["default"]["OPTIONS"]["options"]
