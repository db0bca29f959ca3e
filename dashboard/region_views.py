"""The region's dashboard and its report (a CSV of the same tables): participation and
outcomes in each municipality of the region the served municipality belongs to, and
the projects replicated among them side by side.

Who may see it: superusers, and the region's planners (`User.planner_region`); a
municipality's own planner is refused (403), and a municipality outside any region has
no such page (404).
"""

from __future__ import annotations

import csv

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import tenancy
from dashboard import region
from dashboard.access import planner_only
from municipalities.models import Municipality, Region
from municipalities.selectors import region_municipalities
from proposals.models import PhaseKind
from reports.formats import neutralise

PERMISSION = "proposals.view_project"
PHASE_STATES = {"before": gettext_lazy("Not started"), "after": gettext_lazy("Over"),
                "between": gettext_lazy("Between phases"), "none": gettext_lazy("No phases")}


def region_visible(user, municipality: Municipality | None) -> bool:
    """May `user` see the region of `municipality`?"""
    if municipality is None or municipality.region_id is None:
        return False
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.planner_region_id == municipality.region_id


def _region(request) -> tuple[Municipality, Region]:
    current = tenancy.current()
    if current is None or current.region_id is None:
        raise Http404(_("This municipality belongs to no region."))
    if not region_visible(request.user, current):
        raise PermissionDenied(_("Only the region's planners can see its dashboard."))
    return current, Region.objects.get(pk=current.region_id)


def phase_label(state: str) -> str:
    """The phase running now, or where the project stands outside its phases."""
    if state in PhaseKind.values:
        return str(PhaseKind(state).label)
    return str(PHASE_STATES.get(state, state))


def _tables(current: Municipality, the_region: Region):
    ids = list(region_municipalities(the_region).values_list("pk", flat=True))
    with tenancy.working_for(current, also=ids):
        rows = region.region_numbers(the_region)
        groups = region.replications(the_region)
    for group in groups:
        for column in group:
            column.phase_label = phase_label(column.phase)
    return rows, groups


@planner_only(PERMISSION)
def region_dashboard(request):
    current, the_region = _region(request)
    rows, groups = _tables(current, the_region)
    return render(request, "dashboard/region.html", {
        "region": the_region, "rows": rows, "groups": groups,
    })


@planner_only(PERMISSION)
def region_report(request):
    """The same tables as a CSV file, one after the other, for a spreadsheet."""
    current, the_region = _region(request)
    rows, groups = _tables(current, the_region)
    name = f"region-{the_region.slug}-{timezone.localdate():%Y-%m-%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    out = csv.writer(response)
    out.writerow([_("Municipality"), _("Population"), _("Public projects"),
                  _("Proposals received"), _("Public proposals"), _("Comments"), _("Votes"),
                  _("Participants"), _("Participants per 1,000"),
                  _("Public proposals per 1,000"), _("Comments per 1,000"),
                  _("Votes per 1,000")])
    for row in rows:
        t, rates = row.totals, row.rates
        out.writerow([neutralise(row.municipality.name), _blank(row.municipality.population),
                      row.projects_public, t.proposals.received, t.proposals.public,
                      t.comments, t.votes, t.participants, _blank(rates["participants"]),
                      _blank(rates["proposals"]), _blank(rates["comments"]),
                      _blank(rates["votes"])])
    out.writerow([])
    out.writerow([_("Replicated project"), _("Municipality"), _("Project"), _("Role"),
                  _("Phase now"), _("Proposals received"), _("Public proposals"),
                  _("Comments"), _("Votes"), _("Participants"), _("Accepted proposals"),
                  _("Implemented proposals")])
    for group in groups:
        for index, column in enumerate(group):
            t = column.totals
            out.writerow([neutralise(group[0].project.title), neutralise(column.municipality.name),
                          neutralise(column.project.title),
                          _("Source") if index == 0 else _("Replica"), column.phase_label,
                          t.proposals.received, t.proposals.public, t.comments, t.votes,
                          t.participants, column.accepted, column.implemented])
    return response


def _blank(value) -> str:
    return "" if value is None else str(value)
