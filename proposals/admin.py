"""Admin screens for planners: proposals and comments to look up. Moderation and answers
go through the proposal page's forms, which call the services. (Projects are in
dashboard/admin.py: they save through the dashboard's set-up service.)"""

from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from leaflet.admin import LeafletGeoAdmin

from audit.models import AuditEntry
from core.admin_mixins import ViewOnlyAdmin
from proposals.models import (
    Comment,
    CommentFlag,
    Proposal,
)


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
                                "edited_at", "is_deleted", "is_hidden", "hidden_reason",
                                "moderation")
    inlines = [CommentFlagInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(flags_count=Count("flags"))

    @admin.display(description="Moderation")
    def moderation(self, obj):
        """Who hid or restored it, when and why: the audit log's entries on it."""
        entries = AuditEntry.objects.filter(target_type=Comment._meta.label_lower,
                                            target_id=obj.pk).order_by("created_at", "pk")
        return format_html_join(
            "", "<p>{} · {} · {}: {}</p>",
            ((f"{e.created_at:%Y-%m-%d %H:%M}", e.get_action_display(), e.actor_name,
              e.reason) for e in entries)) or "—"

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
