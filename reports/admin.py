"""Reports in the admin: read only, since a report is what it was when compiled."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html_join

from reports.models import FILE_KINDS, DecisionReport, ReportStatus


@admin.register(DecisionReport)
class DecisionReportAdmin(admin.ModelAdmin):
    list_display = ("pk", "project", "status", "created_at", "snapshot_at", "is_published")
    list_filter = ("status", "is_published")
    search_fields = ("project__title",)
    # The files are in the private storage, which has no URL: shown as read-only fields,
    # the admin would ask it for one and answer 500 for every finished report. They are
    # linked through the view that checks who may download them instead.
    readonly_fields = [f.name for f in DecisionReport._meta.fields
                       if f.name not in FILE_KINDS] + ["files"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Files")
    def files(self, obj):
        if obj.status != ReportStatus.SUCCEEDED:
            return "—"
        return format_html_join(" ", '<a href="{}">{}</a>', (
            (reverse("reports:file", kwargs={"pk": obj.pk, "kind": kind}), kind.upper())
            for kind in FILE_KINDS)) + format_html_join(" ", ' <a href="{}">{}</a>', (
            (reverse("reports:pabulib", kwargs={"pk": obj.pk, "budget_id": e["budget"]}),
             f"PB {e['district'] or 'city'}") for e in obj.pabulib))
