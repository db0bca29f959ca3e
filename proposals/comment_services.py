"""Writes and rules for comments: post, reply, edit, delete, flag, hide, restore.

The rules are `why_not_*` functions that answer with a reason when the answer is no
(as in `proposals.rules`), so a page hides a button for the same reason the service
refuses. They read only the objects they are given, so a page can ask them for every
comment it shows without a query each.

Changes are claim-by-update: what may change meanwhile (deleted, hidden, the edit
window) sits in the UPDATE's WHERE clause, so an edit racing a delete can never bring
deleted text back, and two planners hiding at once log one event.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from core import events
from proposals.comment_selectors import can_moderate_comments, comment_readable
from proposals.languages import language_active
from proposals.models import (
    COMMENT_MAX_LENGTH,
    PUBLIC_STATUSES,
    Comment,
    CommentFlag,
    Proposal,
    ProposalStatus,
    Visibility,
)

REASON_MAX_LENGTH = 1000


class CommentRateExceeded(ValidationError):
    """A user sent more new comments in a minute than COMMENT_RATE_PER_MINUTE allows."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message, code="throttled")
        self.retry_after = retry_after


def edit_window() -> timedelta:
    return timedelta(minutes=settings.COMMENT_EDIT_WINDOW_MINUTES)


# ------------------------------------------------------------------------------ rules
def why_not_comment(user, proposal: Proposal) -> str | None:
    """Signed-in users comment on published proposals that are not hidden, in any phase,
    unless the project is a draft. That is also exactly when the proposal is visible to
    everyone, so nobody comments where others could not read it."""
    if not user.is_authenticated:
        return _("Log in to comment.")
    if proposal.project.visibility == Visibility.DRAFT:
        return _("This project is not open yet.")
    if proposal.is_hidden:
        return _("Comments are closed while the proposal is hidden.")
    if proposal.status == ProposalStatus.WITHDRAWN:
        return _("Comments are closed on a withdrawn proposal.")
    if proposal.status not in PUBLIC_STATUSES:
        return _("Comments open once the proposal is published.")
    return None


def why_not_reply(user, comment: Comment) -> str | None:
    """Replies go to live comments; a thread a moderator hid takes no more replies."""
    reason = why_not_comment(user, comment.proposal)
    if reason:
        return reason
    if comment.is_deleted:
        return _("This comment was deleted; it takes no replies.")
    if comment.is_hidden or (comment.parent is not None and comment.parent.is_hidden):
        return _("A moderator hid this discussion; it takes no replies.")
    return None


def why_not_edit_comment(user, comment: Comment, at: datetime | None = None) -> str | None:
    at = at or timezone.now()
    if not user.is_authenticated or comment.author_id != user.pk:
        return _("Only its author can change a comment.")
    if comment.is_deleted:
        return _("A deleted comment cannot be changed.")
    if comment.is_hidden:
        return _("A comment hidden by a moderator cannot be changed.")
    if at >= comment.created_at + edit_window():
        return (_("A comment can be changed only in the %(minutes)s minutes after it was "
                  "posted.") % {"minutes": settings.COMMENT_EDIT_WINDOW_MINUTES})
    return None


def why_not_delete_comment(user, comment: Comment) -> str | None:
    """Authors delete their comments at any time (a hidden one too): it is their text."""
    if not user.is_authenticated or comment.author_id != user.pk:
        return _("Only its author can delete a comment.")
    if comment.is_deleted:
        return _("This comment is already deleted.")
    return None


def why_not_flag_comment(user, comment: Comment) -> str | None:
    if not user.is_authenticated:
        return _("Log in to report a comment.")
    if comment.author_id == user.pk:
        return _("You cannot report your own comment.")
    if comment.is_deleted:
        return _("This comment was deleted.")
    if comment.is_hidden:
        return _("A moderator has already hidden this comment.")
    return None


# ------------------------------------------------------------------------------ helpers
def _refuse(reason: str | None) -> None:
    if reason:
        raise PermissionDenied(reason)


def _text(value: str, field: str, missing: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: missing})
    if len(value) > max_length:
        raise ValidationError({field: _("Write at most %(max)s characters (this has %(count)s).")
                                      % {"max": max_length, "count": len(value)}})
    return value


def _reply_target(proposal: Proposal, user, parent) -> Comment:
    """The comment replied to; one of another proposal, or one the user cannot read, is
    refused with the same words, so that ids reveal nothing."""
    parent_id = getattr(parent, "pk", parent)
    target = (Comment.objects.select_related("parent", "proposal__project")
              .filter(pk=parent_id, proposal=proposal).first())
    if target is None or not comment_readable(user, target):
        raise ValidationError({"parent": _("Reply to a comment on this proposal.")})
    return target


def _rate_check(user, at: datetime) -> None:
    """At most COMMENT_RATE_PER_MINUTE new comments per user and clock minute.

    The count lives in the cache (Redis), where INCR is atomic, so the page and the API,
    on any number of web processes, share one budget. 0 switches the limit off.
    """
    limit = settings.COMMENT_RATE_PER_MINUTE
    if limit <= 0:
        return
    key = f"comments:rate:{user.pk}:{int(at.timestamp()) // 60}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    if count > limit:
        raise CommentRateExceeded(
            _("You are commenting too fast: at most %(limit)s comments a minute. "
              "Wait a moment, then send it again.") % {"limit": limit},
            retry_after=60 - at.second)


# ------------------------------------------------------------------------------ writes
def comment_create(*, proposal: Proposal, author, body: str, parent=None,
                   at: datetime | None = None) -> Comment:
    """Post a comment, or a reply when `parent` (a Comment or its id) is given.

    A reply to a reply joins the same top-level comment: threads have two levels.
    """
    at = at or timezone.now()
    _refuse(why_not_comment(author, proposal))
    body = _text(body, "body", _("Write a comment."), COMMENT_MAX_LENGTH)
    thread = None
    if parent is not None:
        target = _reply_target(proposal, author, parent)
        _refuse(why_not_reply(author, target))
        thread = target.parent or target
    _rate_check(author, at)
    with transaction.atomic():
        comment = Comment.objects.create(proposal=proposal, author=author, parent=thread,
                                         body=body, created_at=at,
                                         language=language_active())
        # The proposal's author and followers hear of it (notifications app).
        events.event_emit(events.COMMENT_POSTED, project_id=proposal.project_id,
                          proposal_id=proposal.pk, comment_id=comment.pk,
                          actor_id=author.pk, data={"reply": thread is not None})
    return comment


def comment_update(*, comment: Comment, user, body: str,
                   at: datetime | None = None) -> Comment:
    """The author corrects their comment, within COMMENT_EDIT_WINDOW_MINUTES."""
    at = at or timezone.now()
    _refuse(why_not_edit_comment(user, comment, at))
    body = _text(body, "body", _("Write a comment."), COMMENT_MAX_LENGTH)
    if not Comment.objects.filter(
        pk=comment.pk, author=user, is_deleted=False, is_hidden=False,
        created_at__gt=at - edit_window(),
    ).update(body=body, edited_at=at):
        raise ValidationError(_("This comment changed meanwhile; reload the page."))
    comment.refresh_from_db()
    return comment


def comment_delete(*, comment: Comment, user) -> Comment:
    """Soft delete: the row stays so its replies keep their place, but the body is
    blanked in the database, because it is the author's personal data and they asked
    for it to go (the page then says "This comment was deleted")."""
    _refuse(why_not_delete_comment(user, comment))
    if not Comment.objects.filter(pk=comment.pk, author=user, is_deleted=False).update(
            is_deleted=True, body=""):
        raise ValidationError(_("This comment is already deleted."))
    comment.refresh_from_db()
    return comment


def comment_flag(*, comment: Comment, user, reason: str) -> CommentFlag:
    """Report a comment to the planners, once per user, with a reason."""
    _refuse(why_not_flag_comment(user, comment))
    reason = _text(reason, "reason", _("Give a reason."), REASON_MAX_LENGTH)
    try:
        with transaction.atomic():
            return CommentFlag.objects.create(comment=comment, user=user, reason=reason)
    except IntegrityError as exc:
        raise ValidationError(_("You have already reported this comment."),
                              code="already_flagged") from exc


def _moderate(comment: Comment, planner, reason: str, *, hide: bool) -> Comment:
    if not can_moderate_comments(planner):
        raise PermissionDenied(_("Only planners can hide or restore comments."))
    reason = _text(reason, "reason", _("Give a reason."), REASON_MAX_LENGTH)
    claim = Comment.objects.filter(pk=comment.pk, is_hidden=not hide)
    if hide:
        if comment.is_deleted:
            raise ValidationError(_("This comment was deleted; there is nothing to hide."))
        claim = claim.filter(is_deleted=False)
    with transaction.atomic():
        if not claim.update(is_hidden=hide, hidden_reason=reason if hide else ""):
            raise ValidationError(_("This comment is already hidden.") if hide else
                                  _("This comment is already visible."), code="no_change")
        audit_record(actor=planner, target=comment, reason=reason,
                     project_id=comment.proposal.project_id,
                     action=AuditAction.COMMENT_HIDE if hide else AuditAction.COMMENT_RESTORE,
                     details={"proposal_id": comment.proposal_id})
    comment.refresh_from_db()
    return comment


def comment_hide(*, comment: Comment, planner, reason: str) -> Comment:
    """Hide a comment from everyone but planners and its author, saying why."""
    return _moderate(comment, planner, reason, hide=True)


def comment_restore(*, comment: Comment, planner, reason: str) -> Comment:
    return _moderate(comment, planner, reason, hide=False)


def comment_flags_dismiss(*, comment: Comment, planner, reason: str) -> int:
    """Dismiss the reports on a comment that breaks no rule; returns how many. The
    reports are deleted and the log keeps them, with the planner's reason."""
    if not can_moderate_comments(planner):
        raise PermissionDenied(_("Only planners can dismiss reports."))
    reason = _text(reason, "reason", _("Give a reason."), REASON_MAX_LENGTH)
    with transaction.atomic():
        flags = list(CommentFlag.objects.select_for_update().filter(comment=comment)
                     .order_by("created_at").values_list("user_id", "reason"))
        if not flags:
            raise ValidationError(_("This comment has no reports to dismiss."), code="no_change")
        CommentFlag.objects.filter(comment=comment).delete()
        audit_record(actor=planner, action=AuditAction.COMMENT_FLAGS_DISMISS, target=comment,
                     reason=reason, project_id=comment.proposal.project_id,
                     details={"proposal_id": comment.proposal_id,
                              "reports": [{"user_id": u, "reason": r} for u, r in flags]})
    return len(flags)
