"""Records the lower apps' events (core/events.py) as `Event` rows, in the action's own
transaction, and queues their fan-out once it commits.

A queue that was down at commit, or a worker that died, leaves an event with no
`fanned_out_at`: beat's sweep (`tasks.events_fan_out_pending_task`) queues it again.
"""

from __future__ import annotations

from core import events
from notifications.models import Event
from notifications.selectors import project_municipality_id
from notifications.tasks import event_fan_out_task


def event_record(event: events.Event) -> Event:
    row = Event.objects.create(
        kind=event.kind, municipality_id=project_municipality_id(event.project_id),
        project_id=event.project_id, proposal_id=event.proposal_id,
        comment_id=event.comment_id, phase_id=event.phase_id, actor_id=event.actor_id,
        data=event.data)
    # Published once the action commits; if the broker is down then, beat's sweep
    # publishes it later (the row says it is not fanned out).
    event_fan_out_task.delay_on_commit(row.pk)
    return row


events.event_listener_register(event_record)
