"""The audit log in the admin: to read and search, never to change (the database
refuses changes too: a trigger, dashboard migration 0002)."""

from django.contrib import admin

from audit.models import AuditEntry
from core.admin_mixins import ViewOnlyAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(ViewOnlyAdmin, admin.ModelAdmin):
    list_display = ("created_at", "actor_name", "action", "target_label", "reason")
    list_filter = ("action", "target_type")
    search_fields = ("actor_name", "target_label", "reason")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
