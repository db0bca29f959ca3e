"""Follows, the events they hear of, and each person's notifications.

A participant follows a proposal, a project, or an area they draw on the map. The lower
apps emit events (core/events.py); `listeners` records each one as an `Event` in the
action's own transaction; a worker fans it out into one `Notification` per follower who
may see it (`fanout`), which the bell shows and the e-mail sends, at once or in a daily
or weekly digest (`digests`).

Authors and voters follow their proposals without a row here: the fan-out reads them from
proposals and voting. A row with `active=False` is how they stop.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import events
from core.tenancy import scoped_manager


class Kind(models.TextChoices):
    """What a notification is about: the events of core/events.py, named for people."""

    PROPOSAL_PUBLISHED = events.PROPOSAL_PUBLISHED, _("New proposals")
    PROPOSAL_STATUS = events.PROPOSAL_STATUS, _("Status changes and official answers")
    COMMENT_POSTED = events.COMMENT_POSTED, _("New comments")
    PHASE_STARTED = events.PHASE_STARTED, _("Phases opening (ideation, voting…)")
    RESULTS_PUBLISHED = events.RESULTS_PUBLISHED, _("Results published")
    PROPOSAL_MERGED = events.PROPOSAL_MERGED, _("Duplicates merged")


class Cadence(models.TextChoices):
    """When notifications are e-mailed."""

    IMMEDIATE = "immediate", _("At once, one e-mail each")
    DAILY = "daily", _("A daily digest")
    WEEKLY = "weekly", _("A weekly digest")
    OFF = "off", _("Never by e-mail")


class Follow(models.Model):
    """One thing a participant follows: a proposal, a project or a drawn area."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="follows")
    # The municipality the followed thing belongs to: an area is drawn on one city's map.
    municipality = models.ForeignKey("municipalities.Municipality", on_delete=models.CASCADE,
                                     related_name="+")
    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, null=True,
                                 blank=True, related_name="follows")
    project = models.ForeignKey("proposals.Project", on_delete=models.CASCADE, null=True,
                                blank=True, related_name="follows")
    area = models.PolygonField(srid=4326, null=True, blank=True)
    # The follower's own name for the area ("my street", "around the school").
    name = models.CharField(max_length=80, blank=True)
    # False: the author or a voter stopped following a proposal they follow by default.
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = scoped_manager(path="municipality")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(proposal__isnull=False, project__isnull=True, area__isnull=True)
                | Q(proposal__isnull=True, project__isnull=False, area__isnull=True)
                | Q(proposal__isnull=True, project__isnull=True, area__isnull=False),
                name="notifications_follow_one_target"),
            models.UniqueConstraint(fields=["user", "proposal"],
                                    condition=Q(proposal__isnull=False),
                                    name="notifications_follow_proposal_once"),
            models.UniqueConstraint(fields=["user", "project"],
                                    condition=Q(project__isnull=False),
                                    name="notifications_follow_project_once"),
            # Only following a proposal can be stopped by a row: the rest is deleted.
            models.CheckConstraint(condition=Q(active=True) | Q(proposal__isnull=False),
                                   name="notifications_follow_inactive_proposal"),
            models.CheckConstraint(condition=Q(area__isnull=True) | Q(area__isvalid=True),
                                   name="notifications_follow_area_valid"),
        ]


class Event(models.Model):
    """Something that happened, as recorded in the action's transaction; `fanned_out_at`
    is set once its notifications are written."""

    kind = models.CharField(max_length=24, choices=Kind.choices)
    municipality = models.ForeignKey("municipalities.Municipality", on_delete=models.CASCADE,
                                     related_name="+")
    project = models.ForeignKey("proposals.Project", on_delete=models.CASCADE,
                                related_name="+")
    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, null=True,
                                 blank=True, related_name="+")
    comment = models.ForeignKey("proposals.Comment", on_delete=models.CASCADE, null=True,
                                blank=True, related_name="+")
    phase = models.ForeignKey("proposals.Phase", on_delete=models.CASCADE, null=True,
                              blank=True, related_name="+")
    # Who did it (never told of their own act); SET_NULL: erasure keeps the event.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                              null=True, blank=True, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_at"], condition=Q(fanned_out_at__isnull=True),
                                name="notifications_event_pending")]
        constraints = [
            # A phase opens once: beat's sweep may find it twice, the row is one.
            models.UniqueConstraint(fields=["kind", "phase"], condition=Q(phase__isnull=False),
                                    name="notifications_event_phase_once"),
        ]


class Notification(models.Model):
    """One person's notice of one event: shown by the bell until read, e-mailed as their
    preferences said when it was written (`email`), once (`emailed_at`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notifications")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="notifications")
    # Why this person hears of it: "proposal", "project", "area", "author", "voter".
    reason = models.CharField(max_length=16)
    # Shown in the bell (False: the kind is switched off in-app, e-mail only).
    in_app = models.BooleanField(default=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.CharField(max_length=10, choices=Cadence.choices)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The bell's unread count and list.
            models.Index(fields=["user", "-created_at"], condition=Q(in_app=True),
                         name="notifications_inbox"),
            # What a digest or the immediate sender still has to send.
            models.Index(fields=["email", "user"],
                         condition=Q(emailed_at__isnull=True) & ~Q(email="off"),
                         name="notifications_unsent"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "event"],
                                    name="notifications_once_per_event"),
        ]


class Preferences(models.Model):
    """How a person wants to hear: no row means the defaults (every kind in the bell and
    by e-mail, in a weekly digest)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                primary_key=True, related_name="notification_preferences")
    cadence = models.CharField(max_length=10, choices=Cadence.choices,
                               default=Cadence.WEEKLY)
    # The kinds switched off, in the bell and by e-mail (empty: all on).
    in_app_off = ArrayField(models.CharField(max_length=24, choices=Kind.choices),
                            default=list, blank=True)
    email_off = ArrayField(models.CharField(max_length=24, choices=Kind.choices),
                           default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class DigestRun(models.Model):
    """One composition of a daily or weekly digest: beat may fire twice, or two beats
    may run; the unique period makes the second a no-op. Its batches send what was
    unsent when it was composed (`created_at`)."""

    cadence = models.CharField(max_length=10, choices=Cadence.choices)
    # The day (daily) or the Monday (weekly) the digest is for.
    period = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    batches = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cadence", "period"],
                                    name="notifications_digest_once_per_period"),
        ]
