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

from gisdata import services
from gisdata.models import Feature, ImportRun
from gisdata.tasks import import_run
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


@pytest.mark.quality("worker-killed")
def test_a_worker_killed_mid_import_is_retried_without_duplicates(worker, tmp_path):
    run = start(points_gpkg(tmp_path / "points.gpkg", 200_000))

    def staging():
        row = ImportRun.objects.get(pk=run.pk)
        return row.status == "running" and row.progress_done > 0

    wait_until(staging, timeout=60, what="the import to start staging rows")
    # SIGKILL the pool process running the task, as the kernel's OOM killer would: the
    # worker re-queues the task (acks_late + reject_on_worker_lost) and runs it again.
    for child in pool_children(worker.pid):
        os.kill(child, signal.SIGKILL)

    def finished():
        return ImportRun.objects.get(pk=run.pk).status in ("succeeded", "failed")

    wait_until(finished, timeout=180, what="the retried import to finish")
    run.refresh_from_db()
    assert run.status == "succeeded", run.message
    assert run.attempt >= 2
    assert Feature.objects.count() == run.imported_count == 200_000
    assert staging_tables() == []


@pytest.mark.quality("delivered-twice")
def test_the_same_import_task_delivered_twice_imports_one_copy(worker, tmp_path):
    run = start(points_gpkg(tmp_path / "few.gpkg", 1000))
    import_run.delay(run.pk)  # a duplicate delivery of the task import_start published

    def finished():
        return ImportRun.objects.get(pk=run.pk).status == "succeeded"

    wait_until(finished, timeout=60, what="the import to finish")
    # Let the duplicate run out: a ping queued behind it is answered after it.
    from config.celery import ping

    assert ping.delay().get(timeout=30) == "pong"
    assert Feature.objects.count() == 1000
    assert ImportRun.objects.get(pk=run.pk).imported_count == 1000
