"""Beat's `reports_requeue_stale` notices a report whose worker died: a `running` report
that no live database session holds is queued again and compiled by the real worker;
one a live worker holds is left alone; one whose worker died on every attempt fails
with the reason instead of looping."""

from __future__ import annotations

from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection

from reports import services
from reports.models import DecisionReport
from reports.tasks import reports_requeue_stale_task
from tests.integration.processes import wait_until
from tests.reports.readback import csv_as_pdf_rows, pdf_ranking

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@contextmanager
def worker_session(report: DecisionReport, attempt: int = 1):
    """A worker's own database session working on `report`: it holds the report's lock
    and has claimed it, as `report_compile` does. Leaving the block ends the session
    as the death of its worker (SIGKILL, a lost host) would: PostgreSQL drops the lock."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    session = psycopg.connect(**params, autocommit=True)
    try:
        session.execute("SELECT pg_advisory_lock_shared(%s, %s)",
                        [services.REPORT_LOCK, report.pk])
        session.execute("UPDATE reports_decisionreport SET status = 'running', attempt = %s, "
                        "started_at = now() WHERE id = %s", [attempt, report.pk])
        yield session
    finally:
        session.close()


@pytest.mark.quality("worker-killed")
def test_a_report_left_running_by_a_dead_worker_is_compiled_again(worker, council):
    report = services.report_request(project=council["project"], enqueue=False)
    with worker_session(report):
        pass  # the worker died mid-report: status running, and nobody holds it
    assert DecisionReport.objects.get(pk=report.pk).status == "running"
    # Beat sends the job; the worker runs it, finds the orphan and publishes it again.
    published = reports_requeue_stale_task.apply_async(ignore_result=False).get(timeout=30)
    assert published == 1

    def finished():
        return DecisionReport.objects.get(pk=report.pk).finished

    wait_until(finished, timeout=120, what="the worker to compile the requeued report")
    report.refresh_from_db()
    assert report.status == "succeeded", report.message
    assert report.attempt == 2
    assert pdf_ranking(report) == csv_as_pdf_rows(report)


def test_a_report_a_live_worker_holds_is_left_alone_however_long_it_runs(council):
    report = services.report_request(project=council["project"], enqueue=False)
    with worker_session(report):
        DecisionReport.objects.filter(pk=report.pk).update(
            created_at="2000-01-01T00:00Z", started_at="2000-01-01T00:00Z")
        assert services.report_reap() == []
        assert reports_requeue_stale_task(minutes=0) == 0
        row = DecisionReport.objects.get(pk=report.pk)
        assert (row.status, row.attempt) == ("running", 1)


@pytest.mark.quality("worker-killed")
def test_a_report_whose_worker_died_on_every_attempt_fails_with_the_reason(council):
    report = services.report_request(project=council["project"], enqueue=False)
    with worker_session(report, attempt=services.MAX_ATTEMPTS):
        pass
    assert reports_requeue_stale_task() == 0
    report.refresh_from_db()
    assert report.status == "failed"
    assert f"stopped {services.MAX_ATTEMPTS} times" in report.message
    assert report.finished_at is not None and not report.pdf


def test_a_redelivery_after_the_last_attempt_fails_the_report_instead_of_running_it(council):
    report = services.report_request(project=council["project"], enqueue=False)
    DecisionReport.objects.filter(pk=report.pk).update(status="running",
                                                       attempt=services.MAX_ATTEMPTS)
    assert services.report_compile(report_id=report.pk) == "failed"
    report.refresh_from_db()
    assert report.attempt == services.MAX_ATTEMPTS and "stopped" in report.message


def test_a_compiling_delivery_holds_its_report_against_the_reaper(council):
    report = services.report_request(project=council["project"], enqueue=False)
    seen = []

    def reap_from_beat():
        # Beat's job, in its own session, while this delivery is mid-report.
        import threading

        def run():
            try:
                seen.append(services.report_reap())
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(30)

    services.report_compile(report_id=report.pk, after_snapshot=reap_from_beat)
    assert seen == [[]]
    report.refresh_from_db()
    assert (report.status, report.attempt) == ("succeeded", 1)
