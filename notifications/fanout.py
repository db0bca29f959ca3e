"""An event becomes one `Notification` per person who follows what it is about and may
see it: one INSERT … SELECT per event, whatever the number of followers, idempotent
(ON CONFLICT DO NOTHING on the user and event), so a fan-out run twice writes once.

Who hears of what (docs/notifications.md):
- a new proposal: the project's followers, and the followers of an area it touches;
- a status change or answer: the proposal's followers (explicit follows, its author, its
  voters — unless they stopped, an inactive `Follow`), the project's and the area's;
- a comment: the proposal's followers;
- a phase opening, results published: the project's followers, its proposals' followers,
  the followers of an area its area touches;
- a merged duplicate: the duplicate's followers.
Never the person who did it, only active accounts, and only what they may see now
(`selectors.event_audience`): areas hear only of listed (public) projects.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from notifications.follow_selectors import unread_forget
from notifications.models import Event, Kind
from notifications.selectors import event_audience
from proposals.models import Visibility, public_sql, public_sql_params

# Why a person hears of it, strongest first: one notification per person, the first reason.
REASONS = ("author", "voter", "proposal", "project", "area")

_NOT_STOPPED = """NOT EXISTS (SELECT 1 FROM notifications_follow s
    WHERE s.user_id = {user} AND s.proposal_id = {proposal} AND NOT s.active)"""
# The followers of the proposals whose ids `{proposals}` (SQL) gives: explicit follows,
# authors, voters and budget voters, unless they stopped.
_FOLLOWERS = (
    "SELECT f.user_id, 'proposal' FROM notifications_follow f "
    "WHERE f.active AND f.proposal_id IN ({proposals})",
    "SELECT p.author_id, 'author' FROM proposals_proposal p "
    "WHERE p.id IN ({proposals}) AND p.author_id IS NOT NULL AND {stopped_author}",
    "SELECT v.user_id, 'voter' FROM voting_vote v "
    "WHERE v.proposal_id IN ({proposals}) AND v.user_id IS NOT NULL AND {stopped_voter}",
    "SELECT b.user_id, 'voter' FROM voting_ballot b CROSS JOIN unnest(b.proposals) bp "
    "WHERE b.project_id = %(project)s AND bp IN ({proposals}) AND b.user_id IS NOT NULL "
    "AND {stopped_ballot}",
)


def _proposal_followers(proposals: str) -> list[str]:
    """SELECTs of (user_id, reason) following the proposals `proposals` (SQL) names."""
    stopped = {
        "stopped_author": _NOT_STOPPED.format(user="p.author_id", proposal="p.id"),
        "stopped_voter": _NOT_STOPPED.format(user="v.user_id", proposal="v.proposal_id"),
        "stopped_ballot": _NOT_STOPPED.format(user="b.user_id", proposal="bp"),
    }
    return [select.format(proposals=proposals, **stopped) for select in _FOLLOWERS]


PROJECT = "SELECT f.user_id, 'project' FROM notifications_follow f WHERE f.project_id = %(project)s"
AREA_OF_PROPOSAL = """SELECT f.user_id, 'area' FROM notifications_follow f
    JOIN proposals_proposal p ON p.id = %(proposal)s
    WHERE f.area IS NOT NULL AND f.municipality_id = %(municipality)s
      AND ST_Intersects(f.area, p.geometry)"""
AREA_OF_PROJECT = """SELECT f.user_id, 'area' FROM notifications_follow f
    JOIN proposals_project pr ON pr.id = %(project)s
    WHERE f.area IS NOT NULL AND f.municipality_id = %(municipality)s
      AND ST_Intersects(f.area, pr.area)"""
_PUBLIC_OF_PROJECT = "SELECT p.id FROM proposals_proposal p WHERE p.project_id = %(project)s AND "
PUBLIC_OF_PROJECT = _PUBLIC_OF_PROJECT + public_sql("p")  # noqa: S608 - constant fragments


def recipients_sql(event: Event, audience: str) -> list[str]:
    """The SELECTs of (user_id, reason) that hear of `event`, given its audience."""
    if audience == "none":
        return []
    if audience == "author":
        return ["SELECT p.author_id, 'author' FROM proposals_proposal p "
                "WHERE p.id = %(proposal)s AND p.author_id IS NOT NULL"]
    listed = event.project.visibility == Visibility.PUBLIC
    kind = event.kind
    if kind == Kind.PROPOSAL_PUBLISHED:
        return [PROJECT, *([AREA_OF_PROPOSAL] if listed else [])]
    if kind == Kind.PROPOSAL_STATUS:
        return [*_proposal_followers("%(proposal)s"), PROJECT,
                *([AREA_OF_PROPOSAL] if listed else [])]
    if kind in (Kind.COMMENT_POSTED, Kind.PROPOSAL_MERGED):
        return _proposal_followers("%(proposal)s")
    # Phases and results: the whole project.
    return [PROJECT, *_proposal_followers(PUBLIC_OF_PROJECT),
            *([AREA_OF_PROJECT] if listed else [])]


INSERT = """
INSERT INTO notifications_notification
    (user_id, event_id, reason, in_app, email, created_at)
SELECT r.user_id, %(event)s, r.reason,
       NOT (%(kind)s = ANY(COALESCE(pref.in_app_off, '{{}}'))),
       CASE WHEN u.email = '' THEN 'off'
            WHEN pref.user_id IS NULL THEN
                 CASE WHEN r.reason = 'author' OR (r.reason = 'voter' AND %(answered)s)
                      THEN 'immediate' ELSE 'weekly' END
            WHEN %(kind)s = ANY(pref.email_off) THEN 'off'
            ELSE pref.cadence END,
       %(now)s
FROM (SELECT DISTINCT ON (user_id) user_id, reason
      FROM ({union}) AS candidates(user_id, reason)
      ORDER BY user_id, array_position(%(reasons)s, reason)) r
JOIN accounts_user u ON u.id = r.user_id AND u.is_active
LEFT JOIN notifications_preferences pref ON pref.user_id = r.user_id
WHERE r.user_id <> ALL(%(excluded)s)
ON CONFLICT (user_id, event_id) DO NOTHING
RETURNING user_id, in_app
"""


def _bells_forget(user_ids: list[int]) -> None:
    for start in range(0, len(user_ids), 1000):
        unread_forget(user_ids[start:start + 1000])


def event_fan_out(*, event_id: int) -> int | None:
    """Write the notifications of one event, once; returns how many (None: already done).

    The event row is locked while its notifications are written, and marked fanned out
    in the same transaction: two workers given the same event write it once."""
    with transaction.atomic():
        event = (Event.objects.select_for_update(of=("self",))
                 .select_related("project", "proposal", "comment")
                 .filter(pk=event_id, fanned_out_at__isnull=True).first())
        if event is None:
            return None
        selects = recipients_sql(event, event_audience(event))
        written = 0
        if selects:
            excluded = [event.actor_id or 0]
            if event.kind == Kind.PROPOSAL_PUBLISHED and event.proposal.author_id:
                # Its author knows: they wrote it (and hear of moderation publishing it
                # as a status change).
                excluded.append(event.proposal.author_id)
            with connection.cursor() as cursor:
                # One statement for every follower: 100,000 of them take tens of seconds
                # on a small server, past the requests' statement timeout (30 s).
                cursor.execute("SET LOCAL statement_timeout = '10min'")
                cursor.execute(INSERT.format(union=" UNION ALL ".join(selects)), {
                    "event": event.pk, "kind": event.kind, "now": timezone.now(),
                    "project": event.project_id, "proposal": event.proposal_id,
                    "municipality": event.municipality_id, "reasons": list(REASONS),
                    "excluded": excluded, **public_sql_params(),
                    # The city's answer reaches the proposal's voters at once by default,
                    # as the answer e-mail did before notifications.
                    "answered": event.kind == Kind.PROPOSAL_STATUS
                    and bool((event.data or {}).get("answer"))})
                rows = cursor.fetchall()
                written = len(rows)
            # The bell's cached counts of those who see it there are dropped once the
            # notifications are committed (else the bell lags until the cache expires).
            shown = [user_id for user_id, in_app in rows if in_app]
            if shown:
                transaction.on_commit(lambda: _bells_forget(shown))
        Event.objects.filter(pk=event.pk).update(fanned_out_at=timezone.now())
    return written
