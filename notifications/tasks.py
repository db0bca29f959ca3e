"""Background jobs of notifications: fan an event out, send e-mails in batches of users,
compose the digests, and beat's sweeps. Each takes ids and calls one service; all are
harmless twice (acks_late: a task whose worker died runs again): the fan-out writes once,
the batches claim each person's notifications before sending."""

from __future__ import annotations

import smtplib
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from notifications import delivery, fanout, phases
from notifications.models import Cadence, Event

RETRY = {
    "autoretry_for": (smtplib.SMTPException, ConnectionError, TimeoutError),
    "retry_backoff": 30,
    "retry_kwargs": {"max_retries": 5},
}


@shared_task(name="plaza.notifications.event_fan_out")
def event_fan_out_task(event_id: int) -> int:
    """Write the event's notifications, then queue its immediate e-mails in batches.
    Run again (a redelivery after the fan-out committed), it writes nothing and queues
    the batches of whatever is still unsent: the claims keep a batch queued twice from
    sending twice."""
    fanout.event_fan_out(event_id=event_id)
    ranges = delivery.immediate_ranges(event_id=event_id)
    for first, last in ranges:
        immediate_send_batch_task.delay(event_id, first, last)
    return len(ranges)


@shared_task(name="plaza.notifications.immediate_send_batch", **RETRY)
def immediate_send_batch_task(event_id: int, first: int, last: int) -> int:
    return delivery.immediate_send_batch(event_id=event_id, first=first, last=last)


@shared_task(name="plaza.notifications.digest_compose")
def digest_compose_task(cadence: str, batch_users: int | None = None) -> int:
    """Beat, daily and weekly: start the period's digest once and queue its batches."""
    run = delivery.digest_compose(cadence=Cadence(cadence))
    if run is None:
        return 0
    ranges = delivery.digest_ranges(run, size=batch_users or delivery.BATCH_USERS)
    for first, last in ranges:
        digest_send_batch_task.delay(run.pk, first, last)
    type(run).objects.filter(pk=run.pk).update(batches=len(ranges))
    return len(ranges)


@shared_task(name="plaza.notifications.digest_send_batch", **RETRY)
def digest_send_batch_task(run_id: int, first: int, last: int) -> int:
    return delivery.digest_send_batch(run_id=run_id, first=first, last=last)


@shared_task(name="plaza.notifications.events_fan_out_pending")
def events_fan_out_pending_task() -> int:
    """Beat: queue again the events left un-fanned a while (the broker was down at
    commit, or a worker died), oldest first."""
    stale = timezone.now() - timedelta(minutes=2)
    pending = list(Event.objects.filter(fanned_out_at__isnull=True, created_at__lt=stale)
                   .order_by("created_at").values_list("pk", flat=True)[:1000])
    for event_id in pending:
        event_fan_out_task.delay(event_id)
    return len(pending)


@shared_task(name="plaza.notifications.phases_started_record")
def phases_started_record_task() -> int:
    """Beat: record PHASE_STARTED for the phases whose start passed (once each)."""
    return phases.phases_started_record()
