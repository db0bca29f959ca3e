"""An import run always ends: errors of any kind, workers that die, what they leave.

The import runs here, in the test process (`import_run_execute`, what the worker
calls); faults are real (a trigger that raises in the database, a database session that
holds a run's lock and then goes away). tests/integration/test_import_faults.py does the
same with the real worker, killed or stopped.
"""

import json
import logging
from datetime import timedelta

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from gisdata.imports import runs, services
from gisdata.models import Feature, ImportRun, Layer
from tests.integration.processes import test_database_url as database_url

pytestmark = pytest.mark.django_db(transaction=True)
FOUNTAINS = json.dumps({"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"name": name},
     "geometry": {"type": "Point", "coordinates": [x, y]}}
    for name, x, y in [("Canaletes", 2.1686, 41.3852), ("Font Màgica", 2.1517, 41.3712),
                       ("Cascada", 2.1873, 41.3888)]]}).encode()


@pytest.fixture(autouse=True)
def scratch_root(settings, tmp_path):
    """Each test sees only the scratch folders and staging tables it made."""
    settings.GISDATA_SCRATCH_ROOT = tmp_path / "scratch"
    yield
    with connection.cursor() as cursor:  # the flush after each test leaves these
        for name in staging_tables():
            cursor.execute(f'DROP TABLE "{name}"')


@pytest.fixture(autouse=True)
def unpublished(monkeypatch):
    """Runs are executed here, by the test: in tests that commit, the session's real
    worker (if another test started it) must not take them as well."""
    from gisdata import tasks

    monkeypatch.setattr(tasks.import_run_execute_task, "delay_on_commit",
                        lambda *args, **kwargs: None)


@pytest.fixture
def worker_session():
    """A second database session, as a worker's would be: it can hold a run's lock,
    and die (close) with it."""
    session = psycopg.connect(database_url().replace("postgis://", "postgresql://"),
                              autocommit=True)
    yield session
    session.close()


def hold_as_worker(session, run_id: int) -> None:
    session.execute("SELECT pg_advisory_lock(%s, %s)", [runs.RUN_LOCK, run_id])


def start(content: bytes = FOUNTAINS, name: str = "fountains.geojson", dataset=None):
    if dataset is None:
        dataset = services.dataset_create(name="Fountains",
                                          source_file=ContentFile(content, name=name))
    with transaction.atomic():
        return services.import_start(dataset=dataset)


def execute(run: ImportRun, reference: str = "") -> ImportRun:
    services.import_run_execute(run_id=run.pk, reference=reference)
    run.refresh_from_db()
    return run


def staging_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'gisdata_stage_%'")
        return [name for (name,) in cursor.fetchall()]


def partition_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'gisdata_feature_l%'")
        return sorted(name for (name,) in cursor.fetchall())


def scratch_folders() -> list[str]:
    root = runs.scratch_root()
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def dead_attempt(run: ImportRun, attempt: int) -> None:
    """What a worker killed during `attempt` leaves: the run `running`, silent for long,
    a staging table and a scratch folder with a download in it."""
    ImportRun.objects.filter(pk=run.pk).update(
        status="running", attempt=attempt, heartbeat_at=timezone.now() - timedelta(hours=2))
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE UNLOGGED TABLE "gisdata_stage_{run.pk}_{attempt}_0" (n int)')
    folder = runs.scratch_root() / f"run-{run.pk}-{attempt}"
    folder.mkdir(parents=True)
    (folder / "download").write_bytes(b"half a file")


# ------------------------------------------------------------------ unexpected errors


@pytest.mark.quality("unforeseen-import-error")
def test_a_database_error_inside_the_swap_fails_the_run_and_leaves_the_layers_as_they_were(
        trigger, caplog):
    first = execute(start())
    assert first.status == "succeeded", first.message
    layer = Layer.objects.get()
    partitions_before = partition_tables()
    # The error a GeoPackage of invalid polygons raised in the worker, at the swap's end.
    trigger("gisdata_dataset", "NEW.version <> OLD.version",
            "RAISE EXCEPTION 'Polygon must have at least four points in each ring' "
            "USING ERRCODE = 'XX000'")
    again = start(dataset=first.dataset)

    with caplog.at_level(logging.ERROR, logger="gisdata.imports.runs"):
        run = execute(again, reference="task-5f1c")

    assert run.status == "failed"
    assert run.message == ("The import stopped on an unexpected error (reference: "
                           "task-5f1c). Nothing was changed; the operators can find the "
                           "details in the worker's log.")
    assert run.finished_at is not None
    logged = [r for r in caplog.records if "task-5f1c" in r.getMessage()]
    assert logged and "four points in each ring" in str(logged[0].exc_info[1])
    assert Layer.objects.get().version == layer.version
    assert Feature.objects.filter(layer=layer).count() == 3
    assert partition_tables() == partitions_before  # no new partition left half built
    assert staging_tables() == []
    assert not [f for f in scratch_folders() if f.startswith(f"run-{run.pk}-")]


@pytest.mark.quality("unforeseen-import-error")
def test_a_database_error_while_staging_fails_the_run_and_drops_its_staging_table(trigger):
    trigger("gisdata_importrun", "NEW.progress_done > 0 AND NEW.status = 'running'",
            "RAISE EXCEPTION 'invalid input syntax' USING ERRCODE = '22P02'")

    run = execute(start())

    assert run.status == "failed"
    assert run.message.startswith("The import stopped on an unexpected error (reference: "
                                  f"import-{run.pk}-1)")
    assert staging_tables() == []
    assert not Layer.objects.exists() and not Feature.objects.exists()
    assert not [f for f in scratch_folders() if f.startswith(f"run-{run.pk}-")]


@pytest.mark.quality("unforeseen-import-error")
def test_running_out_of_memory_or_time_is_told_as_such_not_as_an_unexplained_error():
    from celery.exceptions import SoftTimeLimitExceeded

    memory = runs.unexpected_message(MemoryError(), "task-1")
    assert "ran out of memory" in memory and "task-1" not in memory
    time_limit = runs.unexpected_message(SoftTimeLimitExceeded(), "task-1")
    assert "longer than the workers allow" in time_limit
    other = runs.unexpected_message(UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad"), "t-2")
    assert "unexpected error (reference: t-2)" in other and "utf-8" not in other


# ------------------------------------------------------------------ bounded attempts


@pytest.mark.quality("no-run-stays-running")
def test_a_delivery_after_the_last_attempt_fails_the_run_instead_of_running_it():
    run = start()
    dead_attempt(run, 3)

    run = execute(run)

    assert run.status == "failed" and run.attempt == 3
    assert run.message.startswith("The worker running this import stopped 3 times before "
                                  "it could finish, so it was not tried again.")
    assert not Feature.objects.exists()
    assert staging_tables() == [] and scratch_folders() == []


def test_the_delivery_that_gives_up_removes_what_the_last_attempt_left(monkeypatch):
    """The host's sweep can run while the killed attempt's session still lives (it is
    then left alone); the session dies, this delivery takes the run and gives up: it
    removes the staging table itself, rather than leave it for beat's reaper."""
    run = start()
    dead_attempt(run, 3)
    monkeypatch.setattr(runs, "sweep", lambda: None)  # the sweep saw the session alive

    run = execute(run)

    assert run.status == "failed" and run.attempt == 3
    assert staging_tables() == [] and scratch_folders() == []


def test_a_delivery_before_the_last_attempt_runs_it_again_and_removes_what_the_dead_one_left():
    run = start()
    dead_attempt(run, 2)

    run = execute(run)

    assert run.status == "succeeded", run.message
    assert run.attempt == 3 and run.imported_count == Feature.objects.count() == 3
    assert staging_tables() == [] and scratch_folders() == []


def test_the_number_of_attempts_is_a_setting(settings):
    settings.GISDATA_IMPORT_MAX_ATTEMPTS = 1
    run = start()
    dead_attempt(run, 1)

    run = execute(run)

    assert run.status == "failed"
    assert run.message.startswith("The worker running this import stopped before it could "
                                  "finish, and it was not tried again.")


# ------------------------------------------------------------------ live or dead


def test_a_delivery_leaves_a_run_to_the_live_worker_that_holds_it(worker_session,
                                                                   monkeypatch):
    monkeypatch.setattr(runs, "LOCK_WAIT", 0.5)
    run = start()
    ImportRun.objects.filter(pk=run.pk).update(status="running", attempt=1)
    hold_as_worker(worker_session, run.pk)

    assert services.import_run_execute(run_id=run.pk) == "running"
    assert ImportRun.objects.get(pk=run.pk).attempt == 1  # not taken over
    assert not Feature.objects.exists()


def test_a_delivery_takes_over_a_run_whose_worker_session_is_gone(worker_session):
    run = start()
    ImportRun.objects.filter(pk=run.pk).update(status="running", attempt=1)
    hold_as_worker(worker_session, run.pk)
    worker_session.close()  # the worker died: PostgreSQL drops its session and its lock

    run = execute(run)

    assert run.status == "succeeded" and run.attempt == 2


@pytest.mark.quality("no-run-stays-running")
def test_the_reaper_leaves_a_run_alone_while_its_worker_holds_it_however_long_silent(
        worker_session):
    run = start()
    dead_attempt(run, 1)  # silent for two hours: a long INSERT … SELECT reports nothing
    hold_as_worker(worker_session, run.pk)

    assert runs.reap() == []
    assert runs.sweep() == 0

    run.refresh_from_db()
    assert run.status == "running" and run.attempt == 1
    assert staging_tables() == [f"gisdata_stage_{run.pk}_1_0"]
    assert scratch_folders() == [f"run-{run.pk}-1"]


@pytest.mark.quality("no-run-stays-running")
def test_the_reaper_requeues_a_run_whose_worker_died_and_removes_what_it_left(
        worker_session):
    run = start()
    dead_attempt(run, 1)
    hold_as_worker(worker_session, run.pk)
    worker_session.close()

    assert runs.reap() == [run.pk]

    run.refresh_from_db()
    assert run.status == "queued" and run.attempt == 1
    assert staging_tables() == [] and scratch_folders() == []
    assert execute(run).status == "succeeded"  # the requeued task's delivery


@pytest.mark.quality("no-run-stays-running")
def test_the_reaper_fails_a_run_whose_worker_died_on_its_last_attempt():
    run = start()
    dead_attempt(run, 3)

    assert runs.reap() == []

    run.refresh_from_db()
    assert run.status == "failed"
    assert "stopped 3 times" in run.message
    assert staging_tables() == [] and scratch_folders() == []


@pytest.mark.quality("no-run-stays-running")
def test_the_sweep_removes_a_finished_runs_leftovers_but_not_a_live_ones(worker_session):
    finished, live = start(), start(content=FOUNTAINS, name="other.geojson")
    dead_attempt(finished, 1)
    ImportRun.objects.filter(pk=finished.pk).update(status="failed", message="Stopped.")
    dead_attempt(live, 1)
    hold_as_worker(worker_session, live.pk)

    assert runs.sweep() == 1

    assert staging_tables() == [f"gisdata_stage_{live.pk}_1_0"]
    assert scratch_folders() == [f"run-{live.pk}-1"]
