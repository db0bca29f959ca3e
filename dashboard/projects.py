"""Planners' pages for projects: the list, set-up (text, area, phases, categories,
visibility), the overview, and the voting weights with a preview of the ranking."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.selectors import audit_entries
from core.form_errors import form_add_service_errors
from dashboard import overview, project_services, selectors, weights_preview
from dashboard.access import planner_only
from dashboard.project_forms import LOCAL_DATETIME, CategoryFormSet, ProjectForm, WeightsForm
from dashboard.replicate_views import replicate_form
from dashboard.translation_forms import (
    CATEGORY_TEXTS,
    PROJECT_TEXTS,
    other_languages,
    texts_initial,
)
from gisdata.selectors import feature_geojson, layer_label
from proposals import area_display
from proposals.models import Project
from voting import services as voting_services
from voting.selectors import weights_frozen

AUDIT_SHOWN = 10


@planner_only("proposals.view_project")
def projects_list(request):
    return render(request, "dashboard/projects.html",
                  {"projects": selectors.projects_for_dashboard()})


def _initial(project: Project) -> tuple[dict, list[dict]]:
    initial = {"title": project.title, "slug": project.slug,
               "description": project.description, "visibility": project.visibility,
               "moderate_before_publishing": project.moderate_before_publishing,
               "scope_area": project.scope_area_id}
    initial.update(texts_initial(project, PROJECT_TEXTS))  # English, Català, Español
    for phase in project.phases.all():
        local = timezone.localtime
        initial[f"{phase.kind}_starts"] = local(phase.starts_at).strftime(LOCAL_DATETIME)
        initial[f"{phase.kind}_ends"] = local(phase.ends_at).strftime(LOCAL_DATETIME)
    categories = [{"pk": c.pk, "color": c.color, **texts_initial(c, CATEGORY_TEXTS)}
                  for c in project.categories.all()]
    return initial, categories


def _categories(formset) -> list[project_services.CategoryInput]:
    result = []
    for data in formset.cleaned_data:
        name = (data.get("name") or "").strip()
        if not name and not data.get("pk"):
            continue  # an empty extra row
        result.append(project_services.CategoryInput(
            pk=data.get("pk"), name=name, color=data.get("color", ""),
            delete=bool(data.get("delete")),
            translations={f"name_{code}": (data.get(f"name_{code}") or "").strip()
                          for code, _name in other_languages()}))
    return result


def _area(form):
    if form.cleaned_data.get("area_feature"):
        return project_services.area_from_feature(form.cleaned_data["area_feature"])
    if form.cleaned_data.get("area"):
        return project_services.area_from_geojson(form.cleaned_data["area"])
    return None


def _edit(request, project: Project | None):
    initial, categories = _initial(project) if project else ({}, [])
    form = ProjectForm(request.POST or None, initial=initial, has_area=project is not None)
    formset = CategoryFormSet(request.POST or None, initial=categories, prefix="categories")
    finding = request.method == "POST" and "area_find" in request.POST
    if finding:  # "Find" without JavaScript: list the matches, save nothing, blame nothing
        _quiet(form, formset)
    elif request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            saved = project_services.project_save(
                planner=request.user, project=project, title=data["title"],
                slug=data["slug"], description=data["description"],
                visibility=data["visibility"],
                moderate_before_publishing=data["moderate_before_publishing"],
                area=_area(form), phases=data["phases"], categories=_categories(formset),
                translations=form.translations(), scope_area=data["scope_area"])
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("“%(title)s” is saved.") % {"title": saved.title})
            return redirect("dashboard:project", slug=saved.slug)
    # The current area as the project's pages draw it: fetched, not inlined.
    map_config = {**(area_display.area_map_config(project) if project else {}),
                  "feature": _chosen_feature(form),
                  "features_url": reverse("dashboard:layer-features", args=[0])}
    return render(request, "dashboard/project_form.html", {
        "form": form, "formset": formset, "project": project, "map_config": map_config,
    }, status=400 if request.method == "POST" and not finding else 200)


def _quiet(form, formset) -> None:
    """A form sent to find a feature is no attempt to save: show it without errors."""
    form._errors = ErrorDict()
    formset._errors, formset._non_form_errors = [], formset.error_class()
    for each in formset.forms:
        each._errors = ErrorDict()


def _chosen_feature(form) -> dict | None:
    """The feature the form holds, for the map to show before saving."""
    raw = str((form.data if form.is_bound else form.initial).get("area_feature") or "")
    if not raw.isdigit() or form.area_layer is None:
        return None
    return feature_geojson(int(raw), layers=selectors.area_layers().filter(
        pk=form.area_layer.pk))


@planner_only("proposals.add_project")
def project_new(request):
    return _edit(request, None)


@planner_only("proposals.change_project")
def project_edit(request, slug: str):
    return _edit(request, get_object_or_404(Project, slug=slug))


@planner_only("proposals.view_project")
def project_overview(request, slug: str):
    project = get_object_or_404(Project.objects.with_current_phase(), slug=slug)
    layers = selectors.area_layers()
    layer = None
    chosen = request.GET.get("districts")
    if chosen is None:  # none chosen yet: the marked districts, if any
        layer = selectors.district_layer_default()
    elif chosen.isdigit():
        layer = layers.filter(pk=int(chosen)).first()
    return render(request, "dashboard/project_overview.html", {
        "project": project,
        "overview": overview.project_overview(project),
        "district_layers": [(each, layer_label(each)) for each in layers],
        "district_layer": layer,
        "by_district": overview.participation_by_district(project, layer) if layer else [],
        "phases": project.phases.all(),
        "audit": audit_entries(project_id=project.pk)[:AUDIT_SHOWN],
        "replicate_form": replicate_form(request, project),
    })


@planner_only("voting.change_roleweight")
def project_weights(request, slug: str):
    project = get_object_or_404(Project, slug=slug)
    roles, unverified = weights_preview.weights_current(project)
    initial = {f"role_{role.slug}": weight for role, weight in roles}
    initial["unverified_weight"] = unverified
    frozen = weights_frozen(project)
    form = WeightsForm(request.POST or None, initial=initial, roles=[r for r, _ in roles])
    preview = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if "save" in request.POST:
                try:
                    voting_services.role_weights_set(
                        project=project, planner=request.user, weights=form.weights(),
                        unverified_weight=data["unverified_weight"], reason=data["reason"])
                except ValidationError as exc:
                    form_add_service_errors(form, exc)
                    status = 400
                else:
                    messages.success(request, _("The weights are saved."))
                    return redirect("dashboard:project-weights", slug=project.slug)
            by_id = {role.pk: form.cleaned_data[f"role_{role.slug}"] for role, _w in roles}
            preview = weights_preview.ranking_preview(
                project, weights=by_id, unverified_weight=data["unverified_weight"])
        else:
            status = 400
    if preview is None:
        preview = weights_preview.ranking_preview(
            project, weights={role.pk: w for role, w in roles}, unverified_weight=unverified)
    return render(request, "dashboard/project_weights.html", {
        "project": project, "form": form, "frozen": frozen, "preview": preview,
    }, status=status)

