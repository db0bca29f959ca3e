"""Planners' pages for decision reports: compile one, watch it, download, publish.

Thin views: `reports.services` decides and writes; the worker compiles while
`static/js/plaza-progress.js` polls `GET /api/v1/reports/{id}/` to move the bar, and
reloads the page when the report is done, to show its files.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboard.access import form_action
from gisdata.selectors import layer_label
from proposals.models import Project
from reports import selectors, services
from reports.models import DecisionReport

VIEW_PERMISSION = "reports.view_decisionreport"
SHOWN = 50


def _planner_only(view):
    """Anonymous visitors go to log in; signed-in users without the permission get 403."""
    return login_required(permission_required(VIEW_PERMISSION, raise_exception=True)(view))


class LayerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return layer_label(obj)  # "Districts — Barcelona districts 2024 (10 areas)"


class CompileForm(forms.Form):
    district_layer = LayerChoiceField(
        queryset=selectors.district_layers(), required=False,
        empty_label=gettext_lazy("No districts"),
        label=gettext_lazy("Count participation by"),
        help_text=gettext_lazy("A layer of polygons, such as the city's districts."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Per form: a queryset made at import keeps no municipality's filter.
        self.fields["district_layer"].queryset = selectors.district_layers()


def _default_layer():
    """The layer a planner marked as the districts, or none: never one picked by its
    title or order, which no planner chose."""
    return selectors.district_layers().filter(is_districts=True).first()


@_planner_only
def reports_index(request):
    projects = (Project.objects.annotate(report_count=Count("reports"),
                                         last_report=Max("reports__created_at"))
                .order_by("-created_at"))
    return render(request, "dashboard/reports.html", {"projects": projects})


@_planner_only
def project_reports(request, slug: str):
    project = get_object_or_404(Project, slug=slug)
    return _project_page(request, project, CompileForm(initial={
        "district_layer": _default_layer()}))


def _project_page(request, project: Project, form: CompileForm, status: int = 200):
    reports = list(selectors.reports_visible(user=request.user, project=project)[:SHOWN])
    return render(request, "dashboard/reports_project.html", {
        "project": project, "reports": reports, "form": form,
        "watching": any(not r.finished for r in reports),
    }, status=status)


def _reports_of(slug: str) -> str:
    return reverse("dashboard:project-reports", args=[slug])


def _report_page(pk: int) -> str:
    report = get_object_or_404(DecisionReport.objects.select_related("project"), pk=pk)
    return _reports_of(report.project.slug)


@_planner_only
@form_action(_reports_of)
def report_compile(request, slug: str):
    project = get_object_or_404(Project, slug=slug)
    form = CompileForm(request.POST)
    if not form.is_valid():
        return _project_page(request, project, form, status=400)
    try:
        services.report_request(project=project, user=request.user,
                                district_layer=form.cleaned_data["district_layer"])
    except ValidationError as exc:
        form.add_error(None, exc)
        return _project_page(request, project, form, status=400)
    messages.success(request, _("The report is being compiled."))
    return redirect("dashboard:project-reports", slug=project.slug)


@_planner_only
@form_action(_report_page)
def report_publish(request, pk: int):
    report = get_object_or_404(DecisionReport.objects.select_related("project"), pk=pk)
    published = request.POST.get("published") == "on"
    try:
        services.report_publish(report=report, user=request.user, published=published)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, (_("Report %(number)s is published on the project page.")
                                   if published else _("Report %(number)s is no longer published."))
                         % {"number": report.pk})
    return redirect("dashboard:project-reports", slug=report.project.slug)

