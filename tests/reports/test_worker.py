"""Reports compiled by the real Celery worker: asked for in a transaction, published
after commit, compiled, compiled again when the worker is killed mid-way, and waited for
by `compile_report --wait`."""

from __future__ import annotations

import io
import os
import signal
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import transaction

from reports import services
from reports.models import DecisionReport
from reports.tasks import report_compile_task
from tests.integration.holds import held
from tests.integration.processes import wait_until
from tests.integration.test_import_worker import pool_children
from tests.reports.readback import csv_as_pdf_rows, pdf_ranking

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.mark.quality("publish-on-commit")
def test_the_worker_compiles_a_report_asked_for_in_a_transaction(worker, council, districts,
                                                                 planner):
    with transaction.atomic():
        report = services.report_request(project=council["project"], user=planner,
                                         district_layer=districts)
    seen = []  # (status, pages drawn) at each look, while the worker compiles it

    def finished():
        row = DecisionReport.objects.get(pk=report.pk)
        seen.append((row.status, row.progress_done))
        return row.finished

    wait_until(finished, timeout=120, interval=0.02, what="the worker to compile the report")
    report.refresh_from_db()
    assert report.status == "succeeded", report.message
    assert report.attempt == 1 and report.progress_done == report.progress_total > 1
    # Queued until the worker claims it, running while it draws, then succeeded: each
    # status once and in that order (no failure, no second claim), and the progress a
    # planner watches only goes forward.
    statuses = [status for i, (status, _) in enumerate(seen) if i == 0 or seen[i - 1][0] != status]
    assert statuses in (["queued", "running", "succeeded"], ["running", "succeeded"]), seen
    drawn = [done for status, done in seen if status == "running"]
    assert drawn == sorted(drawn), seen
    assert pdf_ranking(report) == csv_as_pdf_rows(report)


def test_compile_report_waits_for_the_worker_and_prints_the_paths(worker, council):
    out = io.StringIO()
    call_command("compile_report", council["project"].slug, "--wait", "--timeout", "120",
                 stdout=out, stderr=io.StringIO())
    paths = [Path(line) for line in out.getvalue().splitlines()[1:]]
    assert [p.suffix for p in paths] == [".pdf", ".csv", ".geojson"]
    assert all(p.is_file() for p in paths)


@pytest.mark.quality("worker-killed")
def test_a_worker_killed_mid_report_is_compiled_again_by_the_redelivery(worker, council,
                                                                        trigger):
    report = services.report_request(project=council["project"], enqueue=False)
    # The first attempt stops where it records its first map drawn, and stays there until
    # its worker is killed: the kill lands mid-report however fast or loaded the machine.
    with held(trigger, "reports_decisionreport",
              "NEW.attempt = 1 AND NEW.status = 'running' AND NEW.progress_done = 2 "
              "AND OLD.progress_done < 2") as hold:
        with transaction.atomic():
            transaction.on_commit(lambda: report_compile_task.delay(report.pk))
        hold.reached("the worker drawing the report")
        row = DecisionReport.objects.get(pk=report.pk)
        assert (row.status, row.attempt, row.progress_done) == ("running", 1, 1)
        # SIGKILL the pool process compiling it, as the kernel's OOM killer would: the
        # task was not acknowledged (acks_late), so the worker gives it back and runs it
        # again.
        for child in pool_children(worker.pid):
            os.kill(child, signal.SIGKILL)

    def finished():
        return DecisionReport.objects.get(pk=report.pk).finished

    wait_until(finished, timeout=120, what="the redelivered report to finish")
    report.refresh_from_db()
    assert report.status == "succeeded", report.message
    assert report.attempt == 2
    assert pdf_ranking(report) == csv_as_pdf_rows(report)
    folder = Path(storages["private"].path(f"reports/{report.project_id}/{report.pk}"))
    assert {p.parent.name for p in folder.rglob("*") if p.is_file()} == {"2"}
