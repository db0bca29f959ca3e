"""A project's proposals for planners: change the status (shortlist for voting, accept,
reject, implemented), write the official answer; the author and voters are e-mailed."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dashboard import services
from dashboard.access import error_text, next_url, planner_only
from dashboard.action_forms import AnswerForm, StatusForm
from proposals.models import Project, Proposal, ProposalStatus
from proposals.services import TRANSITIONS

PERMISSION = "proposals.answer_proposal"
PAGE = 25


def _statuses(proposal: Proposal) -> list[tuple[str, str]]:
    allowed = TRANSITIONS.get(proposal.status, set())
    return [(value, label) for value, label in ProposalStatus.choices if value in allowed]


@planner_only(PERMISSION)
def project_proposals(request, slug: str):
    return _page(request, get_object_or_404(Project, slug=slug))


def _page(request, project: Project, status_code: int = 200):
    qs = (Proposal.objects.filter(project=project).select_related("category", "author")
          .annotate(vote_count=Count("votes", distinct=True)).order_by("-created_at", "-pk"))
    status = request.GET.get("status", "")
    if status in ProposalStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    for proposal in page:
        proposal.status_form = StatusForm(statuses=_statuses(proposal), auto_id=False)
        proposal.answer_form = AnswerForm(initial={"answer": proposal.official_answer},
                                          auto_id=False)
    return render(request, "dashboard/project_proposals.html", {
        "project": project, "page": page, "status": status,
        "statuses": ProposalStatus.choices,
        "query": urlencode({"status": status}) if status else "",
    }, status=status_code)


def _back(request, proposal: Proposal) -> str:
    default = reverse("dashboard:project-proposals", args=[proposal.project.slug])
    return next_url(request, default)


@require_POST
@planner_only(PERMISSION)
def proposal_status(request, pk: int):
    proposal = get_object_or_404(Proposal.objects.select_related("project"), pk=pk)
    form = StatusForm(request.POST, statuses=_statuses(proposal))
    try:
        if not form.is_valid():
            raise ValidationError(error_text(form.errors))
        services.proposal_decide(proposal=proposal, planner=request.user,
                                 status=form.cleaned_data["status"],
                                 answer=form.cleaned_data["answer"])
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return _page(request, proposal.project, status_code=400)
    messages.success(request, _("“%(title)s” is now %(status)s.") % {
        "title": proposal.title, "status": ProposalStatus(form.cleaned_data["status"]).label})
    return redirect(_back(request, proposal))


@require_POST
@planner_only(PERMISSION)
def proposal_answer(request, pk: int):
    proposal = get_object_or_404(Proposal.objects.select_related("project"), pk=pk)
    form = AnswerForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(error_text(form.errors))
        services.proposal_answer_write(proposal=proposal, planner=request.user,
                                       answer=form.cleaned_data["answer"])
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return _page(request, proposal.project, status_code=400)
    messages.success(request, _("The answer on “%(title)s” is published.") % {
        "title": proposal.title})
    return redirect(_back(request, proposal))
