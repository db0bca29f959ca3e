"""Writes and rules for decision reports: ask for one, compile it, publish it.

`report_request` saves a report as queued and publishes the task after commit;
`report_compile` is what the worker runs:

1. claim the report by an UPDATE (`queued`/`running` → `running`, attempt + 1), so that
   a second delivery of a finished report does nothing;
2. read all its data in one transaction at REPEATABLE READ, read only (`_snapshot`):
   every query sees the database as it was at the first one;
3. write the CSV, the GeoJSON and the PDF from that data, outside the transaction, moving
   the progress bar as maps are drawn;
4. store the three files (and a budget vote's pabulib files), then mark the report
   succeeded in one transaction, if this delivery still owns it; otherwise, or when
   anything fails, delete what it stored.
   A report is never left with some of its files.

**A report never stays `running` for ever.** While a delivery works on a report its
database session holds a shared advisory lock keyed on the report; the lock dies with
the session, so a worker that is SIGKILLed or whose host is lost drops it. Beat's
`reports_requeue_stale` asks PostgreSQL, not the clock (`report_reap`): a `running`
report whose lock nobody holds has no worker, and is queued and published again, or
failed with the reason once it has had `MAX_ATTEMPTS` attempts (a report that kills its
worker every time must not loop). The broker's own redelivery (`acks_late`) still comes
first when the worker's main process survives; the reaper covers the rest (a lost host,
a message lost with Redis, a redelivery that would come only after the visibility
timeout).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.storage import private_storage
from gisdata.models import GeometryType, Layer
from proposals.models import Project
from reports import backdrop, formats, overview, pdf
from reports.models import DecisionReport, ReportStatus
from reports.snapshot import ReportData, snapshot_read

log = logging.getLogger(__name__)

POLYGONAL = (GeometryType.POLYGON, GeometryType.MULTIPOLYGON)
# Advisory lock class for reports ("PLRP"); the report id is the second key. Deliveries
# hold it shared (a later delivery may take a report over from a live earlier one: the
# attempt number decides which finishes it); the reaper tries it exclusively.
REPORT_LOCK = 0x504C5250
MAX_ATTEMPTS = 3


class ReportFailed(Exception):
    """The report cannot be compiled; the message tells the planner why."""


def _require(user, permission: str, message: str) -> None:
    if user is not None and not (user.is_authenticated and user.has_perm(permission)):
        raise PermissionDenied(message)


def district_layer_check(layer: Layer | None) -> None:
    if layer is not None and layer.geometry_type not in POLYGONAL:
        raise ValidationError(
            {"district_layer": _("“%(title)s” has %(type)s features; districts are drawn "
                                 "as polygons.") % {
                "title": layer.title, "type": layer.get_geometry_type_display()}})


def report_request(*, project: Project, user=None, district_layer: Layer | None = None,
                   enqueue: bool = True) -> DecisionReport:
    """Queue a new report of `project` (a new version: earlier ones are kept).

    `enqueue=False` leaves the compiling to the caller (`report_compile` in the same
    process: the demo loader, `compile_report --in-process`).
    """
    _require(user, "reports.add_decisionreport", _("Only planners can compile reports."))
    district_layer_check(district_layer)
    from reports.tasks import report_compile_task

    report = DecisionReport.objects.create(project=project, requested_by=user,
                                           district_layer=district_layer)
    if enqueue:
        # After commit, so that the worker finds the row. If Redis is down, the report
        # stays queued and `reports_requeue_stale` publishes it again.
        report_compile_task.delay_on_commit(report.pk)
    return report


def report_publish(*, report: DecisionReport, user, published: bool = True) -> DecisionReport:
    """Make `report` the project's published report (the one before it is withdrawn),
    or withdraw it. A unique constraint keeps one published report per project."""
    _require(user, "reports.publish_decisionreport", _("Only planners can publish reports."))
    if published and report.status != ReportStatus.SUCCEEDED:
        raise ValidationError(_("Only a report that was compiled can be published."))
    now = timezone.now()
    with transaction.atomic():
        DecisionReport.objects.filter(project_id=report.project_id, is_published=True).update(
            is_published=False, published_at=None)
        if published:
            DecisionReport.objects.filter(pk=report.pk).update(is_published=True,
                                                               published_at=now)
    report.is_published, report.published_at = published, now if published else None
    return report


# ------------------------------------------------------------------------ compiling
def _hold(report_id: int) -> None:
    """Show that a live session works on the report (see the module's docstring). Waits
    only while the reaper decides about this report, a short transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock_shared(%s, %s)", [REPORT_LOCK, report_id])


def _release(report_id: int) -> None:
    """Let go of the lock; on a connection lost meanwhile it went with the session."""
    if connection.connection is None or not connection.is_usable():
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock_shared(%s, %s)", [REPORT_LOCK, report_id])


def _claim(report_id: int) -> int | None:
    """Take the report for this delivery; None when it is already finished. A report
    still `running` is taken over (its worker died and the broker redelivered the task);
    the attempt number decides which delivery may finish it. A report that has had all
    its attempts fails here, saying why."""
    claimed = DecisionReport.objects.filter(
        pk=report_id, status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING],
        attempt__lt=MAX_ATTEMPTS,
    ).update(status=ReportStatus.RUNNING, attempt=F("attempt") + 1,
             started_at=timezone.now(), progress_done=0, progress_total=0)
    if not claimed:
        report = DecisionReport.objects.filter(pk=report_id).exclude(
            status__in=[ReportStatus.SUCCEEDED, ReportStatus.FAILED]).first()
        if report is not None:
            _give_up(report)
        return None
    return DecisionReport.objects.values_list("attempt", flat=True).get(pk=report_id)


def _give_up(report: DecisionReport) -> None:
    log.error("Report %s failed: its worker stopped %s times", report.pk, report.attempt)
    _discard_earlier_attempts(report, report.attempt + 1)
    _fail(report.pk, report.attempt, _(
        "The worker compiling this report stopped %(count)d times before it could finish, "
        "so it was not tried again. Compile it again; if it stops again, tell the site's "
        "administrators (the worker's log says why it stopped).") % {
        "count": report.attempt})


def report_reap() -> list[int]:
    """Beat's reaper: requeue, or fail after their last attempt, the `running` reports
    that no live session holds (their worker died). Returns the ids put back in the
    queue; the caller publishes their tasks once this has committed."""
    requeued = []
    running = DecisionReport.objects.filter(status=ReportStatus.RUNNING)
    for report_id in running.values_list("pk", flat=True)[:100]:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)",
                               [REPORT_LOCK, report_id])
                if not cursor.fetchone()[0]:
                    continue  # a live delivery holds it, however long it takes
            report = DecisionReport.objects.select_for_update().filter(
                pk=report_id, status=ReportStatus.RUNNING).first()
            if report is None:
                continue
            if report.attempt >= MAX_ATTEMPTS:
                _give_up(report)
                continue
            log.warning("Report %s: its worker stopped during attempt %s; queued again",
                        report_id, report.attempt)
            DecisionReport.objects.filter(pk=report_id).update(status=ReportStatus.QUEUED)
            requeued.append(report_id)
    return requeued


@contextmanager
def _snapshot():
    """One transaction at REPEATABLE READ, read only: all its queries share a snapshot.

    Inside a caller's transaction (a test case, a script that holds one) the isolation
    can no longer be chosen; the caller's transaction is then the snapshot.
    """
    if connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    # A pending health check would send `SELECT 1` inside the transaction, before the
    # SET below, which PostgreSQL then refuses: let it run now.
    connection.close_if_health_check_failed()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            # No JIT compilation in this transaction (SET LOCAL: the connection goes back
            # to the server's setting after it). The estimated cost of a large project's
            # million votes makes PostgreSQL compile and optimise the report's heavy
            # statements, which costs more than it saves: on bench_report's project
            # (10,000 proposals, 1,000,000 votes, 2 cores) the people statement spends
            # 1.0-1.3 s compiling and runs in 2.9-3.3 s with JIT, 2.3-2.5 s without, and
            # the whole snapshot takes 5.5-6.0 s with it, 4.4 s without. A SET does not
            # take the transaction's snapshot: the first query after it does.
            cursor.execute("SET LOCAL jit = off")
        yield


def _fail(report_id: int, attempt: int, message: str) -> None:
    DecisionReport.objects.filter(pk=report_id, attempt=attempt).update(
        status=ReportStatus.FAILED, message=message, finished_at=timezone.now())


def report_compile(*, report_id: int,
                   after_snapshot: Callable[[], None] | None = None) -> str:
    """Compile one report (the worker calls this); returns its final status.

    `after_snapshot` runs inside the snapshot transaction once its snapshot is taken:
    the tests cast a vote there, from another connection, to show that it changes none
    of the numbers.
    """
    _hold(report_id)
    try:
        return _compile_held(report_id, after_snapshot)
    finally:
        _release(report_id)


def _compile_held(report_id: int, after_snapshot: Callable[[], None] | None) -> str:
    attempt = _claim(report_id)
    if attempt is None:
        return DecisionReport.objects.values_list("status", flat=True).get(pk=report_id)
    report = DecisionReport.objects.select_related("project", "district_layer").get(
        pk=report_id)
    _discard_earlier_attempts(report, attempt)
    stored: list[str] = []
    try:
        _compile(report, attempt, stored, after_snapshot)
    except ReportFailed as exc:
        _discard(stored)
        _fail(report_id, attempt, str(exc))
    except Exception as exc:
        # Anything else (a full disk, the time limit): the planner is told, nothing
        # half-written stays behind, and the error still reaches the logs.
        _discard(stored)
        _fail(report_id, attempt, f"The report could not be compiled ({type(exc).__name__}: "
                                  f"{exc}). Compile it again; if it fails again, tell the "
                                  "site's administrators.")
        raise
    return DecisionReport.objects.values_list("status", flat=True).get(pk=report_id)


def _compile(report: DecisionReport, attempt: int, stored: list[str],
             after_snapshot: Callable[[], None] | None) -> None:
    layer = report.district_layer
    try:
        district_layer_check(layer)
    except ValidationError as exc:
        raise ReportFailed(" ".join(exc.messages)) from exc
    with _snapshot():
        data = snapshot_read(project=report.project, district_layer=layer,
                             after_snapshot=after_snapshot)
        context = backdrop.backdrop_read(layers=data.context_layers,
                                         box=overview.overview_box(data.project["area"]))
    checksum = data.checksum()
    done = 1
    total = 1 + pdf.images_needed(data) + 1

    def step() -> None:
        nonlocal done
        done += 1
        DecisionReport.objects.filter(pk=report.pk, attempt=attempt).update(
            progress_done=min(done, total), progress_total=total)

    DecisionReport.objects.filter(pk=report.pk, attempt=attempt).update(
        progress_done=done, progress_total=total)
    files = {
        "csv": formats.ranking_csv(data),
        "geojson": formats.proposals_geojson(data, checksum=checksum),
        "pdf": pdf.report_pdf(data, report_id=report.pk, checksum=checksum, backdrop=context,
                              on_image=step),
    }
    # A folder per attempt: a delivery that lost the report deletes only its own files.
    base = f"{_attempt_folder(report, attempt)}/{report.project.slug}-report-{report.pk}"
    storage = private_storage()
    for kind, content in files.items():
        stored.append(storage.save(f"{base}.{kind}", ContentFile(content)))
    names = dict(zip(files, stored, strict=True))
    # A budget vote: each budget's pabulib file, the ballots anyone can recompute from.
    pabulib = []
    for budget in data.budgets:
        stored.append(storage.save(f"{base}-budget-{budget['id']}.pb",
                                   ContentFile(data.pabulib[budget["id"]].encode())))
        pabulib.append({"budget": budget["id"], "district": budget["district"],
                        "file": stored[-1], "sha256": budget["pabulib_sha256"]})
    _finish(report, attempt, data, checksum, {**names, "pabulib": pabulib}, stored)


def _finish(report: DecisionReport, attempt: int, data: ReportData, checksum: str,
            names: dict, stored: list[str]) -> None:
    with transaction.atomic():
        mine = DecisionReport.objects.select_for_update().filter(
            pk=report.pk, attempt=attempt, status=ReportStatus.RUNNING).exists()
        if mine:
            DecisionReport.objects.filter(pk=report.pk).update(
                status=ReportStatus.SUCCEEDED, snapshot_at=data.snapshot_at,
                weights=_weights_json(data), checksum=checksum, summary=data.totals,
                voting_open_until=data.voting_open_until,
                progress_done=F("progress_total"), finished_at=timezone.now(), **names)
    if not mine:
        _discard(stored)  # a later delivery took the report over: its files count


def _weights_json(data: ReportData) -> list[dict]:
    rows = [{"role": w["role"], "name": w["name"], "weight": str(w["weight"])}
            for w in data.weights]
    return rows + [{"role": None, "name": "No verified role",
                    "weight": str(data.unverified_weight)}]


def _attempt_folder(report: DecisionReport, attempt: int | None = None) -> str:
    folder = f"reports/{report.project_id}/{report.pk}"
    return folder if attempt is None else f"{folder}/{attempt}"


def _discard_earlier_attempts(report: DecisionReport, attempt: int) -> None:
    """Remove what earlier attempts saved: a worker killed between saving a file and
    finishing the report never got to delete it. An earlier attempt still running (a
    duplicate delivery) cannot finish the report any more, so its files are not needed
    either; it deletes what it saves afterwards itself (`_finish`)."""
    storage = private_storage()
    try:
        attempts, _ = storage.listdir(_attempt_folder(report))
    except FileNotFoundError:
        return
    for name in attempts:
        if not name.isdigit() or int(name) >= attempt:
            continue
        folder = _attempt_folder(report, int(name))
        _discard([f"{folder}/{file}" for file in storage.listdir(folder)[1]])
        _discard([folder])  # the folder itself, empty now (a no-op on object storage)


def _discard(names: list[str]) -> None:
    storage = private_storage()
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            log.warning("could not delete the report file %s", name, exc_info=True)
    names.clear()
