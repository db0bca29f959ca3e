"""Redis down, for reports (docs/reports.md: the request succeeds, the report stays
queued, and beat's `reports_requeue_stale` publishes it once Redis is back).

Redis is made unreachable the way tests/integration/test_faults.py does it for imports:
cache and broker point at a port where nothing listens."""

import time

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from reports.models import DecisionReport
from reports.tasks import reports_requeue_stale_task
from tests.integration.processes import wait_until
from tests.integration.test_faults import redis_stopped
from tests.reports.readback import csv_as_pdf_rows, pdf_ranking

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
BOUND = 15  # seconds: the broker's connect timeout and publish retries, with room


@pytest.mark.quality("redis-down")
def test_a_report_asked_for_while_redis_is_down_waits_queued_and_runs_when_it_returns(
        worker, settings, council, planner):
    project = council["project"]
    client = Client()
    client.force_login(planner)
    with redis_stopped(settings):
        started = time.monotonic()
        response = client.post(reverse("dashboard:report-compile", args=[project.slug]), {})
        assert time.monotonic() - started < BOUND
        assert response.status_code == 302, response.content[:2000]
        page = client.get(response["Location"])
    report = DecisionReport.objects.get(project=project)
    assert report.status == "queued" and report.attempt == 0
    # The planner sees the report, and sees it waiting.
    assert "Queued — 0 %" in page.content.decode()

    # Redis is back: beat's next run (here with no age limit) publishes it again.
    assert reports_requeue_stale_task(minutes=0) == 1

    def finished():
        return DecisionReport.objects.get(pk=report.pk).finished

    wait_until(finished, timeout=120, what="the worker to compile the queued report")
    report.refresh_from_db()
    assert report.status == "succeeded", report.message
    assert report.attempt == 1  # it ran once
    assert pdf_ranking(report) == csv_as_pdf_rows(report)


@pytest.mark.quality("redis-down")
def test_a_report_asked_for_through_the_api_while_redis_is_down_answers_queued(
        settings, council, planner):
    api = APIClient()
    api.force_authenticate(planner)
    with redis_stopped(settings):
        started = time.monotonic()
        response = api.post(f"/api/v1/projects/{council['project'].pk}/reports/", {},
                            format="json")
        assert time.monotonic() - started < BOUND
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "queued"
    assert DecisionReport.objects.get(pk=response.json()["id"]).status == "queued"
