"""The life of an import run: who may work on it, and that it always ends.

A run goes `queued` → `running` → `succeeded` or `failed`, and nothing may leave it
`running` for ever: not an error of any kind, not a worker killed by the kernel, not a
machine that disappears.

**Who is alive.** A delivery of the import task first takes a PostgreSQL advisory lock
keyed on the run, on the worker's own database session, and holds it until the run has
its final status. The lock lives exactly as long as that session: a worker that is
SIGKILLed, or whose machine is lost, loses its connection and so its lock. Beat's
reaper (`reap`) therefore asks PostgreSQL, not the clock: a `running` run whose lock
nobody holds has no worker. A heartbeat with a staleness limit would have to guess how
long the silent steps may take (the swap's single INSERT … SELECT builds a whole layer
and reports nothing for minutes), and would either reap a live build or notice a dead
one late; the lock cannot misjudge either. `heartbeat_at` is still bumped with the
progress, so people (the dashboard, `import_dataset --wait`) see when the worker last
moved. So that PostgreSQL notices a dead client while a long statement runs, and a lost
host at all, the session checks its client every few seconds
(`client_connection_check_interval`) and sends TCP keepalives.

**Bounded attempts.** The broker delivers a task again when its worker dies
(`acks_late`, `reject_on_worker_lost`), and the reaper requeues a run whose worker died
unnoticed; each delivery that claims the run counts one attempt. A file that kills its
worker every time (memory, time limit) would loop for ever, so after
`GISDATA_IMPORT_MAX_ATTEMPTS` (3) attempts the run fails, saying why.

**What a run leaves behind.** Each attempt works in a scratch folder of its own,
`<scratch root>/run-<id>-<attempt>`, removed when the attempt ends; the folder of a
killed attempt is removed by the next import on that host and by the reaper (which runs
in a worker too). Staging tables (`gisdata_stage_<run>_<attempt>_<n>`) are dropped when
the attempt ends, by the next attempt, and by the reaper.
"""

# Staging table names are formatted into SQL; they are matched against a pattern of
# integers before they are (identifiers cannot be parameters).
# ruff: noqa: S608

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gisdata.imports import placing
from gisdata.models import ImportRun, ImportStatus

log = logging.getLogger(__name__)

# Advisory lock class for runs ("PLIR"); the run id is the second key. The two-key form
# never collides with the one-key swap lock (gisdata/imports/partitions.py).
RUN_LOCK = 0x504C4952
# How long a delivery waits for the run's lock: a killed worker's session may take a few
# seconds to be noticed (client_connection_check_interval); past this the delivery
# leaves the run to its holder, or to the reaper if the holder is dead.
LOCK_WAIT = 20.0
CLIENT_CHECK = "5s"
STAGE = re.compile(r"gisdata_stage_(\d+)_(\d+)_\d+")
FOLDER = re.compile(r"run-(\d+)-(\d+)")
FINISHED = (ImportStatus.SUCCEEDED, ImportStatus.FAILED)


def max_attempts() -> int:
    return settings.GISDATA_IMPORT_MAX_ATTEMPTS


def scratch_root() -> Path:
    """Where attempts keep their files on this host. The default names the database, so
    that two Plaza installations (or two test runs) on one host never sweep each
    other's folders."""
    configured = settings.GISDATA_SCRATCH_ROOT
    if configured:
        return Path(configured)
    database = re.sub(r"[^A-Za-z0-9_.-]", "_", str(settings.DATABASES["default"]["NAME"]))
    return Path(tempfile.gettempdir()) / f"plaza-imports-{database}"


def status(run_id: int) -> str:
    """The run's status; "" when the run no longer exists (its dataset was deleted)."""
    return ImportRun.objects.filter(pk=run_id).values_list("status", flat=True).first() or ""


# ------------------------------------------------------------------ the run's lock


def hold(run_id: int, wait: float | None = None) -> bool:
    """Take the run's lock for this session; False if a live session keeps holding it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET client_connection_check_interval = '{CLIENT_CHECK}'")
        # Ignored on a Unix socket; over TCP a silent host is noticed in about a minute.
        cursor.execute("SET tcp_keepalives_idle = 30")
        cursor.execute("SET tcp_keepalives_interval = 10")
        cursor.execute("SET tcp_keepalives_count = 3")
    deadline = time.monotonic() + (LOCK_WAIT if wait is None else wait)
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [RUN_LOCK, run_id])
            if cursor.fetchone()[0]:
                return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.5)


def release(run_id: int) -> None:
    """Let go of the run's lock, after its status has been written. On a connection that
    was lost and opened again the lock is already gone, with the old session."""
    if connection.connection is None or not connection.is_usable():
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s) FROM pg_locks WHERE "
                       "locktype = 'advisory' AND pid = pg_backend_pid() AND classid = %s "
                       "AND objid = %s AND objsubid = 2 AND granted",
                       [RUN_LOCK, run_id, RUN_LOCK, run_id])


def _orphaned(run_id: int) -> bool:
    """Inside a transaction: True, and the lock held until it ends, when no live session
    works on the run, so none can start to while the caller cleans up after it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [RUN_LOCK, run_id])
        return cursor.fetchone()[0]


# ------------------------------------------------------------------ claim and finish


def claim(run_id: int) -> int | None:
    """Take the run for this delivery (the caller holds its lock): its attempt number,
    or None when there is nothing to do. A run already finished is left alone; one that
    has had all its attempts fails here, so that a task whose worker dies every time is
    not delivered for ever."""
    now = timezone.now()
    claimed = ImportRun.objects.filter(
        pk=run_id, status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING],
        attempt__lt=max_attempts(),
    ).update(status=ImportStatus.RUNNING, attempt=F("attempt") + 1, started_at=now,
             heartbeat_at=now, progress_done=0)
    if claimed:
        return ImportRun.objects.values_list("attempt", flat=True).get(pk=run_id)
    run = ImportRun.objects.filter(pk=run_id).exclude(status__in=FINISHED).first()
    if run is not None:
        _give_up(run)
        # The last attempt's worker died mid-way: what it staged goes now (its session is
        # gone, or this delivery would not hold the run), not when beat's reaper passes.
        leftovers_drop(run_id)
    return None


def _give_up(run: ImportRun) -> None:
    log.error("Import run %s failed: its worker stopped %s times", run.pk, run.attempt)
    fail(run.pk, run.attempt, ngettext(
        "The worker running this import stopped before it could finish, and it was not "
        "tried again. Nothing was changed. A file this large may need more memory or time "
        "than the workers have: split it into smaller files, or ask the operators (the "
        "worker's log says why it stopped).",
        "The worker running this import stopped %(count)d times before it could finish, "
        "so it was not tried again. Nothing was changed. A file this large may need more "
        "memory or time than the workers have: split it into smaller files, or ask the "
        "operators (the worker's log says why it stopped).",
        run.attempt) % {"count": run.attempt}, statuses=(ImportStatus.QUEUED,
                                                        ImportStatus.RUNNING))


def progress(run_id: int, attempt: int, **fields) -> None:
    """Record progress, and with it a sign of life, if the run is still this attempt's."""
    ImportRun.objects.filter(pk=run_id, attempt=attempt).update(
        heartbeat_at=timezone.now(), **fields)


def fail(run_id: int, attempt: int, message: str, errors=(),
         statuses=(ImportStatus.RUNNING,)) -> bool:
    """End the attempt `failed` with `message`, unless the run has moved on (finished,
    or taken over by a later attempt). Written on a working connection outside any
    failed transaction: the caller's `atomic` blocks have rolled back by the time the
    exception reaches it, and a connection the error broke is replaced."""
    _connection_ready()
    return bool(ImportRun.objects.filter(
        pk=run_id, attempt=attempt, status__in=statuses,
    ).update(status=ImportStatus.FAILED, message=message,
             errors=placing.errors_json(list(errors)), skipped_count=len(errors),
             finished_at=timezone.now()))


def fail_unexpected(run_id: int, attempt: int, exc: BaseException, reference: str) -> None:
    """End the attempt on an error nobody foresaw: the traceback goes to the log, with
    the reference the planner is given, and the planner gets what they can do."""
    reference = reference or f"import-{run_id}-{attempt}"
    log.error("Import run %s (attempt %s) stopped on an unexpected error; reference %s",
              run_id, attempt, reference, exc_info=exc)
    fail(run_id, attempt, unexpected_message(exc, reference))


def unexpected_message(exc: BaseException, reference: str) -> str:
    if isinstance(exc, SoftTimeLimitExceeded):
        return _("The import took longer than the workers allow and was stopped. Nothing "
                 "was changed. Split the file into smaller ones and import them as "
                 "separate datasets, or ask the operators to give imports more time.")
    if isinstance(exc, MemoryError):
        return _("The worker ran out of memory reading this file. Nothing was changed. "
                 "Split the file into smaller ones, or ask the operators for workers with "
                 "more memory.")
    return _("The import stopped on an unexpected error (reference: %(reference)s). "
             "Nothing was changed; the operators can find the details in the worker's "
             "log.") % {"reference": reference}


def _connection_ready() -> None:
    if connection.in_atomic_block:
        return  # the caller's own transaction (tests run imports inside theirs)
    if connection.connection is not None and not connection.is_usable():
        # An exception raised mid-statement (a soft time limit strikes while PostgreSQL
        # works) leaves the statement running on the server, holding its locks on the
        # staging table that is about to be dropped: stop it first, then let go.
        try:
            connection.connection.cancel()
        except Exception:  # noqa: BLE001 - best effort: closing ends the session anyway
            log.warning("Could not cancel the statement of a broken connection")
        connection.close()  # Django opens a new one for the next query


# ------------------------------------------------------------------ leftovers


def stages_drop(run_id: int, attempt: int | None = None) -> None:
    """Drop the run's staging tables: one attempt's, or every attempt's."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'gisdata_stage_%'")
        names = [n for (n,) in cursor.fetchall() if (m := STAGE.fullmatch(n))
                 and int(m.group(1)) == run_id
                 and (attempt is None or int(m.group(2)) == attempt)]
        for name in names:
            cursor.execute(f'DROP TABLE IF EXISTS "{name}"')


def leftovers_drop(run_id: int, attempt: int | None = None) -> None:
    """Clean up after an attempt that has ended, or after all of a dead run's. A failure
    here is logged, not raised: the run has its final status already, and the reaper
    sweeps again."""
    try:
        _connection_ready()
        with transaction.atomic():  # a savepoint, inside the reaper's transaction
            stages_drop(run_id, attempt)
    except DatabaseError:
        log.exception("Import run %s: staging tables left for the reaper", run_id)
    for folder in _folders():
        if int(folder.group(1)) == run_id and attempt in (None, int(folder.group(2))):
            shutil.rmtree(scratch_root() / folder.group(0), ignore_errors=True)


@contextmanager
def scratch(run_id: int, attempt: int) -> Iterator[Path]:
    """The attempt's scratch folder, removed when the attempt ends, however it ends."""
    root = scratch_root()
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = root / f"run-{run_id}-{attempt}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _folders() -> list[re.Match]:
    try:
        names = [p.name for p in scratch_root().iterdir()]
    except FileNotFoundError:
        return []
    return [m for name in names if (m := FOLDER.fullmatch(name))]


def sweep() -> int:
    """Remove what dead attempts left on this host and in the database: scratch folders
    and staging tables of runs no live session works on. Returns how many runs."""
    runs = {int(m.group(1)) for m in _folders()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'gisdata_stage_%'")
        runs |= {int(m.group(1)) for (n,) in cursor.fetchall() if (m := STAGE.fullmatch(n))}
    swept = 0
    for run_id in sorted(runs):
        with transaction.atomic():
            if _orphaned(run_id):
                leftovers_drop(run_id)
                swept += 1
    return swept


def reap() -> list[int]:
    """Beat's reaper: end or requeue the `running` runs that no live worker holds.

    Requeued runs go back to `queued`; the caller publishes their tasks (after this has
    committed). A run that has had all its attempts fails with the reason."""
    requeued = []
    running = ImportRun.objects.filter(status=ImportStatus.RUNNING)
    for run_id in running.values_list("pk", flat=True)[:100]:
        with transaction.atomic():
            if not _orphaned(run_id):
                continue  # a live worker holds it, however long it has been silent
            run = ImportRun.objects.select_for_update().filter(
                pk=run_id, status=ImportStatus.RUNNING).first()
            if run is None:
                continue
            leftovers_drop(run_id)
            if run.attempt >= max_attempts():
                _give_up(run)
                continue
            log.warning("Import run %s: its worker stopped during attempt %s; queued again",
                        run_id, run.attempt)
            ImportRun.objects.filter(pk=run_id).update(status=ImportStatus.QUEUED)
            requeued.append(run_id)
    return requeued
