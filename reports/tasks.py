"""Background jobs of reports: a report is compiled by a worker, never in a web request."""

from celery import shared_task

from reports import services


@shared_task(name="plaza.reports.report_compile", soft_time_limit=25 * 60, time_limit=30 * 60)
def report_compile_task(report_id: int) -> str:
    """Compile one report. Harmless twice: a finished report is left alone (the claim is
    an UPDATE on its status), and of two deliveries racing on a running one only the
    latest attempt may finish it; the other deletes the files it wrote."""
    return services.report_compile(report_id=report_id)


@shared_task(name="plaza.reports.reports_requeue_stale")
def reports_requeue_stale_task(minutes: int = 10) -> int:
    """Beat's watch over reports, every five minutes. Publishes again the reports still
    queued after `minutes` (Redis was down when they were asked for), and requeues, or
    fails after their last attempt, the reports `running` whose worker died
    (`services.report_reap`). Harmless twice: a report taken by a live worker is neither
    queued nor without its lock, and of two deliveries of a queued one, one worker claims
    it. Returns how many reports were published."""
    from datetime import timedelta

    from django.utils import timezone

    from reports.models import DecisionReport, ReportStatus

    requeued = services.report_reap()
    stale = DecisionReport.objects.filter(
        status=ReportStatus.QUEUED, created_at__lt=timezone.now() - timedelta(minutes=minutes))
    ids = [*requeued, *stale.exclude(pk__in=requeued).values_list("pk", flat=True)[:100]]
    for report_id in ids:
        report_compile_task.delay(report_id)
    return len(ids)
