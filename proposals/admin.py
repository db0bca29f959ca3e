"""Admin screens for planners: projects with their area on a map, phases and categories;
proposals and comments to look up. Moderation and answers go through the proposal page's
forms, which call the services."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from leaflet.admin import LeafletGeoAdmin
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from audit.models import AuditAction
from audit.services import audit_record
from core.admin_mixins import ViewOnlyAdmin
from proposals.models import (
    Category,
    Comment,
    CommentFlag,
    CommentModerationEvent,
    Phase,
    Project,
    Proposal,
)
from proposals.services import phases_as_stored, phases_check


class PhaseFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        forms = [form for form in self.forms
                 if form.cleaned_data and not form.cleaned_data.get("DELETE")
                 and {"kind", "starts_at", "ends_at"} <= form.cleaned_data.keys()]
        submitted = [(form.cleaned_data["kind"], form.cleaned_data["starts_at"],
                      form.cleaned_data["ends_at"]) for form in forms]
        # The admin shows dates to the second: an untouched date keeps its stored value,
        # microseconds included (a voting start that has passed may not move at all).
        project = self.instance if self.instance.pk else None
        phases = phases_as_stored(project, submitted)
        for form, (_kind, start, end) in zip(forms, phases, strict=True):
            form.instance.starts_at, form.instance.ends_at = start, end
        try:
            phases_check(phases, project=project)
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


@admin.register(Project)
class ProjectAdmin(TranslationAdmin, LeafletGeoAdmin):  # title_en, title_ca, title_es…
    list_display = ("title", "visibility", "created_at", "page_link")
    list_filter = ("visibility",)
    prepopulated_fields = {"slug": ("title",)}
    inlines = [PhaseInline, CategoryInline]
    search_fields = ("title", "slug", "description")
    date_hierarchy = "created_at"

    def save_related(self, request, form, formsets, change):
        # After the phases and categories: one audit entry for the whole edit, in the
        # admin's transaction (the dashboard's set-up page writes the same entry).
        super().save_related(request, form, formsets, change)
        changed = list(form.changed_data) + [
            str(fs.model._meta.verbose_name_plural) for fs in formsets if fs.has_changed()]
        audit_record(actor=request.user, target=form.instance, project_id=form.instance.pk,
                     action=AuditAction.PROJECT_UPDATE if change
                     else AuditAction.PROJECT_CREATE, details={"changed": changed})

    @admin.display(description="")
    def page_link(self, obj):
        return format_html('<a href="{}">Open</a>', reverse("proposals:project",
                                                            args=[obj.slug]))


@admin.register(Proposal)
class ProposalAdmin(LeafletGeoAdmin):
    list_display = ("title", "project", "category", "status", "is_hidden", "flag_count",
                    "created_at", "page_link")
    list_filter = ("project", "status", "is_hidden", "category")
    search_fields = ("title", "body", "author__username", "author__display_name")
    date_hierarchy = "created_at"
    list_select_related = ("project", "category")
    readonly_fields = ("project", "author", "status", "official_answer", "is_hidden",
                       "hidden_reason", "created_at", "updated_at")
    fields = ("project", "author", "title", "body", "category", "geometry", "status",
              "official_answer", "is_hidden", "hidden_reason", "created_at", "updated_at")

    def get_queryset(self, request):
        # Not `flags`: that is the name of the reverse relation, and Django refuses it.
        return super().get_queryset(request).annotate(flag_total=Count("flags"))

    def has_add_permission(self, request):
        return False  # citizens propose; the ideation rules apply to everyone

    def has_change_permission(self, request, obj=None):
        return False  # changes go through the services (the proposal page's forms)

    @admin.display(description="Flags", ordering="flag_total")
    def flag_count(self, obj):
        return obj.flag_total

    @admin.display(description="")
    def page_link(self, obj):
        return format_html('<a href="{}">Moderate</a>', reverse("proposals:proposal",
                                                                args=[obj.pk]))


class _ReadOnlyInline(ViewOnlyAdmin, admin.TabularInline):
    extra = 0
    can_delete = False


class CommentFlagInline(_ReadOnlyInline):
    model = CommentFlag
    fields = readonly_fields = ("user", "reason", "created_at")


class CommentEventInline(_ReadOnlyInline):
    model = CommentModerationEvent
    fields = readonly_fields = ("action", "actor", "reason", "created_at")


@admin.register(Comment)
class CommentAdmin(ViewOnlyAdmin, admin.ModelAdmin):
    """Read-only: hiding and restoring go through the services, from the proposal page,
    so that each has a reason and a log entry; deleting is the author's (soft) act."""

    list_display = ("excerpt", "proposal", "author", "created_at", "is_deleted", "is_hidden",
                    "flag_count", "page_link")
    list_filter = ("is_hidden", "is_deleted", "proposal__project")
    search_fields = ("body", "author__username", "author__display_name")
    list_select_related = ("proposal", "author")
    fields = readonly_fields = ("proposal", "author", "parent", "body", "created_at",
                                "edited_at", "is_deleted", "is_hidden", "hidden_reason")
    inlines = [CommentFlagInline, CommentEventInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(flags_count=Count("flags"))


    @admin.display(description="Comment")
    def excerpt(self, obj):
        return "(deleted)" if obj.is_deleted else obj.body[:80]

    @admin.display(description="Flags", ordering="flags_count")
    def flag_count(self, obj):
        return obj.flags_count

    @admin.display(description="")
    def page_link(self, obj):
        return format_html('<a href="{}">Moderate</a>', reverse("proposals:comment",
                                                                args=[obj.pk]))
