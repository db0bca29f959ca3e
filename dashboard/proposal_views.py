"""A project's proposals for planners: change the status (shortlist for voting, accept,
reject, implemented), write the official answer; the author and voters are e-mailed."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from dashboard import services
from dashboard.access import error_text, form_action, next_url, planner_only
from dashboard.action_forms import AnswerForm, StatusForm
from proposals.merge import MERGEABLE
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


def _page(request, project: Project, *, sent: tuple[int, str, object] | None = None,
          status_code: int = 200):
    """The list; `sent` is (proposal pk, "status_form" or "answer_form", the form sent
    back with errors), shown with what the planner chose, on the page they were on."""
    query = request.GET
    if request.method == "POST":  # the filter and page of the page the form came from
        query = QueryDict(urlsplit(getattr(request, "page_path", "")).query)
    qs = (Proposal.objects.filter(project=project).select_related("category", "author")
          .annotate(vote_count=Count("votes", distinct=True)).order_by("-created_at", "-pk"))
    status = query.get("status", "")
    if status in ProposalStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE).get_page(query.get("page"))
    for proposal in page:
        proposal.status_form = StatusForm(statuses=_statuses(proposal), auto_id=False)
        proposal.answer_form = AnswerForm(initial={"answer": proposal.official_answer},
                                          auto_id=False)
        if sent and sent[0] == proposal.pk:
            setattr(proposal, sent[1], sent[2])
    return render(request, "dashboard/project_proposals.html", {
        "project": project, "page": page, "status": status,
        "statuses": ProposalStatus.choices,
        "query": urlencode({"status": status}) if status else "",
        "mergeable": [str(s) for s in MERGEABLE],
    }, status=status_code)


def _list_of(pk: int) -> str:
    slug = get_object_or_404(Proposal.objects.select_related("project"), pk=pk).project.slug
    return reverse("dashboard:project-proposals", args=[slug])


def _back(request, proposal: Proposal) -> str:
    default = reverse("dashboard:project-proposals", args=[proposal.project.slug])
    return next_url(request, default)


@planner_only(PERMISSION)
@form_action(_list_of)
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
        return _page(request, proposal.project, sent=(proposal.pk, "status_form", form),
                     status_code=400)
    messages.success(request, _("“%(title)s” is now %(status)s.") % {
        "title": proposal.title, "status": ProposalStatus(form.cleaned_data["status"]).label})
    return redirect(_back(request, proposal))


@planner_only(PERMISSION)
@form_action(_list_of)
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
        return _page(request, proposal.project, sent=(proposal.pk, "answer_form", form),
                     status_code=400)
    messages.success(request, _("The answer on “%(title)s” is published.") % {
        "title": proposal.title})
    return redirect(_back(request, proposal))
