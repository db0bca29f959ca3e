"""Reads for following and the bell: what a person follows (their explicit follows and
the proposals they follow by default, as author or voter), whether they follow a
proposal, their inbox and its unread count.

The bell is on every page, so its count is cached per person for a short while
(`UNREAD_SECONDS`) and forgotten when they read something (`unread_forget`, which the
fan-out may call too). It counts at most `UNREAD_CAP` + 1 rows: the bell says "99+".
A person sees the notifications of the municipality being served only: another city's
titles never show on this one's pages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import QuerySet
from django.urls import reverse

from core import tenancy
from notifications.models import Follow, Kind, Notification, Preferences
from proposals import selectors as proposal_selectors
from proposals.models import Comment, Project, Proposal
from voting.budget_models import Ballot
from voting.models import Vote

UNREAD_CAP = 99
UNREAD_SECONDS = 30
INBOX_PAGE = 20


# ---------------------------------------------------------------------------- the bell

def _unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_forget(user_ids) -> None:
    """Drop the cached counts of these people (after their notifications changed)."""
    cache.delete_many([_unread_key(pk) for pk in user_ids])


def inbox(user) -> QuerySet[Notification]:
    """The person's notifications shown in the bell, newest first, in the municipalities
    being served (the `notifications_inbox` index: user, newest first, in-app only)."""
    qs = Notification.objects.filter(user=user, in_app=True)
    visible = tenancy.visible_ids()
    if visible is not None:
        qs = qs.filter(event__municipality_id__in=sorted(visible))
    return qs.order_by("-created_at", "-pk")


def unread_count(user) -> int:
    """How many unread notifications the bell shows (at most UNREAD_CAP + 1)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    served = tenancy.current_id() or 0
    key = _unread_key(user.pk)
    counts = cache.get(key) or {}
    if served in counts:
        return counts[served]
    count = inbox(user).filter(read_at__isnull=True).values("pk")[:UNREAD_CAP + 1].count()
    cache.set(key, {**counts, served: count}, UNREAD_SECONDS)
    return count


# --------------------------------------------------------------------------- the inbox

@dataclass(frozen=True)
class InboxItem:
    """One notification as the inbox shows it. `proposal`, `project` and `comment` are
    None when the reader may no longer see them (hidden since, deleted, a draft): the
    item then says so, without their text."""

    notification: Notification
    kind: str
    proposal: Proposal | None
    project: Project | None
    comment: Comment | None
    available: bool

    @property
    def unread(self) -> bool:
        return self.notification.read_at is None

    @property
    def status_label(self) -> str:
        from proposals.models import ProposalStatus

        status = self.notification.event.data.get("status") or getattr(
            self.proposal, "status", "")
        return dict(ProposalStatus.choices).get(status, status)


def inbox_items(user, notifications) -> list[InboxItem]:
    """The page's notifications with what the reader may still see of each: two queries
    for the whole page, whatever its length."""
    notifications = list(notifications)
    events = [n.event for n in notifications]
    proposal_ids = {e.proposal_id for e in events if e.proposal_id}
    readable = set(proposal_selectors.proposals_readable(user=user)
                   .filter(pk__in=proposal_ids).values_list("pk", flat=True))
    projects = set(Project.objects.visible_to(user).filter(
        pk__in={e.project_id for e in events}).values_list("pk", flat=True))
    items = []
    for notification in notifications:
        event = notification.event
        project = event.project if event.project_id in projects else None
        proposal = event.proposal if event.proposal_id in readable else None
        comment = event.comment
        if comment is not None and (comment.is_hidden or comment.is_deleted):
            comment = None
        needs_proposal = event.proposal_id is not None
        needs_comment = event.comment_id is not None
        available = (project is not None and (proposal is not None or not needs_proposal)
                     and (comment is not None or not needs_comment))
        items.append(InboxItem(notification=notification, kind=event.kind, proposal=proposal,
                               project=project, comment=comment, available=available))
    return items


def notification_target(item: InboxItem) -> str | None:
    """Where a notification leads: its comment, proposal or project (None: no longer
    there for this reader)."""
    if not item.available:
        return None
    if item.kind == Kind.COMMENT_POSTED:
        return reverse("proposals:comment", args=[item.comment.pk])
    if item.kind == Kind.RESULTS_PUBLISHED:
        return reverse("voting:results", args=[item.project.slug])
    if item.proposal is not None:
        return reverse("proposals:proposal", args=[item.proposal.pk])
    return reverse("proposals:project", args=[item.project.slug])


# ------------------------------------------------------------------ what a person follows

def _ballot_proposal_ids(user) -> set[int]:
    return {pk for ids in Ballot.objects.filter(user=user).values_list("proposals", flat=True)
            for pk in ids}


def implicit_reason(user, proposal: Proposal) -> str | None:
    """Why a person follows a proposal without asking: "author", "voter", or None."""
    if not user.is_authenticated:
        return None
    if proposal.author_id == user.pk:
        return "author"
    if Vote.objects.filter(user=user, proposal=proposal).exists():
        return "voter"
    if Ballot.objects.filter(user=user, proposals__contains=[proposal.pk]).exists():
        return "voter"
    return None


def is_following(user, proposal: Proposal) -> bool:
    """Whether the person hears of this proposal: their own row says so (followed, or
    stopped), else they follow it as its author or a voter."""
    if not user.is_authenticated:
        return False
    active = (Follow.objects.filter(user=user, proposal=proposal)
              .values_list("active", flat=True).first())
    if active is not None:
        return active
    return implicit_reason(user, proposal) is not None


def is_following_project(user, project: Project) -> bool:
    return user.is_authenticated and Follow.objects.filter(user=user, project=project).exists()


@dataclass(frozen=True)
class FollowItem:
    """One line of "what I follow": `what` is "proposal", "project" or "area"; `reason`
    "followed" (asked for), "author" or "voter" (by default)."""

    what: str
    reason: str
    follow: Follow | None = None
    proposal: Proposal | None = None
    project: Project | None = None

    @property
    def area_geojson(self) -> str:
        return self.follow.area.geojson if self.follow and self.follow.area else ""


def follows_of(user) -> list[FollowItem]:
    """Everything the person follows in the municipality served: areas, projects, then
    proposals (followed, written, voted on), each once, only what they may still see."""
    rows = list(Follow.objects.filter(user=user).select_related("project"))
    stopped = {f.proposal_id for f in rows if f.proposal_id and not f.active}
    followed = {f.proposal_id: f for f in rows if f.proposal_id and f.active}
    readable = proposal_selectors.proposals_readable(user=user)
    voted = set(Vote.objects.filter(user=user).values_list("proposal_id", flat=True))
    voted |= _ballot_proposal_ids(user)
    mine = readable.filter(author=user).values_list("pk", flat=True)
    ids = (set(followed) | voted | set(mine)) - stopped
    proposals = {p.pk: p for p in readable.filter(pk__in=ids).order_by("-created_at")}
    visible_projects = set(Project.objects.visible_to(user).values_list("pk", flat=True))
    items = [FollowItem("area", "followed", follow=f) for f in rows if f.area is not None]
    items += [FollowItem("project", "followed", follow=f, project=f.project) for f in rows
              if f.project_id and f.project_id in visible_projects]
    for pk, proposal in proposals.items():
        if pk in followed:
            reason = "followed"
        elif proposal.author_id == user.pk:
            reason = "author"
        else:
            reason = "voter"
        items.append(FollowItem("proposal", reason, follow=followed.get(pk), proposal=proposal))
    return items


def areas_feature_collection(items: list[FollowItem]) -> dict:
    """The followed areas as GeoJSON for the small map of "what I follow" (names go
    into the page through textContent)."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": item.follow.pk, "geometry": json.loads(item.area_geojson),
         "properties": {"name": item.follow.name}}
        for item in items if item.what == "area"]}


# --------------------------------------------------------------------------- preferences

def preferences_of(user) -> Preferences:
    """The person's preferences, or the defaults (unsaved) when they set none."""
    return Preferences.objects.filter(user=user).first() or Preferences(user=user)
