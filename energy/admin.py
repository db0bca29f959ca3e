"""Energy communities in the admin: planners set up communities and their options and
ask for simulations; pledges and runs are there to read. Every write goes through the
services (energy/services.py), so the rules, the permission checks and the audit entry
are the same from every page; a refusal is an error message, and nothing is saved
(`core.admin_mixins.ServiceAdmin`). Members' own figures (`MemberResult`) are not
listed: they are read on the member's and the planners' pages only."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from leaflet.admin import LeafletGeoAdmin

from core.admin_mixins import ServiceAdmin, ServiceRefused, ViewOnlyAdmin, service_call
from energy import services
from energy.models import Community, Pledge, SharingOption, SimulationRun
from gisdata.models import Layer

TARIFFS = ("import_price", "export_price", "internal_price", "sharing_fee", "currency",
           "co2_kg_per_kwh")
SETTINGS = ("scope", "radius_m", "anchor", "building_layer", "clear_sky_index",
            "temperature_c")


@admin.register(Community)
class CommunityAdmin(ServiceAdmin, LeafletGeoAdmin):
    list_display = ("project", "scope", "radius_m", "building_layer", "currency",
                    "import_price", "export_price", "internal_price", "chosen_option")
    fields = ("project", *SETTINGS, *TARIFFS, "chosen_option")
    actions = ["simulate"]

    def get_readonly_fields(self, request, obj=None):
        return ("project",) if obj is not None else ("chosen_option",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "building_layer" in form.base_fields:
            form.base_fields["building_layer"].queryset = Layer.objects.filter(
                is_published=True, geometry_type__in=services.POLYGON_TYPES)
        if obj is not None and "chosen_option" in form.base_fields:
            form.base_fields["chosen_option"].queryset = SharingOption.objects.filter(
                community=obj)
        return form

    def save_model(self, request, obj, form, change):
        given = {name: form.cleaned_data[name] for name in SETTINGS}
        tariffs = {name: form.cleaned_data[name] for name in TARIFFS}
        reason = _("Changed in the admin.")
        with service_call():
            if not change:
                community = services.community_create(project=obj.project,
                                                      planner=request.user, **given)
            else:
                community = Community.objects.get(pk=obj.pk)
                services.community_update(community=community, planner=request.user,
                                          reason=reason, **given)
            if any(getattr(community, name) != value for name, value in tariffs.items()):
                services.community_tariffs_set(community=community, planner=request.user,
                                               reason=reason, **tariffs)
            if change and form.cleaned_data["chosen_option"] != community.chosen_option:
                services.community_option_choose(
                    community=community, planner=request.user,
                    option=form.cleaned_data["chosen_option"], reason=reason)
        obj.pk = community.pk

    @admin.action(description=gettext_lazy("Simulate the selected communities"),
                  permissions=["simulate"])
    def simulate(self, request, queryset):
        with transaction.atomic():
            try:
                with service_call():
                    for community in queryset.select_related("project"):
                        services.simulation_request(community=community,
                                                    planner=request.user)
            except ServiceRefused as refusal:
                transaction.set_rollback(True)
                for message in refusal.messages:
                    self.message_user(request, message, level=messages.ERROR)
                return
        self.message_user(request, _("Simulation queued: its progress shows under "
                                     "simulation runs."))

    def has_simulate_permission(self, request):
        return request.user.has_perm("energy.add_simulationrun")


@admin.register(SharingOption)
class SharingOptionAdmin(ServiceAdmin, admin.ModelAdmin):
    list_display = ("community", "key", "internal_price", "proposal")
    list_select_related = ("community__project", "proposal")

    def get_fields(self, request, obj=None):
        return ("community", "key", "internal_price") + (("proposal",) if obj else ())

    def has_change_permission(self, request, obj=None):
        # An option is what members vote on: another key or price is another option.
        return False

    def save_model(self, request, obj, form, change):
        with service_call():
            option = services.option_create(community=obj.community, planner=request.user,
                                            key=obj.key, internal_price=obj.internal_price)
        obj.pk = option.pk


@admin.register(Pledge)
class PledgeAdmin(ViewOnlyAdmin, admin.ModelAdmin):
    list_display = ("community", "member", "kind", "yearly_kwh", "pv_kwp", "battery_kwh",
                    "status", "updated_at")
    list_filter = ("status", "kind")
    list_select_related = ("community__project", "member")
    exclude = ("roof",)  # drawn on the community's pages; its text says nothing here
    readonly_fields = ("building",)


@admin.register(SimulationRun)
class SimulationRunAdmin(ViewOnlyAdmin, admin.ModelAdmin):
    list_display = ("community", "status", "progress", "members", "created_at",
                    "finished_at")
    list_filter = ("status",)
    list_select_related = ("community__project",)
    exclude = ("results",)  # the totals are read through the API and the pages
