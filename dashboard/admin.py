"""Projects in the admin, with their area on a map, phases and categories.

The admin's project page is registered here, not in `proposals`, because it saves
through the dashboard's set-up service (`dashboard.project_services.project_save`),
which lives on this floor: one service checks the phases (a voting start that has
passed may not move), the permission, and writes the audit entry, whichever page the
planner uses. A refusal is an error message and nothing is saved
(`core.admin_mixins.ServiceAdmin`).
"""

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from leaflet.admin import LeafletGeoAdmin
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from core.admin_mixins import ServiceAdmin, service_call
from dashboard.project_services import CategoryInput, project_save
from proposals.models import Category, Phase, Project
from proposals.services import phases_as_stored, phases_check

OTHER_LANGUAGES = [code for code, _name in settings.LANGUAGES
                   if code != settings.MODELTRANSLATION_DEFAULT_LANGUAGE]


def _kept(formset) -> list:
    """The formset's forms that were filled in and not marked for deletion."""
    return [form for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")]


class PhaseFormSet(BaseInlineFormSet):
    def clean(self):
        # The service checks the same (phases_check) when it saves; checked here too,
        # the error appears beside the phases with the planner's input kept.
        super().clean()
        forms = [form for form in _kept(self)
                 if {"kind", "starts_at", "ends_at"} <= form.cleaned_data.keys()]
        submitted = [(form.cleaned_data["kind"], form.cleaned_data["starts_at"],
                      form.cleaned_data["ends_at"]) for form in forms]
        project = self.instance if self.instance.pk else None
        try:
            phases_check(phases_as_stored(project, submitted), project=project)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc


class PhaseInline(admin.TabularInline):
    model = Phase
    formset = PhaseFormSet
    extra = 0


class CategoryInline(TranslationTabularInline):  # the name in each language
    model = Category
    extra = 0
    prepopulated_fields = {"slug": ("name",)}


def _texts(instance, names: tuple[str, ...]) -> dict[str, str]:
    """The other languages' columns of a translated instance (title_ca, name_es…)."""
    return {f"{name}_{code}": getattr(instance, f"{name}_{code}") or ""
            for name in names for code in OTHER_LANGUAGES}


def _english(instance, name: str) -> str:
    return getattr(instance, f"{name}_{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}") or ""


@admin.register(Project)
class ProjectAdmin(ServiceAdmin, TranslationAdmin, LeafletGeoAdmin):  # title_en, title_ca…
    list_display = ("title", "visibility", "created_at", "page_link")
    list_filter = ("visibility",)
    prepopulated_fields = {"slug": ("title",)}
    inlines = [PhaseInline, CategoryInline]
    search_fields = ("title", "slug", "description")
    date_hierarchy = "created_at"
    # A project stays in the municipality it was made in (the one being served); a
    # replica's origin is a record of the replication.
    exclude = ("municipality", "scope_area")
    readonly_fields = ("replicated_from",)

    def has_delete_permission(self, request, obj=None):
        # No service deletes a project (its proposals, votes and reports go with it).
        return False

    def save_model(self, request, obj, form, change):
        """Nothing yet: the service writes the project with its phases and categories
        in `save_related`, where the admin hands over the inline formsets."""

    def save_related(self, request, form, formsets, change):
        by_model = {formset.model: formset for formset in formsets}
        obj = form.instance
        phases = [(f.cleaned_data["kind"], f.cleaned_data["starts_at"],
                   f.cleaned_data["ends_at"]) for f in _kept(by_model[Phase])]
        category_forms = [f for f in by_model[Category].forms
                          if f.cleaned_data and (f.instance.pk or not f.cleaned_data.get(
                              "DELETE"))]
        category_forms.sort(key=lambda f: f.cleaned_data.get("position") or 0)
        categories = [CategoryInput(
            name=_english(f.instance, "name"), color=f.instance.color, pk=f.instance.pk,
            slug=f.instance.slug, delete=bool(f.cleaned_data.get("DELETE")),
            translations=_texts(f.instance, ("name",))) for f in category_forms]
        with service_call():
            project = project_save(
                planner=request.user,
                project=Project.objects.get(pk=obj.pk) if change else None,
                title=_english(obj, "title"), slug=obj.slug,
                description=_english(obj, "description"), visibility=obj.visibility,
                moderate_before_publishing=obj.moderate_before_publishing,
                area=obj.area if not change or "area" in form.changed_data else None,
                phases=phases, categories=categories,
                translations=_texts(obj, ("title", "description")))
        obj.pk = project.pk  # for the admin's redirect and history
        for formset in formsets:  # the history's change message reads these
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    @admin.display(description="")
    def page_link(self, obj):
        return format_html('<a href="{}">Open</a>', reverse("proposals:project",
                                                            args=[obj.slug]))
