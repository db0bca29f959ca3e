"""The comments section of a proposal page: the listing the reader asked for and what
templates/proposals/_comments.html needs. Apart from comment_views so that the proposal
page (proposals/views.py) and the comment forms (which re-render that page when a form
has errors) both use it and import each other only one way: comment_views -> views.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.utils import timezone

from proposals import comment_services as services
from proposals.comment_selectors import (
    DEFAULT_ORDERING,
    ORDERING_CHOICES,
    ORDERINGS,
    PAGE_SIZE,
    can_moderate_comments,
    comment_threads,
    comments_decorate,
)
from proposals.forms import CommentForm
from proposals.models import Proposal


def comment_listing(request) -> tuple[str, str]:
    """The order and page the reader is looking at, checked."""
    order = request.GET.get("order")
    page = request.GET.get("page", "")
    return (order if order in ORDERINGS else DEFAULT_ORDERING,
            page if page.isdigit() else "1")


def comments_context(request, proposal: Proposal, *, form: CommentForm | None = None) -> dict:
    """What templates/proposals/_comments.html needs: a page of threads, each comment
    with the actions this reader may take on it."""
    user, now = request.user, timezone.now()
    order, page_number = comment_listing(request)
    page = Paginator(comment_threads(user=user, proposal=proposal, ordering=order),
                     PAGE_SIZE).get_page(page_number)
    page.object_list = list(page.object_list)
    moderator = can_moderate_comments(user)
    for comment in comments_decorate(page.object_list, user=user, proposal=proposal, at=now):
        comment.can_reply = not services.why_not_reply(user, comment)
        comment.can_edit = not services.why_not_edit_comment(user, comment, now)
        comment.can_delete = not services.why_not_delete_comment(user, comment)
        comment.can_flag = (not services.why_not_flag_comment(user, comment)
                            and not comment.flagged_by_me)
        comment.can_moderate = moderator and (comment.is_hidden or not comment.is_deleted)
    return {
        "comments_page": page,
        "comments_order": order,
        "comment_orderings": ORDERING_CHOICES,
        "comments_query": "?" + urlencode({"order": order, "page": page.number}),
        "comment_form": form or CommentForm(),
        "why_not_comment": services.why_not_comment(user, proposal),
        "comment_edit_minutes": settings.COMMENT_EDIT_WINDOW_MINUTES,
    }
