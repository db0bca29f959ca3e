"""Citizen pages of projects and proposals: thin views over selectors and services."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.form_errors import form_add_service_errors
from proposals import area_display, rules, selectors, services
from proposals.comment_context import comments_context
from proposals.draw_map import draw_map_context
from proposals.forms import ProposalFilterForm, ProposalForm, ReasonForm, StatusForm
from proposals.list_orders import DEFAULT_ORDER, list_order_apply
from proposals.models import Project, ProposalStatus
from proposals.view_lookups import proposal_readable_or_404


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
        # The area's bounding box and the address of its shape, not the shape: the
        # shape is fetched once and cached (proposals/area_display.py).
        **area_display.area_map_config(project),
        "clusters": reverse("api:project-proposal-clusters", args=[project.pk]),
        "proposal_api": reverse("api:proposal-detail", args=[0]).replace("/0/", "/{id}/"),
        "categories": {c.slug: {"name": c.name, "color": c.color}
                       for c in project.categories.all()},
        "statuses": dict(ProposalStatus.choices),
        "proposal_url": reverse("proposals:proposal", args=[0]).replace("/0/", "/{id}/"),
        # The city's published layers over the project's area, for the layer control.
        "layers": [gis_selectors.layer_map_config(layer)
                   for layer in gis_selectors.layers_for_area(project.area)],
        **extra,
    }


def _list_context(request, project: Project, filters: ProposalFilterForm) -> dict:
    """The list of a project's proposals as the URL's state asks: the filters, in the
    chosen order and, unless the reader turned it off, only what lies in the map's view
    (the same bbox test as the map's API, `proposals_filter`). A part of the query that
    does not parse is left out, so a damaged shared link still opens the page."""
    chosen = filters.cleaned_data if filters.is_bound else {"in_view": True}
    bbox = chosen.get("bbox")
    in_view = chosen.get("in_view", True)
    visible = selectors.proposals_visible(user=request.user, project=project)
    order = chosen.get("order") or DEFAULT_ORDER
    qs = list_order_apply(selectors.proposals_filter(visible, selectors.ProposalFilter(
        bbox=bbox[1] if bbox and in_view else None,
        categories=(chosen["category"],) if chosen.get("category") else (),
        statuses=(chosen["status"],) if chosen.get("status") else ()),
    ).select_related("category", "author"), order)
    total = visible.count()
    paginator = Paginator(qs, 20)
    if not (bbox and in_view) and not chosen.get("category") and not chosen.get("status"):
        # The list is every proposal the reader sees: counted once, not twice (each
        # count reads all of a busy project's proposals).
        paginator.count = total
    page = paginator.get_page(request.GET.get("page"))
    # The state again, in its one spelling: the pages of the list and the forms that
    # vote from it carry it, so they come back to the same map view, filters and page.
    state = QueryDict(mutable=True)
    for key in ("category", "status"):
        if chosen.get(key):
            state[key] = chosen[key]
    if bbox:
        state["bbox"] = bbox[0]
    if not in_view:
        state["in_view"] = "0"
    if order != DEFAULT_ORDER:
        state["order"] = order
    here = state.copy()
    if page.number > 1:
        here["page"] = page.number
    path = reverse("proposals:project", args=[project.slug])
    return {"project": project, "page": page, "filters": filters,
            "total": total, "in_view": bool(bbox and in_view),
            "state_query": state.urlencode(), "list_url": f"{path}?{here.urlencode()}",
            "list_path": path}


def project_detail(request, slug: str):
    project = _project(request, slug)
    filters = ProposalFilterForm(request.GET or None, project=project)
    filters.is_valid()
    return render(request, "proposals/project_detail.html", {
        **_list_context(request, project, filters),
        "phase": project.current_phase(), "phases": project.phases.all(),
        "why_not_propose": rules.why_not_create(request.user, project),
        "map_config": _map_config(
            project, list=reverse("proposals:project-list", args=[project.slug])),
    })


def project_list_part(request, slug: str):
    """The project page's list alone, for the page's script to put in place when the
    filters or the map's view change. The script never sends a query that does not
    parse, so one that does not is a 400 rather than a list that says something else."""
    project = _project(request, slug)
    filters = ProposalFilterForm(request.GET, project=project)
    if not filters.is_valid():
        return HttpResponseBadRequest(" ".join(
            str(m) for errors in filters.errors.values() for m in errors),
            content_type="text/plain; charset=utf-8")
    return render(request, "proposals/_proposal_list.html",
                  _list_context(request, project, filters))


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
        "project": project, "form": form,
        **draw_map_context(_map_config(project), project=project),
        "title": _("Propose here")}, status=400 if form.errors else 200)


def proposal_detail(request, pk: int, *, comment_form=None, status=200):
    """The proposal page; `comment_form` brings back a comment form that had errors.
    A duplicate merged into another proposal leads there, saying so."""
    target = selectors.proposal_merged_into(user=request.user, pk=pk)
    if target is not None:
        messages.info(request, _("That proposal was merged into this one, which says the "
                                 "same: support it or comment here."))
        return redirect("proposals:proposal", pk=target.pk)
    proposal = proposal_readable_or_404(request, pk)
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
    proposal = proposal_readable_or_404(request, pk)
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
        **draw_map_context(_map_config(proposal.project), project=proposal.project),
        "title": _("Edit your proposal")},
        status=400 if form.errors else 200)


def _act(request, pk: int, action, done: str, form_class=ReasonForm):
    proposal = proposal_readable_or_404(request, pk)
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
