"""Reads of comments: what a user may see of a proposal's discussion, one page at a time.

Who reads what: everyone reads comments that are not hidden; a hidden comment only its
author and planners (`proposals.moderate_comment`), as with proposals. A hidden
top-level comment still appears to others as a placeholder while it has replies they
can read, so those replies keep their place. Deleted comments show as a placeholder to
everyone (their text is gone from the database).

A page costs the same few queries however long it is: the top-level comments with their
reply counts, their replies, the authors' role badges and the reader's own reports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import RoleClaim
from proposals.models import Comment, CommentFlag, Project, Proposal
from proposals.selectors import proposals_readable, proposals_visible

ORDERINGS = {
    "newest": ("-created_at", "-pk"),
    "oldest": ("created_at", "pk"),
    "most_replied": ("-reply_count", "-created_at", "-pk"),
}
ORDERING_CHOICES = [("newest", _("Newest first")), ("oldest", _("Oldest first")),
                    ("most_replied", _("Most replied"))]
DEFAULT_ORDERING = "newest"
PAGE_SIZE = 20


def comments_public_q(prefix: str = "") -> Q:
    """The public comments: those everyone can read (neither deleted nor hidden). What
    every published count of comments counts (the report, the list's "most commented");
    `prefix` reaches them from another model ("comments__" from a proposal)."""
    return Q(**{f"{prefix}is_deleted": False, f"{prefix}is_hidden": False})


def can_moderate_comments(user) -> bool:
    return user.is_authenticated and user.has_perm("proposals.moderate_comment")


def _readable(user, prefix: str = "") -> Q | None:
    """The comments whose text `user` may read; None means all of them."""
    if can_moderate_comments(user):
        return None
    readable = Q(**{f"{prefix}is_hidden": False})
    if user.is_authenticated:
        readable |= Q(**{f"{prefix}author": user})
    return readable


def comment_readable(user, comment: Comment) -> bool:
    """Whether `user` may read this comment's text (the rule of `_readable`, in Python)."""
    return (not comment.is_hidden or can_moderate_comments(user)
            or (user.is_authenticated and comment.author_id == user.pk))


def comment_threads(*, user, proposal: Proposal,
                    ordering: str = DEFAULT_ORDERING) -> QuerySet[Comment]:
    """The top-level comments of `proposal` that `user` sees, in `ordering`.

    Each carries `reply_count` (the replies this user can read) and, once evaluated,
    `visible_replies` (those replies, oldest first). Slice it for a page, then pass the
    page to `comments_decorate`.
    """
    readable = _readable(user)
    replies = Comment.objects.select_related("author").order_by("created_at", "pk")
    if readable is not None:
        replies = replies.filter(readable)
    qs = (Comment.objects.filter(proposal=proposal, parent__isnull=True)
          .annotate(reply_count=Count("replies", filter=_readable(user, "replies__")))
          .select_related("author")
          .prefetch_related(Prefetch("replies", queryset=replies, to_attr="visible_replies")))
    if readable is not None:
        qs = qs.filter(readable | Q(reply_count__gt=0))
    return qs.order_by(*ORDERINGS.get(ordering, ORDERINGS[DEFAULT_ORDERING]))


def comments_decorate(comments: Iterable[Comment], *, user, proposal: Proposal | None = None,
                      at: datetime | None = None) -> list[Comment]:
    """Add what a page or the API shows about each comment and its replies, in two queries.

    Sets on every comment (top-level and replies): `masked` (the reader may not read it:
    show a placeholder), `badges` (names of the author's verified roles in force at
    `at`) and `flagged_by_me`; top-level ones get `entries` (themselves, then their
    replies). Replies learn their thread, and all their `proposal`, without a query, so
    rules can be asked about each. Returns the comments and their replies in page order.
    """
    everything = []
    for comment in comments:
        replies = getattr(comment, "visible_replies", [])
        comment.entries = [comment, *replies]  # a thread, for templates
        everything.append(comment)
        for reply in replies:
            reply.parent = comment
            everything.append(reply)
    if proposal is not None:
        for comment in everything:
            comment.proposal = proposal
    authors = {c.author_id for c in everything if c.author_id}
    badges = defaultdict(list)
    if authors:
        claims = (RoleClaim.objects.in_force(at).filter(user_id__in=authors)
                  .order_by("role__position", "role__name")
                  .values_list("user_id", "role__name"))
        for user_id, name in claims:  # one claim in force per user and role (constraint)
            badges[user_id].append(name)
    flagged = set()
    if user.is_authenticated and everything:
        flagged = set(CommentFlag.objects.filter(
            user=user, comment__in=[c.pk for c in everything]).values_list("comment_id",
                                                                            flat=True))
    for comment in everything:
        comment.masked = not comment_readable(user, comment)
        shown = not comment.masked and not comment.is_deleted
        comment.badges = badges.get(comment.author_id, []) if shown else []
        comment.flagged_by_me = comment.pk in flagged
    return everything


def comments_listed(*, user) -> QuerySet[Comment]:
    """Every comment `user` may read, across the proposals they may open: live (not
    deleted), not hidden unless they may read it; newest first. The API's comment list
    and the site's search read these."""
    qs = Comment.objects.filter(
        is_deleted=False,
        proposal__in=proposals_readable(user=user).order_by().values("pk"))
    readable = _readable(user)
    if readable is not None:
        qs = qs.filter(readable)
    return qs.select_related("author").order_by("-created_at", "-pk")


def comment_for(*, user, pk: int) -> Comment:
    """One comment `user` may read, on a proposal they may see; else Comment.DoesNotExist."""
    comment = (Comment.objects.select_related("proposal__project", "author", "parent")
               .get(pk=pk))
    project = comment.proposal.project
    if not (Project.objects.visible_to(user).filter(pk=project.pk).exists()
            and proposals_visible(user=user, project=project)
            .filter(pk=comment.proposal_id).exists()
            and comment_readable(user, comment)):
        raise Comment.DoesNotExist
    return comment


def comment_flags_open() -> QuerySet[CommentFlag]:
    """Reports on comments that still wait for a moderator: those on comments neither
    hidden nor deleted (either settles them). The queue below and the dashboard's
    counts read these."""
    return CommentFlag.objects.filter(comment__is_hidden=False, comment__is_deleted=False)


def comments_flagged() -> QuerySet[Comment]:
    """The moderation queue: live comments that users reported, most reported first."""
    return (Comment.objects.filter(is_hidden=False, is_deleted=False, flags__isnull=False)
            .annotate(flag_count=Count("flags"), last_flag=Max("flags__created_at"))
            .select_related("proposal", "author").order_by("-flag_count", "-last_flag"))
