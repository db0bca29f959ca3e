"""Background jobs of gisdata: imports run in workers, never in a web request."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from gisdata import services
from gisdata.models import ImportRun, ImportStatus


@shared_task(soft_time_limit=55 * 60, time_limit=60 * 60)
def import_run(run_id: int) -> str:
    """Import one run. Harmless twice: a finished run is left alone, and of two deliveries
    racing on a running one only the latest attempt may swap its layers into place."""
    return services.import_run_execute(run_id=run_id)


@shared_task
def imports_requeue_stale(minutes: int = 10) -> int:
    """Publish again the runs still queued after `minutes` (Redis was down when they were
    started). Harmless twice: a run already taken by a worker is no longer queued, and a
    duplicate delivery of a queued one is claimed by one worker only."""
    stale = ImportRun.objects.filter(status=ImportStatus.QUEUED,
                                     created_at__lt=timezone.now() - timedelta(minutes=minutes))
    ids = list(stale.values_list("pk", flat=True)[:100])
    for run_id in ids:
        import_run.delay(run_id)
    return len(ids)
