"""An import run always ends, with the real worker: killed, stopped, or hit by errors.

The worker is the session's real Celery worker (tests/conftest.py); faults are real:
SIGKILL of its pool process, SIGSTOP of the whole worker while PostgreSQL drops its
session (a host that vanished), triggers that raise or sleep in the database, a soft
time limit. Where a fault must land at a given point of the work, a trigger holds the
worker's session there until the test has struck (tests/integration/holds.py): no test
counts on the worker being slow or fast. tests/gisdata/test_run_lifecycle.py covers the
same rules in-process.
"""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files import File
from django.db import connection, transaction

from gisdata.imports import runs, services
from gisdata.models import Feature, ImportRun, Layer
from gisdata.tasks import import_run_execute_task, imports_requeue_stale_task
from tests.integration.holds import held, session_ended
from tests.integration.processes import ROOT, process_env, wait_until
from tests.integration.test_import_worker import (
    POINTS,
    first_chunk_staged,
    kill_at_hold,
    points_gpkg,
    run_ended,
    staging_tables,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def start(path: Path, attempts_before: int = 0) -> ImportRun:
    with open(path, "rb") as handle, transaction.atomic():
        dataset = services.dataset_create(name=path.stem, source_file=File(handle,
                                                                           name=path.name))
        run = services.import_start(dataset=dataset)
        # As if earlier workers had died on it: the task is published after this commits.
        ImportRun.objects.filter(pk=run.pk).update(attempt=attempts_before)
        return run


def ended(run: ImportRun, timeout: float = 180) -> ImportRun:
    def final():
        return ImportRun.objects.get(pk=run.pk).status in ("succeeded", "failed")

    wait_until(final, timeout=timeout, what=f"import {run.pk} to end")
    run.refresh_from_db()
    return run


def scratch_of(run: ImportRun) -> list[str]:
    root = runs.scratch_root()  # the worker's: the same database, so the same folder
    return [p.name for p in root.glob(f"run-{run.pk}-*")] if root.exists() else []


def worker_log(worker) -> str:
    return Path(os.readlink(f"/proc/{worker.pid}/fd/1")).read_text()


# The swap's last write (the dataset's new version), where a long import builds its
# layers for minutes without a word of progress.
SWAP = ("gisdata_dataset", "NEW.version <> OLD.version")


# ------------------------------------------------------------------ killed workers


@pytest.mark.quality("no-run-stays-running")
def test_a_worker_killed_mid_import_ends_succeeded_on_redelivery_leaving_nothing(
        worker, tmp_path, trigger):
    path = points_gpkg(tmp_path / "points.gpkg", POINTS)
    with held(trigger, "gisdata_importrun", first_chunk_staged(attempt=1)) as hold:
        run = start(path)
        kill_at_hold(worker, run, hold, attempt=1)

    run = ended(run)
    assert run.status == "succeeded", run.message
    assert run.attempt == 2 and Feature.objects.count() == POINTS
    assert staging_tables() == [] and scratch_of(run) == []


@pytest.mark.quality("no-run-stays-running")
def test_a_worker_killed_on_the_last_attempt_ends_the_run_failed_with_the_reason(
        worker, tmp_path, trigger):
    path = points_gpkg(tmp_path / "points.gpkg", POINTS)
    with held(trigger, "gisdata_importrun", first_chunk_staged(attempt=3)) as hold:
        run = start(path, attempts_before=2)
        # The broker delivers the task again: the fourth delivery refuses.
        kill_at_hold(worker, run, hold, attempt=3)

    run = ended(run)
    assert run.status == "failed"
    assert run.message.startswith("The worker running this import stopped 3 times before "
                                  "it could finish, so it was not tried again.")
    assert not Feature.objects.exists() and not Layer.objects.exists()
    assert staging_tables() == [] and scratch_of(run) == []


# ------------------------------------------------------------------ errors in the worker


@pytest.mark.quality("unforeseen-import-error")
def test_an_unexpected_database_error_fails_the_run_with_a_reference_to_the_workers_log(
        worker, tmp_path, trigger):
    trigger("gisdata_dataset", "NEW.version <> OLD.version",
            "RAISE EXCEPTION 'Polygon must have at least four points in each ring' "
            "USING ERRCODE = 'XX000'")
    run = ended(start(points_gpkg(tmp_path / "points.gpkg", 1000)))

    assert run.status == "failed"
    found = re.fullmatch(r"The import stopped on an unexpected error \(reference: ([\w-]+)\)\. "
                         r"Nothing was changed; the operators can find the details in the "
                         r"worker's log\.", run.message)
    assert found, run.message
    reference = found.group(1)
    log = worker_log(worker)
    line = next((line for line in log.splitlines() if f"task_id={reference}" in line
                 and "unexpected error" in line), None)
    assert line, "no log line with the reference"
    assert "four points in each ring" in log.split(line, 1)[1]  # its traceback follows
    assert not Feature.objects.exists() and not Layer.objects.exists()
    assert staging_tables() == [] and scratch_of(run) == []


@pytest.mark.quality("unforeseen-import-error")
def test_a_run_past_its_soft_time_limit_ends_failed_saying_so(worker, tmp_path, trigger):
    # Each progress report sleeps in the database: the limit strikes mid-statement.
    trigger("gisdata_importrun", "NEW.progress_done > 0 AND NEW.status = 'running'",
            "PERFORM pg_sleep(4)")
    path = points_gpkg(tmp_path / "points.gpkg", 1000)
    with open(path, "rb") as handle:
        dataset = services.dataset_create(name="Points", source_file=File(handle,
                                                                          name=path.name))
    run = ImportRun.objects.create(dataset=dataset)  # published below, with a short limit

    import_run_execute_task.apply_async((run.pk,), soft_time_limit=1)

    run = ended(run, timeout=60)
    assert run.status == "failed"
    assert run.message.startswith("The import took longer than the workers allow")
    assert not Feature.objects.exists()
    assert staging_tables() == [] and scratch_of(run) == []


# ------------------------------------------------------------------ beat's reaper


@pytest.mark.quality("no-run-stays-running")
def test_the_reaper_leaves_a_live_import_alone_during_a_long_silent_step(
        worker, tmp_path, trigger):
    path = points_gpkg(tmp_path / "points.gpkg", 1000)
    # The worker stands in the swap, silent, for as long as the reaper takes to look.
    with held(trigger, *SWAP) as hold:
        run = start(path)
        hold.reached("the worker swapping the layers in", ended=lambda: run_ended(run))

        assert imports_requeue_stale_task() == 0

        row = ImportRun.objects.get(pk=run.pk)
        assert (row.status, row.attempt) == ("running", 1)

    run = ended(run)
    assert run.status == "succeeded" and run.attempt == 1


@pytest.mark.quality("no-run-stays-running")
def test_the_reaper_requeues_an_import_whose_worker_vanished(worker, tmp_path, trigger):
    path = points_gpkg(tmp_path / "points.gpkg", 1000)
    try:
        with held(trigger, *SWAP) as hold:
            run = start(path)
            backend = hold.reached("the worker swapping the layers in",
                                   ended=lambda: run_ended(run))
            # The worker's host vanishes: its processes stop answering, and PostgreSQL
            # (by TCP keepalive, here at once) drops its session and the run's lock with
            # it.
            os.killpg(worker.pid, signal.SIGSTOP)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [backend])
            wait_until(lambda: session_ended(backend), timeout=30,
                       what="the worker's session to end")

            assert imports_requeue_stale_task() == 1

            assert ImportRun.objects.get(pk=run.pk).status == "queued"
        # The hold is gone before the worker comes back: the next attempt swaps freely.
    finally:
        os.killpg(worker.pid, signal.SIGCONT)  # it comes back: its old attempt is void

    run = ended(run)
    assert run.status == "succeeded", run.message
    assert run.attempt == 2 and Feature.objects.count() == run.imported_count == 1000
    assert staging_tables() == [] and scratch_of(run) == []


# ------------------------------------------------------------------ import_dataset --wait


def command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", "import_dataset", *args, "--wait"],
                          cwd=ROOT, env=process_env(), capture_output=True, text=True,
                          timeout=180)


@pytest.mark.quality("wait-timeout")
def test_wait_gives_up_after_its_timeout_saying_what_it_last_saw(worker, tmp_path, trigger):
    path = points_gpkg(tmp_path / "points.gpkg", 1000)
    # The import cannot end while the command waits: it stands at its first progress.
    with held(trigger, "gisdata_importrun", first_chunk_staged(attempt=1)):
        result = command(str(path), "--timeout", "2")

    assert result.returncode != 0
    # Most likely "running, 0/1000 features staged, attempt 1, last sign of life …"; on a
    # slow machine the worker may not have taken it yet.
    assert re.search(r"did not end within 2 s; last seen (queued|running), \d+/\d+ features "
                     r"staged, attempt [01], (last|no) sign of life", result.stderr), \
        result.stderr
    ended(ImportRun.objects.get())  # the import itself goes on, and ends


@pytest.mark.quality("wait-timeout")
def test_wait_exits_non_zero_with_the_reason_when_the_import_fails(worker, tmp_path):
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')

    result = command(str(broken), "--timeout", "120")

    assert result.returncode != 0
    assert f"Import {ImportRun.objects.get().pk} failed: " in result.stderr
    assert ImportRun.objects.get().status == "failed"


@pytest.mark.quality("wait-timeout")
def test_wait_refuses_a_timeout_that_would_not_end(tmp_path):
    result = command(str(tmp_path / "any.gpkg"), "--timeout", "inf")
    assert result.returncode != 0 and "invalid positive_seconds value" in result.stderr
