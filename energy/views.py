"""The community's page (docs/energy.md, "Pages"): what the community is, its scope on
a map with the same in words beside it, its tariffs, the members' sums, the sharing
options each with what the latest simulation gives, and the three scales side by side.
For planners, "Simulate now" and the run's progress.

Public figures are the community's sums only, and none while fewer than three
members have pledged (energy/selectors.py): a member's own figures are on their "My
pledge" page (energy/pledge_views.py), which only they open.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from energy import selectors, services
from energy.models import SCALES, Community, RunStatus
from proposals import area_display

# The figures an option's row and the scale table show, in this order.
FIGURES = ("self_sufficiency", "self_consumption", "shared_kwh", "savings", "co2_avoided_kg")


def community_or_404(request, pk: int) -> Community:
    try:
        return selectors.community_for(user=request.user, pk=pk)
    except Community.DoesNotExist as exc:
        raise Http404 from exc


def is_planner(user) -> bool:
    return user.is_authenticated and user.has_perm("energy.add_simulationrun")


def map_config(community: Community) -> dict:
    """The community map's scope: the project's area (its box and the address of its
    shape), and for a radius the installation and the distance."""
    config = area_display.area_map_config(community.project)
    if community.anchor is not None:
        config.update(anchor=[community.anchor.x, community.anchor.y],
                      radius_m=community.radius_m)
    return config


def _figures(totals: dict | None) -> dict | None:
    """A scale's totals as the page shows them: shares as per cent."""
    if not totals:
        return None
    shown = {name: totals.get(name) for name in FIGURES}
    for share in ("self_sufficiency", "self_consumption"):
        if shown[share] is not None:
            shown[share] = shown[share] * 100
    shown["members"] = totals.get("members")
    shown["pool_members"] = totals.get("pool_members")
    return shown


def _chosen(community: Community, options: list, asked: str | None):
    """The option the scale table shows: the one asked for (?option=), else the
    council's choice, else the first."""
    if asked and asked.isdigit():
        found = next((o for o in options if o.pk == int(asked)), None)
        if found is not None:
            return found
    chosen = next((o for o in options if o.pk == community.chosen_option_id), None)
    return chosen or (options[0] if options else None)


def _results(community: Community, options: list, chosen) -> dict:
    """The latest finished run's figures per option (district scale, the community
    itself) and the chosen option's three scales; nothing while sums are withheld."""
    run = selectors.run_latest_done(community)
    public = run is not None and selectors.totals_public(
        active_members=community.active_members, run=run)
    totals = run.results.get("totals", {}) if public else {}
    rows = [{"option": option,
             "figures": _figures(totals.get(str(option.pk), {}).get("district"))}
            for option in options]
    scales = []
    if chosen is not None and str(chosen.pk) in totals:
        scales = [{"scale": scale, "label": scale_label(scale),
                   "figures": _figures(totals[str(chosen.pk)].get(scale))}
                  for scale in SCALES]
    return {"run": run, "results_public": public, "option_rows": rows, "scales": scales}


def scale_label(scale: str) -> str:
    return {"building": _("Each building on its own"),
            "district": _("The whole community"),
            "city": _("The city's pool")}[scale]


def community_detail(request, pk: int):
    community = community_or_404(request, pk)
    options = list(community.options.all())
    chosen = _chosen(community, options, request.GET.get("option"))
    user = request.user
    pledge = selectors.pledge_of(community=community, member=user)
    planner = is_planner(user)
    latest = selectors.run_latest(community) if planner else None
    return render(request, "energy/community.html", {
        "community": community, "project": community.project, "options": options,
        "chosen": chosen, "pledge": pledge, "is_planner": planner, "latest_run": latest,
        "run_active": latest is not None and latest.status in (RunStatus.QUEUED,
                                                                RunStatus.RUNNING),
        "members_public": selectors.totals_public(active_members=community.active_members),
        "map_config": map_config(community),
        "status_url": reverse("energy:run-status", args=[community.pk]),
        **_results(community, options, chosen),
    })


def run_status(request, pk: int):
    """The latest run's status and progress, for the planner's page to follow (whoever
    may see the community may read it: the API shows the same)."""
    community = community_or_404(request, pk)
    run = selectors.run_latest(community)
    if run is None:
        return JsonResponse({"run": None, "status": None, "progress": 0, "label": ""})
    return JsonResponse({"run": run.pk, "status": run.status, "progress": run.progress,
                         "label": run.get_status_display(),
                         "finished": run.status in (RunStatus.DONE, RunStatus.FAILED)})


@login_required
@require_POST
def simulate(request, pk: int):
    """"Simulate now": a planner asks a worker for a run (`simulation_request`)."""
    community = community_or_404(request, pk)
    if not is_planner(request.user):
        raise PermissionDenied(_("Only planners can run a simulation."))
    try:
        services.simulation_request(community=community, planner=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The simulation is queued: its progress shows below."))
    return redirect("energy:community", pk=community.pk)
