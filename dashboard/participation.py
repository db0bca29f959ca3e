"""Planners' page of participation by area: the city, its districts and their
neighbourhoods, with the numbers of reports/rollup.py (whose docstring says what each
counts, and why participants do not add up)."""

from __future__ import annotations

from django.shortcuts import render

from core import tenancy
from dashboard.access import planner_only
from municipalities.selectors import municipality_default
from proposals.models import Project
from reports.rollup import participation_rollup


@planner_only("proposals.view_project")
def participation_by_area(request):
    """`?project=<id>`: one project's numbers; without it, every project's."""
    municipality = tenancy.current() or municipality_default()
    projects = list(Project.objects.filter(municipality=municipality)
                    .order_by("title").only("pk", "title"))
    raw = request.GET.get("project", "")
    project = next((p for p in projects if str(p.pk) == raw), None)
    tree = participation_rollup(municipalities=[municipality], project=project)
    return render(request, "dashboard/participation.html", {
        "city": tree["municipalities"][0], "projects": projects, "project": project})
