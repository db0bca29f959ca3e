"""Shared by the delivery tests: follows written straight to the database, and the
worker's first step (the fan-out) run in the test's process."""

from django.contrib.gis.geos import Polygon

from notifications import fanout
from notifications.models import Event, Follow, Notification

# The factories' POINT (2.17, 41.39) is inside NEAR and outside FAR.
NEAR = Polygon.from_bbox((2.165, 41.385, 2.175, 41.395))
FAR = Polygon.from_bbox((2.11, 41.36, 2.12, 41.37))


def follow_area(user, municipality, area=NEAR, name="my street"):
    return Follow.objects.create(user=user, municipality=municipality, area=area, name=name)


def follow_project(user, project):
    return Follow.objects.create(user=user, municipality=project.municipality, project=project)


def follow_proposal(user, proposal, active=True):
    return Follow.objects.create(user=user, municipality=proposal.project.municipality,
                                 proposal=proposal, active=active)


def fan_out_all() -> int:
    """Fan out every event not yet fanned out, as the worker does after commit."""
    written = 0
    for pk in Event.objects.filter(fanned_out_at__isnull=True).order_by("pk").values_list(
            "pk", flat=True):
        written += fanout.event_fan_out(event_id=pk) or 0
    return written


def told(kind: str | None = None) -> dict[str, tuple]:
    """{username: (reason, e-mail cadence, in the bell)} of the notifications written."""
    rows = Notification.objects.select_related("user", "event")
    if kind:
        rows = rows.filter(event__kind=kind)
    return {n.user.username: (n.reason, n.email, n.in_app) for n in rows}


def send_immediate() -> int:
    """Send every event's immediate e-mails in this process, batch by batch; how many."""
    from notifications import delivery

    sent = 0
    for pk in Event.objects.order_by("pk").values_list("pk", flat=True):
        for first, last in delivery.immediate_ranges(event_id=pk):
            sent += delivery.immediate_send_batch(event_id=pk, first=first, last=last)
    return sent
