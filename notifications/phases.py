"""Phases open by the clock, not by an action: beat's sweep records their event.

A phase is told once (the `notifications_event_phase_once` constraint, and the sweep
skips those recorded); only phases that started within `RECENT`, so that the first sweep
after this feature was deployed does not announce every phase that ever opened.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import events
from notifications.models import Event
from proposals.models import Phase, Visibility

RECENT = timedelta(days=1)


def phases_started_record(*, at=None) -> int:
    at = at or timezone.now()
    told = Event.objects.filter(kind=events.PHASE_STARTED).values("phase_id")
    started = (Phase.objects.filter(starts_at__lte=at, starts_at__gt=at - RECENT,
                                    ends_at__gt=at)
               .exclude(project__visibility=Visibility.DRAFT).exclude(pk__in=told)
               .values_list("pk", "project_id"))
    recorded = 0
    for phase_id, project_id in started:
        try:
            with transaction.atomic():
                events.event_emit(events.PHASE_STARTED, project_id=project_id,
                                  phase_id=phase_id)
        except IntegrityError:  # another sweep recorded it meanwhile
            continue
        recorded += 1
    return recorded
