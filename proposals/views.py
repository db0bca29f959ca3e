"""Citizen pages of projects and proposals: thin views over selectors and services."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.form_errors import form_add_service_errors
from proposals import rules, selectors, services
from proposals.comment_views import comments_context
from proposals.forms import ProposalFilterForm, ProposalForm, ReasonForm, StatusForm
from proposals.models import Project, Proposal, ProposalStatus


def home(request):
    return render(request, "proposals/project_list.html", {
        "projects": selectors.projects_listed(user=request.user)[:50]})


def _project(request, slug: str) -> Project:
    try:
        return selectors.project_for(user=request.user, slug=slug)
    except Project.DoesNotExist as exc:
        raise Http404 from exc


def _map_config(project: Project, **extra) -> dict:
    from gisdata import selectors as gis_selectors

    return {
        "api": reverse("api:project-proposals", args=[project.pk]),
        "area": json.loads(project.area.json),
        "categories": {c.slug: {"name": c.name, "color": c.color}
                       for c in project.categories.all()},
        "statuses": dict(ProposalStatus.choices),
        "proposal_url": reverse("proposals:proposal", args=[0]).replace("/0/", "/{id}/"),
        # The city's published layers over the project's area, for the layer control.
        "layers": [gis_selectors.layer_map_config(layer)
                   for layer in gis_selectors.layers_for_area(project.area)],
        **extra,
    }


def project_detail(request, slug: str):
    project = _project(request, slug)
    filters = ProposalFilterForm(request.GET or None, project=project)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    qs = selectors.proposals_filter(
        selectors.proposals_visible(user=request.user, project=project),
        selectors.ProposalFilter(
            categories=(chosen["category"],) if chosen.get("category") else (),
            statuses=(chosen["status"],) if chosen.get("status") else ()),
    ).select_related("category", "author")
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(request, "proposals/project_detail.html", {
        "project": project, "page": page, "filters": filters,
        "phase": project.current_phase(), "phases": project.phases.all(),
        "why_not_propose": rules.why_not_create(request.user, project),
        "map_config": _map_config(project),
    })


@login_required
def propose(request, slug: str):
    project = _project(request, slug)
    reason = rules.why_not_create(request.user, project)
    if reason:
        messages.error(request, reason)
        return redirect("proposals:project", slug=slug)
    form = ProposalForm(request.POST or None, request.FILES or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_create(project=project, author=request.user,
                                                **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Your proposal is on the map.") if proposal.status ==
                             "published" else _("Thank you: your proposal will appear once "
                                                "a planner has reviewed it."))
            return redirect(f"{reverse('proposals:project', args=[slug])}"
                            f"?focus={proposal.pk}")
    return render(request, "proposals/proposal_form.html", {
        "project": project, "form": form, "map_config": _map_config(project),
        "title": "Propose here"}, status=400 if form.errors else 200)


def _proposal(request, pk: int) -> Proposal:
    return get_object_or_404(selectors.proposals_readable(user=request.user), pk=pk)


def proposal_detail(request, pk: int, *, comment_form=None, status=200):
    """The proposal page; `comment_form` brings back a comment form that had errors."""
    proposal = _proposal(request, pk)
    user = request.user
    return render(request, "proposals/proposal_detail.html", {
        "proposal": proposal, "project": proposal.project,
        "images": proposal.images.all(),
        "can_edit": not rules.why_not_edit(user, proposal),
        "can_withdraw": not rules.why_not_withdraw(user, proposal),
        "can_flag": not rules.why_not_flag(user, proposal),
        "can_moderate": rules.can_moderate(user),
        "can_answer": rules.can_answer(user),
        "reason_form": ReasonForm(), "status_form": StatusForm(),
        "map_config": _map_config(proposal.project,
                                  geometry=json.loads(proposal.geometry.json)),
        **comments_context(request, proposal, form=comment_form),
    }, status=status)


@login_required
def proposal_edit(request, pk: int):
    proposal = _proposal(request, pk)
    reason = rules.why_not_edit(request.user, proposal)
    if reason:
        raise PermissionDenied(reason)
    initial = {"title": proposal.title, "body": proposal.body,
               "category": proposal.category.slug, "geometry": proposal.geometry.json}
    form = ProposalForm(request.POST or None, project=proposal.project, initial=initial,
                        with_images=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_update(proposal=proposal, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Your proposal was updated."))
            return redirect("proposals:proposal", pk=pk)
    return render(request, "proposals/proposal_form.html", {
        "project": proposal.project, "form": form, "proposal": proposal,
        "map_config": _map_config(proposal.project), "title": _("Edit your proposal")},
        status=400 if form.errors else 200)


def _act(request, pk: int, action, done: str, form_class=ReasonForm):
    proposal = _proposal(request, pk)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        messages.error(request, _("Give a reason."))
        return redirect("proposals:proposal", pk=pk)
    try:
        action(proposal, request.user, **(form.cleaned_data if form else {}))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("proposals:proposal", pk=pk)


@login_required
@require_POST
def proposal_withdraw(request, pk: int):
    return _act(request, pk, lambda p, u: services.proposal_withdraw(proposal=p, user=u),
                _("Your proposal was withdrawn."), form_class=None)


@login_required
@require_POST
def proposal_flag(request, pk: int):
    return _act(request, pk, lambda p, u, reason: services.proposal_flag(
        proposal=p, user=u, reason=reason), _("Thank you: the planners will look at it."))


@login_required
@require_POST
def proposal_hide(request, pk: int):
    return _act(request, pk, lambda p, u, reason: services.proposal_hide(
        proposal=p, planner=u, reason=reason), _("The proposal is hidden."))


@login_required
@require_POST
def proposal_restore(request, pk: int):
    return _act(request, pk, lambda p, u, reason: services.proposal_restore(
        proposal=p, planner=u, reason=reason), _("The proposal is visible again."))


@login_required
@require_POST
def proposal_status(request, pk: int):
    return _act(request, pk, lambda p, u, status, answer: services.proposal_set_status(
        proposal=p, planner=u, status=status, answer=answer), _("The status was changed."),
        form_class=StatusForm)
