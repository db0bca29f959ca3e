"""Imports run by a real worker: killed mid-way and retried, or delivered twice."""

import os
import signal
import struct
from pathlib import Path

import numpy as np
import pyogrio
import pytest
from django.core.files import File
from django.db import connection, transaction

from gisdata.imports import services
from gisdata.models import Feature, ImportRun
from gisdata.tasks import import_run_execute_task
from tests.integration.holds import Hold, held
from tests.integration.processes import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def points_gpkg(path: Path, n: int) -> Path:
    """A GeoPackage of n points in Barcelona, made at test time."""
    rng = np.random.default_rng(7)
    xs, ys = rng.uniform(2.05, 2.23, n), rng.uniform(41.32, 41.47, n)
    wkb = np.array([struct.pack("<BIdd", 1, 1, x, y) for x, y in zip(xs, ys, strict=True)],
                   dtype=object)
    pyogrio.raw.write(str(path), wkb, [np.arange(n, dtype="int64")], ["n"],
                      layer="points", driver="GPKG", geometry_type="Point", crs="EPSG:4326")
    return path


def start(path: Path) -> ImportRun:
    with open(path, "rb") as handle, transaction.atomic():
        dataset = services.dataset_create(name=path.stem, source_file=File(handle,
                                                                           name=path.name))
        return services.import_start(dataset=dataset)


def pool_children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children]


def staging_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'gisdata_stage_%'")
        return [name for (name,) in cursor.fetchall()]


# An attempt held at its first progress report (its first batch loaded, GISDATA_IMPORT_BATCH)
# has not swapped anything in when its worker is killed.
POINTS = 50_000


def first_chunk_staged(attempt: int) -> str:
    """The hold's condition: `attempt` reports its first rows staged."""
    return (f"NEW.attempt = {attempt} AND NEW.status = 'running' "
            f"AND OLD.progress_done = 0 AND NEW.progress_done > 0")


def run_ended(run: ImportRun) -> str | None:
    """How the run ended, or None while it goes on."""
    row = ImportRun.objects.get(pk=run.pk)
    if row.status in ("succeeded", "failed"):
        return f"import {row.pk} {row.status} at attempt {row.attempt} {row.message}".strip()
    return None


def kill_at_hold(worker, run: ImportRun, hold: Hold, attempt: int) -> None:
    """Wait until `attempt` of `run` stands at `hold` with its first rows staged, then
    SIGKILL the pool process running it, as the kernel's OOM killer would. The worker
    gives the task back (acks_late + reject_on_worker_lost) and it is delivered again
    once the hold lets the dead session go."""
    hold.reached(f"attempt {attempt} of import {run.pk}", ended=lambda: run_ended(run))
    row = ImportRun.objects.get(pk=run.pk)
    assert (row.status, row.attempt, row.progress_done) == ("running", attempt, 0)
    assert staging_tables() == [f"gisdata_stage_{run.pk}_{attempt}_0"]
    for child in pool_children(worker.pid):
        os.kill(child, signal.SIGKILL)


@pytest.mark.quality("worker-killed")
def test_a_worker_killed_mid_import_is_retried_without_duplicates(worker, tmp_path, trigger):
    path = points_gpkg(tmp_path / "points.gpkg", POINTS)
    # The first attempt stops where it reports its first rows staged, and stays there
    # until its worker is killed: the kill lands mid-import however fast or loaded the
    # machine.
    with held(trigger, "gisdata_importrun", first_chunk_staged(attempt=1)) as hold:
        run = start(path)
        kill_at_hold(worker, run, hold, attempt=1)

    def finished():
        return ImportRun.objects.get(pk=run.pk).status in ("succeeded", "failed")

    wait_until(finished, timeout=180, what="the retried import to finish")
    run.refresh_from_db()
    assert run.status == "succeeded", run.message
    assert run.attempt == 2
    assert Feature.objects.count() == run.imported_count == POINTS
    assert staging_tables() == []


@pytest.mark.quality("delivered-twice")
def test_the_same_import_task_delivered_twice_imports_one_copy(worker, tmp_path):
    run = start(points_gpkg(tmp_path / "few.gpkg", 1000))
    import_run_execute_task.delay(run.pk)  # a duplicate delivery of the task import_start published

    def finished():
        return ImportRun.objects.get(pk=run.pk).status == "succeeded"

    wait_until(finished, timeout=60, what="the import to finish")
    # Let the duplicate run out: a ping queued behind it is answered after it.
    from config.celery import ping_task

    assert ping_task.delay().get(timeout=30) == "pong"
    assert Feature.objects.count() == 1000
    assert ImportRun.objects.get(pk=run.pk).imported_count == 1000
