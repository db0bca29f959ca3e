"""Admin for open data: datasets with their import runs, layers (publish, constraints)
and their features on a map.

Publishing a layer and changing its constraints go through `gisdata.layer_services`
here too, so each such change lands in the audit log, and a refusal is an error message
with nothing saved (`core.admin_mixins.ServiceAdmin`); the colour is set on the
dashboard's layer page, which checks it.
"""

from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from leaflet.admin import LeafletGeoAdmin
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline
from modeltranslation.settings import AVAILABLE_LANGUAGES, DEFAULT_LANGUAGE

from core.admin_mixins import ServiceAdmin, ViewOnlyAdmin, service_call
from gisdata import layer_services
from gisdata.models import Constraint, Dataset, Feature, ImportRun, Layer


class ConstraintInline(TranslationTabularInline):
    """A layer's rules for feedback on proposals (intersects / within N metres), with
    the message in each language."""

    model = Constraint
    extra = 0


class ImportRunInline(admin.TabularInline):
    model = ImportRun
    extra = 0
    can_delete = False
    fields = ("created_at", "status", "progress", "read_count", "imported_count",
              "repaired_count", "skipped_count", "message")
    readonly_fields = fields

    @admin.display(description="Progress")
    def progress(self, obj):
        return format_html('<progress max="100" value="{}">{} %</progress> {} %', obj.percent,
                           obj.percent, obj.percent)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ("name", "format", "version", "licence", "updated_at")
    list_filter = ("format",)
    search_fields = ("name", "description", "licence", "attribution")
    readonly_fields = ("version", "created_by", "created_at", "updated_at")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [ImportRunInline]
    # A source typed without its scheme is taken as https (Django 6's default), as in
    # the dashboard's import form.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Layer)
class LayerAdmin(ServiceAdmin, TranslationAdmin, LeafletGeoAdmin):  # the title in each language
    list_display = ("title", "dataset", "geometry_type", "feature_count", "version",
                    "is_published", "dashboard_link")
    list_filter = ("is_published", "geometry_type", "dataset")
    list_editable = ("is_published",)
    search_fields = ("title", "name", "dataset__name")
    list_select_related = ("dataset",)
    readonly_fields = ("dataset", "name", "geometry_type", "feature_count", "schema",
                       "version", "extent", "style")
    inlines = [ConstraintInline]

    @admin.display(description="")
    def dashboard_link(self, obj):
        return format_html('<a href="{}">Style and constraints</a>',
                           reverse("dashboard:layer", args=[obj.pk]))

    def save_model(self, request, obj, form, change):
        published = obj.is_published
        if change and "is_published" in form.changed_data:
            obj.is_published = not published  # the service makes (and logs) the change
            super().save_model(request, obj, form, change)
            with service_call():
                layer_services.layer_publish(layer=obj, user=request.user,
                                             published=published)
        else:
            super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Constraint:
            return super().save_formset(request, form, formset, change)
        changed = formset.save(commit=False)
        # commit=False leaves the many-to-many alone: the service sets the projects.
        projects = {id(f.instance): f.cleaned_data.get("projects") for f in formset.forms
                    if f.has_changed()}
        with service_call():
            self._constraints_save(request, form, formset, changed, projects)
        return None

    @staticmethod
    def _constraints_save(request, form, formset, changed, projects) -> None:
        for constraint in formset.deleted_objects:
            layer_services.constraint_delete(user=request.user, constraint=constraint)
        for constraint in changed:
            chosen = projects.get(id(constraint))
            layer_services.constraint_save(
                user=request.user, layer=form.instance,
                constraint=constraint if constraint.pk else None, rule=constraint.rule,
                distance_m=constraint.distance_m, severity=constraint.severity,
                message=getattr(constraint, f"message_{DEFAULT_LANGUAGE}") or "",
                is_active=constraint.is_active,
                project_ids=None if chosen is None else [p.pk for p in chosen],
                translations={f"message_{code}": getattr(constraint, f"message_{code}")
                              for code in AVAILABLE_LANGUAGES if code != DEFAULT_LANGUAGE})


@admin.register(Feature)
class FeatureAdmin(ViewOnlyAdmin, LeafletGeoAdmin):
    """Imported features, to look one up on a map; imports write them, nobody edits."""

    list_display = ("id", "layer", "number", "repaired")
    list_filter = ("layer", "repaired")
    list_select_related = ("layer",)
    readonly_fields = ("layer", "number", "repaired", "properties")
    fields = ("layer", "number", "repaired", "properties", "geometry")
    show_full_result_count = False  # counting a large layer's rows costs a full scan


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "dataset", "status", "percent", "imported_count", "skipped_count",
                    "created_at", "finished_at")
    list_filter = ("status",)
    search_fields = ("dataset__name", "message")
    list_select_related = ("dataset",)
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request):
        return False  # imports start from a dataset (dashboard, CLI or API)
