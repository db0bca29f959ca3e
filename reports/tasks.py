"""Background jobs of reports: a report is compiled by a worker, never in a web request."""

from celery import shared_task

from reports import services


@shared_task(soft_time_limit=25 * 60, time_limit=30 * 60)
def report_compile_task(report_id: int) -> str:
    """Compile one report. Harmless twice: a finished report is left alone (the claim is
    an UPDATE on its status), and of two deliveries racing on a running one only the
    latest attempt may finish it; the other deletes the files it wrote."""
    return services.report_compile(report_id=report_id)


@shared_task
def reports_requeue_stale(minutes: int = 10) -> int:
    """Publish again the reports still queued after `minutes` (Redis was down when they
    were asked for). Harmless twice: a report taken by a worker is no longer queued, and
    of two deliveries of a queued one, one worker claims it."""
    from datetime import timedelta

    from django.utils import timezone

    from reports.models import DecisionReport, ReportStatus

    stale = DecisionReport.objects.filter(
        status=ReportStatus.QUEUED, created_at__lt=timezone.now() - timedelta(minutes=minutes))
    ids = list(stale.values_list("pk", flat=True)[:100])
    for report_id in ids:
        report_compile_task.delay(report_id)
    return len(ids)
