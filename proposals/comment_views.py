"""The comments section of a proposal page, and the forms that post to it (no JavaScript
needed). Thin: reads through comment_selectors, writes through comment_services, and the
services' reasons become messages.

Every form posts back with the order and page the reader was looking at, so the answer
lands on the same listing, at the comment concerned (a new comment: on the first page of
the newest, where it is).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from proposals import comment_services as services
from proposals.comment_context import comment_listing
from proposals.comment_selectors import (
    DEFAULT_ORDERING,
    PAGE_SIZE,
    comment_for,
    comment_threads,
)
from proposals.forms import CommentForm, ReasonForm
from proposals.models import Comment
from proposals.view_lookups import proposal_readable_or_404
from proposals.views import proposal_detail


def _back(request, proposal_pk: int, anchor: str = "comments", *, first_page=False):
    order, page = comment_listing(request)
    if first_page:  # where a new comment is
        order, page = DEFAULT_ORDERING, "1"
    query = urlencode({"order": order, "page": page})
    return redirect(f"{reverse('proposals:proposal', args=[proposal_pk])}?{query}#{anchor}")


def _comment(request, pk: int) -> Comment:
    try:
        return comment_for(user=request.user, pk=pk)
    except Comment.DoesNotExist as exc:
        raise Http404 from exc


def comment_link(request, pk: int):
    """A lasting link to one comment (the dashboard, the admin): the page of its
    proposal's discussion, newest first, where its thread is."""
    comment = _comment(request, pk)
    thread = comment.parent or comment
    newer = comment_threads(user=request.user, proposal=comment.proposal).filter(
        Q(created_at__gt=thread.created_at) | Q(created_at=thread.created_at, pk__gt=thread.pk))
    query = urlencode({"order": DEFAULT_ORDERING, "page": newer.count() // PAGE_SIZE + 1})
    return redirect(f"{reverse('proposals:proposal', args=[comment.proposal_id])}?{query}"
                    f"#comment-{comment.pk}")


@login_required
@require_POST
def comment_post(request, pk: int):
    """A new comment, or a reply (with `parent`). On an error the proposal page comes back
    with the form as it was sent, so nothing typed is lost."""
    proposal = proposal_readable_or_404(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.comment_create(proposal=proposal, author=request.user,
                                              body=form.cleaned_data["body"],
                                              parent=form.cleaned_data["parent"])
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for field, messages_ in errors.items():
                form.add_error("body" if field == "body" else None, messages_)
        else:
            messages.success(request, _("Your reply is posted.") if comment.parent_id
                             else _("Your comment is posted."))
            return _back(request, pk, f"comment-{comment.pk}",
                         first_page=comment.parent_id is None)
    return proposal_detail(request, pk, comment_form=form, status=400)


def _act(request, pk: int, action, done: str, form_class=ReasonForm, invalid=None):
    invalid = invalid or _("Give a reason.")
    comment = _comment(request, pk)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        messages.error(request, invalid)
    else:
        data = {k: v for k, v in (form.cleaned_data if form else {}).items()
                if k in ("body", "reason")}
        try:
            action(comment, request.user, **data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, done)
    return _back(request, comment.proposal_id, f"comment-{comment.pk}")


@login_required
@require_POST
def comment_edit(request, pk: int):
    return _act(request, pk, lambda c, u, body: services.comment_update(
        comment=c, user=u, body=body), _("Your comment was changed."),
        form_class=CommentForm, invalid=_("Write a comment."))


@login_required
@require_POST
def comment_delete(request, pk: int):
    return _act(request, pk, lambda c, u: services.comment_delete(comment=c, user=u),
                _("Your comment was deleted."), form_class=None)


@login_required
@require_POST
def comment_flag(request, pk: int):
    return _act(request, pk, lambda c, u, reason: services.comment_flag(
        comment=c, user=u, reason=reason), _("Thank you: the planners will look at it."))


@login_required
@require_POST
def comment_hide(request, pk: int):
    return _act(request, pk, lambda c, u, reason: services.comment_hide(
        comment=c, planner=u, reason=reason), _("The comment is hidden."))


@login_required
@require_POST
def comment_restore(request, pk: int):
    return _act(request, pk, lambda c, u, reason: services.comment_restore(
        comment=c, planner=u, reason=reason), _("The comment is visible again."))
