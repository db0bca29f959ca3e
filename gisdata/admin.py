"""Admin for open data: datasets with their import runs, layers (publish, style)."""

from django.contrib import admin
from django.utils.html import format_html
from leaflet.admin import LeafletGeoAdmin

from gisdata.models import Constraint, Dataset, ImportRun, Layer


class ConstraintInline(admin.TabularInline):
    """A layer's rules for feedback on proposals (intersects / within N metres)."""

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
    search_fields = ("name", "description")
    readonly_fields = ("version", "created_by", "created_at", "updated_at")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [ImportRunInline]


@admin.register(Layer)
class LayerAdmin(LeafletGeoAdmin):
    list_display = ("title", "dataset", "geometry_type", "feature_count", "version",
                    "is_published")
    list_filter = ("is_published", "geometry_type", "dataset")
    list_editable = ("is_published",)
    readonly_fields = ("dataset", "name", "geometry_type", "feature_count", "schema",
                       "version", "extent")
    inlines = [ConstraintInline]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "dataset", "status", "percent", "imported_count", "skipped_count",
                    "created_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request):
        return False  # imports start from a dataset (dashboard, CLI or API)
