"""The moderation queue: reported proposals and comments, with their reports; hide,
restore or dismiss, each with a reason (hidden items show it to their author)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from dashboard.access import error_text, form_action, next_url, planner_only
from dashboard.action_forms import ModerationForm
from proposals import comment_services, services
from proposals.comment_selectors import comments_flagged
from proposals.models import Comment, CommentFlag, Flag, Proposal
from proposals.selectors import proposals_flagged

SHOWN = 50
HIDDEN_SHOWN = 20
PERMISSION = "proposals.moderate_proposal"


def _page(request, status: int = 200, sent: dict | None = None):
    """The queue; `sent` (kind, pk, reason) is a form sent back with errors: its item
    shows the reason the planner wrote."""
    flags = Flag.objects.select_related("user").order_by("created_at")
    comment_flags = CommentFlag.objects.select_related("user").order_by("created_at")
    proposals = proposals_flagged().prefetch_related(Prefetch("flags", queryset=flags))
    comments = comments_flagged().select_related("proposal__project").prefetch_related(
        Prefetch("flags", queryset=comment_flags))
    return render(request, "dashboard/moderation.html", {
        "proposals": proposals[:SHOWN],
        "comments": comments[:SHOWN],
        "hidden_proposals": Proposal.objects.filter(is_hidden=True).select_related(
            "project").order_by("-updated_at")[:HIDDEN_SHOWN],
        "hidden_comments": Comment.objects.filter(is_hidden=True, is_deleted=False)
        .select_related("proposal").order_by("-pk")[:HIDDEN_SHOWN],
        "form": ModerationForm(),
        "sent": sent,
    }, status=status)


@planner_only(PERMISSION)
def moderation_queue(request):
    return _page(request)


def _queue(**kwargs) -> str:
    return reverse("dashboard:moderation")


def _act(request, kind: str, pk: int, actions: dict):
    form = ModerationForm(request.POST)
    sent = {"kind": kind, "pk": pk, "reason": request.POST.get("reason", "")}
    if not form.is_valid():
        messages.error(request, error_text(form.errors))
        return _page(request, status=400, sent=sent)
    action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
    try:
        actions[action](reason)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return _page(request, status=400, sent=sent)
    done = {ModerationForm.HIDE: _("Hidden."), ModerationForm.RESTORE: _("Restored."),
            ModerationForm.DISMISS: _("The reports are dismissed.")}[action]
    messages.success(request, done)
    return redirect(next_url(request, "dashboard:moderation"))


@planner_only(PERMISSION)
@form_action(_queue)
def proposal_moderate(request, pk: int):
    proposal = get_object_or_404(Proposal, pk=pk)
    user = request.user
    return _act(request, "proposal", proposal.pk, {
        ModerationForm.HIDE: lambda r: services.proposal_hide(
            proposal=proposal, planner=user, reason=r),
        ModerationForm.RESTORE: lambda r: services.proposal_restore(
            proposal=proposal, planner=user, reason=r),
        ModerationForm.DISMISS: lambda r: services.proposal_flags_dismiss(
            proposal=proposal, planner=user, reason=r),
    })


@planner_only("proposals.moderate_comment")
@form_action(_queue)
def comment_moderate(request, pk: int):
    comment = get_object_or_404(Comment.objects.select_related("proposal"), pk=pk)
    user = request.user
    if not user.has_perm(PERMISSION):
        raise PermissionDenied
    return _act(request, "comment", comment.pk, {
        ModerationForm.HIDE: lambda r: comment_services.comment_hide(
            comment=comment, planner=user, reason=r),
        ModerationForm.RESTORE: lambda r: comment_services.comment_restore(
            comment=comment, planner=user, reason=r),
        ModerationForm.DISMISS: lambda r: comment_services.comment_flags_dismiss(
            comment=comment, planner=user, reason=r),
    })
