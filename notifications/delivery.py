"""E-mail: each notification at once, or in a daily or weekly digest; never twice.

Work is cut in batches of users by id range (`user_ranges`), so 100,000 people make a
few hundred tasks, not 100,000. A batch takes each person in turn and **claims** their
unsent notifications — an UPDATE setting `emailed_at`, committed — before it sends the
e-mail. A batch that runs again (a retry, a redelivery after its worker died: tasks are
`acks_late`) finds those rows claimed and goes on with the next person. The price is the
other way round: a worker killed between a claim and its send loses that one e-mail
(at most once, never twice); a send that fails gives its claim back and the task retries.

What became hidden since the fan-out is not sent (`selectors.event_audience`, read again).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from municipalities.links import links_for
from notifications.models import Cadence, DigestRun, Event, Kind, Notification
from notifications.selectors import event_audience
from notifications.unsubscribe import unsubscribe_token
from proposals.models import ProposalStatus, Visibility

BATCH_USERS = 500   # people per batch task
MAX_BATCHES = 400   # at most this many tasks per digest: bigger batches past 200,000 people


# ------------------------------------------------------------------------------ batches
# `{where}`: a constant condition on `notifications_notification n` (IMMEDIATE, DIGEST).
_COUNT = "SELECT count(DISTINCT n.user_id) FROM notifications_notification n WHERE {where}"
_RANGES = """
SELECT min(user_id), max(user_id) FROM (
    SELECT user_id, (row_number() OVER (ORDER BY user_id) - 1) / %(size)s AS batch
    FROM (SELECT DISTINCT n.user_id FROM notifications_notification n WHERE {where}) u
) numbered
GROUP BY batch ORDER BY batch"""
_CLAIM = """UPDATE notifications_notification n SET emailed_at = %(now)s
WHERE n.user_id = %(user)s AND n.emailed_at IS NULL AND {where}
RETURNING n.id, n.event_id, n.reason"""
_USERS = """SELECT DISTINCT n.user_id FROM notifications_notification n
WHERE n.emailed_at IS NULL AND n.user_id BETWEEN %(first)s AND %(last)s AND {where}
ORDER BY n.user_id"""


def user_ranges(where: str, params: dict, *, size: int = BATCH_USERS,
                max_batches: int = MAX_BATCHES) -> list[tuple[int, int]]:
    """Cut the distinct users of the unsent notifications matching `where` (SQL on
    `notifications_notification n`) into inclusive (first, last) id ranges of `size`
    people (more when that would make over `max_batches`). The database numbers the
    users; only the ranges' bounds come back."""
    with connection.cursor() as cursor:
        cursor.execute(_COUNT.format(where=where), params)
        users = cursor.fetchone()[0]
        if not users:
            return []
        size = max(size, -(-users // max_batches))
        cursor.execute(_RANGES.format(where=where), {**params, "size": size})
        return [(first, last) for first, last in cursor.fetchall()]


def _claim(user_id: int, where: str, params: dict) -> list[tuple[int, int, str]]:
    """Mark one person's unsent notifications matching `where` as e-mailed, committed;
    returns their (id, event id, reason)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CLAIM.format(where=where),
                       {**params, "user": user_id, "now": timezone.now()})
        return sorted(cursor.fetchall(), key=lambda row: (row[1], row[0]))


def _users_in(first: int, last: int, where: str, params: dict) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(_USERS.format(where=where), {**params, "first": first, "last": last})
        return [row[0] for row in cursor.fetchall()]


def _send_batch(first: int, last: int, where: str, params: dict, digest: str | None) -> int:
    user_ids = _users_in(first, last, where, params)
    people = get_user_model().objects.in_bulk(user_ids)
    events = _Events()  # the batch's people hear of the same few events: read once
    sent = 0
    for user_id in user_ids:
        claimed = _claim(user_id, where, params)
        if not claimed:  # another run of this batch took them meanwhile
            continue
        try:
            sent += _send(people.get(user_id), claimed, digest, events)
        except Exception:
            # Not sent: give the claim back, so that the task's retry sends it.
            Notification.objects.filter(pk__in=[row[0] for row in claimed]).update(
                emailed_at=None)
            raise
    return sent


# ------------------------------------------------------------------------------ immediate
IMMEDIATE = "n.emailed_at IS NULL AND n.event_id = %(event)s AND n.email = 'immediate'"


def immediate_ranges(*, event_id: int) -> list[tuple[int, int]]:
    return user_ranges(IMMEDIATE, {"event": event_id})


def immediate_send_batch(*, event_id: int, first: int, last: int) -> int:
    """E-mail one event's immediate notifications to the users first..last; returns how
    many e-mails left."""
    return _send_batch(first, last, IMMEDIATE, {"event": event_id}, digest=None)


# ------------------------------------------------------------------------------ digests
DIGEST = "n.emailed_at IS NULL AND n.email = %(cadence)s AND n.created_at <= %(until)s"


def digest_period(cadence: str, at: datetime) -> date:
    """The day a daily digest is for; the Monday of a weekly one."""
    day = timezone.localdate(at)
    return day - timedelta(days=day.weekday()) if cadence == Cadence.WEEKLY else day


def digest_compose(*, cadence: str, at: datetime | None = None) -> DigestRun | None:
    """Start this period's digest of `cadence`, once: the run row is unique per period
    (None: already started). Returns the run; its batches are `digest_ranges(run)`."""
    at = at or timezone.now()
    run, created = DigestRun.objects.get_or_create(
        cadence=cadence, period=digest_period(cadence, at), defaults={"created_at": at})
    return run if created else None


def digest_ranges(run: DigestRun, size: int = BATCH_USERS) -> list[tuple[int, int]]:
    return user_ranges(DIGEST, {"cadence": run.cadence, "until": run.created_at}, size=size)


def digest_send_batch(*, run_id: int, first: int, last: int) -> int:
    """Send the digest of the run to the users first..last who have something unsent."""
    run = DigestRun.objects.get(pk=run_id)
    return _send_batch(first, last, DIGEST, {"cadence": run.cadence, "until": run.created_at},
                       digest=run.cadence)


# ------------------------------------------------------------------------------ e-mails
class _Events:
    """The events a batch's e-mails tell, each read once with what it names, whether it
    may still be told (hidden since the fan-out: dropped), and its line in each language
    for each reason."""

    def __init__(self):
        self.rows: dict[int, Event] = {}
        self.audience: dict[int, str] = {}
        self.lines: dict[tuple, dict] = {}

    def load(self, event_ids) -> None:
        missing = set(event_ids) - set(self.rows)
        if missing:
            for event in Event.objects.filter(pk__in=missing).select_related(
                    "project__municipality", "proposal", "comment__author", "phase"):
                self.rows[event.pk] = event
                self.audience[event.pk] = event_audience(event)

    def may_see(self, event_id: int, reason: str) -> bool:
        audience = self.audience.get(event_id, "none")
        return audience == "all" or (audience == "author" and reason == "author")

    def line(self, event_id: int, reason: str) -> dict:
        key = (event_id, reason, translation.get_language())
        if key not in self.lines:
            event = self.rows[event_id]
            with links_for(event.project.municipality) as origin:
                self.lines[key] = _line(event, reason, origin)
        return self.lines[key]


def _send(user, claimed: list[tuple[int, int, str]], digest: str | None,
          events: _Events) -> int:
    if user is None or not user.email or not user.is_active:
        return 0
    events.load(event_id for _pk, event_id, _reason in claimed)
    told = [(event_id, reason) for _pk, event_id, reason in claimed
            if events.may_see(event_id, reason)]
    if not told:
        return 0
    first = events.rows[told[0][0]]
    with translation.override(user.email_language), \
            links_for(first.project.municipality) as origin:
        lines = [events.line(event_id, reason) for event_id, reason in told]
        unsubscribe = origin + reverse("notifications:unsubscribe",
                                       args=[unsubscribe_token(user, "all")])
        one_kind = "" if digest else origin + reverse(
            "notifications:unsubscribe", args=[unsubscribe_token(user, first.kind)])
        if digest:
            count = len(lines)
            subject = (ngettext("[%(site)s] Your daily digest: %(count)s update",
                                "[%(site)s] Your daily digest: %(count)s updates", count)
                       if digest == Cadence.DAILY else
                       ngettext("[%(site)s] Your weekly digest: %(count)s update",
                                "[%(site)s] Your weekly digest: %(count)s updates", count)
                       ) % {"site": settings.SITE_NAME, "count": count}
        else:
            subject = f"[{settings.SITE_NAME}] {lines[0]['text']}"
        body = render_to_string("notifications/email/notifications.txt", {
            "recipient": user, "lines": lines, "digest": digest,
            "site_name": settings.SITE_NAME, "unsubscribe_url": unsubscribe,
            "unsubscribe_kind_url": one_kind})
    message = EmailMessage(
        subject=" ".join(subject.split()), body=body, to=[user.email], headers={
            # RFC 2369 and RFC 8058: the mail client's own "unsubscribe" button, one POST.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        })
    message.send()
    return 1


def _line(event: Event, reason: str, origin: str) -> dict:
    """One notification as a sentence and the link to see it, in the active language."""
    project = event.project
    title = " ".join((event.proposal.title if event.proposal else project.title).split())
    if event.proposal_id:
        url = origin + reverse("proposals:proposal", args=[event.proposal_id])
    else:
        url = origin + (project.link_path if project.visibility == Visibility.UNLISTED
                        else reverse("proposals:project", args=[project.slug]))
    detail = ""
    kind = event.kind
    if kind == Kind.PROPOSAL_PUBLISHED:
        text = _("New proposal in %(project)s: “%(title)s”") % {
            "project": project.title, "title": title}
    elif kind == Kind.PROPOSAL_STATUS:
        status = event.data.get("status", "")
        label = ProposalStatus(status).label if status in ProposalStatus.values else status
        if event.data.get("before") == status:
            text = _("“%(title)s” received an official answer") % {"title": title}
        elif reason == "author":
            text = _("Your proposal “%(title)s” is now: %(status)s") % {
                "title": title, "status": label}
        else:
            text = _("“%(title)s” is now: %(status)s") % {"title": title, "status": label}
        detail = event.data.get("answer", "")
    elif kind == Kind.COMMENT_POSTED:
        comment = event.comment
        name = (comment.author.public_name if comment and comment.author
                else _("A former participant"))
        text = (_("%(name)s replied in the discussion of “%(title)s”") if event.data.get("reply")
                else _("%(name)s commented on “%(title)s”")) % {"name": name, "title": title}
        detail = comment.body if comment else ""
        url += "#comments"  # the discussion, as the page shows it
    elif kind == Kind.PHASE_STARTED:
        phase = event.phase.get_kind_display() if event.phase else ""
        text = _("%(project)s: the %(phase)s phase has started") % {
            "project": project.title, "phase": phase.lower()}
    elif kind == Kind.RESULTS_PUBLISHED:
        text = _("The results of %(project)s are published") % {"project": project.title}
        url = origin + reverse("voting:results", args=[project.slug])
    else:  # proposal_merged
        text = _("“%(title)s” was merged into another proposal, which you now follow") % {
            "title": title}
        url = origin + reverse("proposals:proposal", args=[event.data.get("into")])
    if len(detail) > 500:
        detail = detail[:500] + "…"
    return {"text": text, "detail": detail, "url": url}

