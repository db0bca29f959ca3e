"""Admin for open data: datasets with their import runs, layers (publish, constraints)
and their features on a map.

A layer's title (in each language), label attribute, districts mark, publication and
constraints change through `gisdata.layer_services` here too, so each such change lands
in the audit log, and a refusal is an error message with nothing saved
(`core.admin_mixins.ServiceAdmin`); the colour is set on the dashboard's layer page,
which checks it. What an import decides (the dataset, geometry type, feature count,
schema…) is read-only.
"""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from leaflet.admin import LeafletGeoAdmin
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline
from modeltranslation.settings import AVAILABLE_LANGUAGES, DEFAULT_LANGUAGE

from core.admin_mixins import ServedOnlyAdmin, ServiceAdmin, ViewOnlyAdmin, service_call
from gisdata import layer_services
from gisdata.models import Constraint, Dataset, Feature, ImportRun, Layer

TITLES = [f"title_{code}" for code in AVAILABLE_LANGUAGES]  # the form's title fields


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
    """A dataset's name, description, licence and attribution (the footer's credit) are
    edited here; saving one drops the cached credits (`gisdata.signals`). Datasets are
    added on the dashboard's import page, where `services.dataset_create` checks the
    source and the importer's permission and the import starts; its source, and what
    the imports read from it, stay as imported (another source is another dataset)."""

    list_display = ("name", "format", "version", "licence", "updated_at")
    list_filter = ("format",)
    search_fields = ("name", "description", "licence", "attribution")
    fields = ("name", "slug", "description", "licence", "attribution", "source_url",
              "source_file", "format", "source_srid", "encoding", "options", "version",
              "created_by", "created_at", "updated_at")
    readonly_fields = ("slug", "source_url", "source_file", "format", "source_srid",
                       "encoding", "options", "version", "created_by", "created_at",
                       "updated_at")
    inlines = [ImportRunInline]
    # The "Import a dataset" link in place of "Add" (the dashboard's import page).
    change_list_template = "admin/gisdata/dataset/change_list.html"

    def has_add_permission(self, request):
        return False


class LayerForm(forms.ModelForm):
    def _get_validation_exclusions(self):
        # Marking a layer as the districts unmarks the other one (`layer_update`, in the
        # same transaction), so the form leaves the one-districts constraint to it and
        # the database rather than refusing the mark.
        return {*super()._get_validation_exclusions(), "is_districts"}


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
    form = LayerForm

    @admin.display(description="")
    def dashboard_link(self, obj):
        return format_html('<a href="{}">Style and constraints</a>',
                           reverse("dashboard:layer", args=[obj.pk]))

    def has_add_permission(self, request):
        return False  # imports make layers, from their dataset's source

    def save_model(self, request, obj, form, change):
        """Nothing is saved here as the form left it: the title (in each language), the
        label attribute and the districts mark go through `layer_update`, publishing
        through `layer_publish`, each with its rules and its audit entry."""
        stored = Layer.objects.get(pk=obj.pk)
        with service_call():
            if set(form.changed_data) & {*TITLES, "label_property", "is_districts"}:
                layer_services.layer_update(
                    layer=stored, user=request.user,
                    title=getattr(obj, f"title_{DEFAULT_LANGUAGE}") or "",
                    label_property=obj.label_property, is_districts=obj.is_districts,
                    translations={c: getattr(obj, c) or "" for c in TITLES
                                  if c != f"title_{DEFAULT_LANGUAGE}"})
            if "is_published" in form.changed_data:
                layer_services.layer_publish(layer=stored, user=request.user,
                                             published=obj.is_published)

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
class FeatureAdmin(ServedOnlyAdmin, ViewOnlyAdmin, LeafletGeoAdmin):
    """Imported features, to look one up on a map; imports write them, nobody edits."""

    served_through = ("layer", Layer)
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
