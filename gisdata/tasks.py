"""Background jobs of gisdata: imports run in workers, never in a web request."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from gisdata.imports import runs, services
from gisdata.models import ImportRun, ImportStatus


@shared_task(name="plaza.gisdata.import_run_execute", bind=True, soft_time_limit=55 * 60,
             time_limit=60 * 60)
def import_run_execute_task(self, run_id: int) -> str:
    """Import one run. Harmless twice: a finished run is left alone, a delivery that
    finds another live one holding the run leaves it to that one, and of two attempts
    only the latest may swap its layers into place (gisdata/imports/runs.py)."""
    return services.import_run_execute(run_id=run_id, reference=self.request.id or "")


@shared_task(name="plaza.gisdata.imports_requeue_stale")
def imports_requeue_stale_task(minutes: int = 10) -> int:
    """Beat's watch over imports, every few minutes. Publishes again the runs still
    queued after `minutes` (Redis was down when they were started); requeues, or fails
    after their last attempt, the runs `running` whose worker died (gisdata/imports/runs.py,
    `reap`); and removes what dead attempts left. Harmless twice: a run taken by a live
    worker is neither queued nor orphaned, and of two deliveries of a queued one, one
    worker claims it. Returns how many runs were published."""
    requeued = runs.reap()
    stale = ImportRun.objects.filter(status=ImportStatus.QUEUED,
                                     created_at__lt=timezone.now() - timedelta(minutes=minutes))
    ids = [*requeued, *stale.exclude(pk__in=requeued).values_list("pk", flat=True)[:100]]
    for run_id in ids:
        import_run_execute_task.delay(run_id)
    runs.sweep()
    return len(ids)
