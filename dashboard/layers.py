"""A layer's page for planners: see it on a map, rename it (the title citizens see),
choose the attribute that names its features, mark it as the districts, publish it,
choose its colour on the maps, and turn it into feedback on proposals with constraint
rules (intersects / within N metres)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.form_errors import form_add_service_errors
from dashboard.access import error_text, form_action, planner_only
from dashboard.action_forms import ConstraintForm, LayerForm, StyleForm
from dashboard.translation_forms import LAYER_TEXTS, default_language, texts_initial
from gisdata import layer_services
from gisdata.models import Constraint, Layer
from gisdata.selectors import layer_extent_bbox, layer_map_config

PERMISSION = "gisdata.change_layer"
DEFAULT_COLOUR = "#1d4ed8"


def _layer_form(layer: Layer, data=None) -> LayerForm:
    # The plain field starts from the default language's column, never from the
    # planner's language: the service saves it as the default language's text.
    return LayerForm(data, attributes=layer_services.attribute_names(layer.schema), initial={
        **texts_initial(layer, LAYER_TEXTS), "label_property": layer.label_property,
        "is_districts": layer.is_districts})


def _page(request, layer: Layer, *, style_form=None, new_form=None, edited=None,
          layer_form=None, status: int = 200):
    """The page; a form sent back with errors (`edited`: a constraint's) shows what the
    planner chose."""
    constraints = list(layer.constraints.order_by("pk"))
    for constraint in constraints:
        if edited is not None and edited.prefix == f"c{constraint.pk}":
            constraint.form = edited
            continue
        constraint.form = ConstraintForm(initial={
            "rule": constraint.rule, "distance_m": constraint.distance_m,
            "severity": constraint.severity,
            # The default language's text, which the service saves it as.
            "message": getattr(constraint, f"message_{default_language()}") or "",
            "is_active": constraint.is_active, "projects": list(constraint.projects.all())},
            prefix=f"c{constraint.pk}")
    return render(request, "dashboard/layer.html", {
        "layer": layer, "constraints": constraints,
        # The names the maps' place search finds (gisdata/places.py), kept by the database.
        "place_count": layer.places.count(),
        "attributes": [a.get("name") for a in (layer.schema or []) if isinstance(a, dict)],
        "layer_form": layer_form or _layer_form(layer),
        # The preview map: the layer on, whether published or not (planners may read it).
        "map_config": {"layers": [layer_map_config(layer)],
                       "bbox": layer_extent_bbox(layer)},
        "style_form": style_form or StyleForm(initial={
            "color": (layer.style or {}).get("color") or DEFAULT_COLOUR}),
        "new_form": new_form or ConstraintForm(prefix="new"),
    }, status=status)


def _layer(pk: int) -> Layer:
    return get_object_or_404(Layer.objects.select_related("dataset"), pk=pk)


def _layer_page(pk: int) -> str:
    return reverse("dashboard:layer", args=[pk])


def _constraint_layer_page(pk: int) -> str:
    return _layer_page(get_object_or_404(_constraints(), pk=pk).layer_id)


@planner_only(PERMISSION)
def layer_detail(request, pk: int):
    return _page(request, _layer(pk))


@planner_only(PERMISSION)
@form_action(_layer_page)
def layer_style(request, pk: int):
    layer = _layer(pk)
    form = StyleForm(request.POST)
    if form.is_valid():
        try:
            layer_services.layer_style_set(layer=layer, user=request.user,
                                           color=form.cleaned_data["color"])
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The colour is saved."))
            return redirect("dashboard:layer", pk=layer.pk)
    return _page(request, layer, style_form=form, status=400)


@planner_only(PERMISSION)
@form_action(_layer_page)
def layer_edit(request, pk: int):
    layer = _layer(pk)
    form = _layer_form(layer, request.POST)
    if form.is_valid():
        try:
            data = form.cleaned_data
            layer_services.layer_update(
                layer=layer, user=request.user, title=data["title"],
                label_property=data["label_property"], is_districts=data["is_districts"],
                translations=form.translations())
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The layer is saved."))
            return redirect("dashboard:layer", pk=layer.pk)
    return _page(request, layer, layer_form=form, status=400)


def _constraints():
    """Constraints of the layers the municipality being served may see (a constraint has
    no manager of its own that keeps to one)."""
    return Constraint.objects.filter(layer__in=Layer.objects.all())


def _constraint_values(form: ConstraintForm) -> dict:
    data = form.cleaned_data
    return {"rule": data["rule"], "distance_m": data["distance_m"],
            "severity": data["severity"], "message": data["message"],
            "is_active": data["is_active"],
            "project_ids": [project.pk for project in data["projects"]]}


@planner_only(PERMISSION)
@form_action(_layer_page)
def constraint_add(request, pk: int):
    layer = _layer(pk)
    form = ConstraintForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            layer_services.constraint_save(user=request.user, layer=layer,
                                           **_constraint_values(form))
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The constraint is added."))
            return redirect("dashboard:layer", pk=layer.pk)
    return _page(request, layer, new_form=form, status=400)


@planner_only(PERMISSION)
@form_action(_constraint_layer_page)
def constraint_edit(request, pk: int):
    constraint = get_object_or_404(_constraints().select_related("layer__dataset"), pk=pk)
    layer = constraint.layer
    if "delete" in request.POST:
        layer_services.constraint_delete(user=request.user, constraint=constraint)
        messages.success(request, _("The constraint is removed."))
        return redirect("dashboard:layer", pk=layer.pk)
    form = ConstraintForm(request.POST, prefix=f"c{constraint.pk}")
    try:
        if not form.is_valid():
            raise ValidationError(error_text(form.errors))
        layer_services.constraint_save(user=request.user, layer=layer, constraint=constraint,
                                       **_constraint_values(form))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return _page(request, layer, edited=form, status=400)
    messages.success(request, _("The constraint is saved."))
    return redirect("dashboard:layer", pk=layer.pk)
