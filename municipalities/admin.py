"""Admin screens for the deployment's municipalities and regions (superusers: they set
up tenants), and a read-only view of each municipality's areas."""

from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin

from municipalities.models import Area, Municipality, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Municipality)
class MunicipalityAdmin(GISModelAdmin):
    list_display = ("name", "slug", "host", "region", "population", "is_default")
    list_filter = ("region",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Area)
class AreaAdmin(GISModelAdmin):
    list_display = ("name", "code", "level", "parent", "municipality")
    list_filter = ("municipality", "level")
    readonly_fields = ("municipality", "level", "code", "parent", "source_layer_id")

    def has_add_permission(self, request):
        return False  # areas come from the municipality's imported layers
