"""Reports in the admin: read only, since a report is what it was when compiled."""

from django.contrib import admin

from reports.models import DecisionReport


@admin.register(DecisionReport)
class DecisionReportAdmin(admin.ModelAdmin):
    list_display = ("pk", "project", "status", "created_at", "snapshot_at", "is_published")
    list_filter = ("status", "is_published")
    search_fields = ("project__title",)
    readonly_fields = [f.name for f in DecisionReport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
