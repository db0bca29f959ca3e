"""Energy communities in the REST API (`/api/v1/energy/…`): the communities a reader may
see, and what the latest simulation gives for an option at each scale.

Aggregates only: no answer carries a member's pledge or figures. A community with fewer
than three active members publishes no sums at all (its members, pledged kWp and
simulated totals are withheld, and the answer says so): the sums of one or two members
would be their own figures. Communities follow their project's visibility, in the
municipality being served.
"""

from __future__ import annotations

import json

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from energy import selectors
from energy.models import SCALES, Community, RunStatus, Scope, SharingKey
from gisdata.schema import GEOMETRY

PRICE = {"max_digits": 7, "decimal_places": 4}
WITHHELD = gettext_lazy("Fewer than three members have pledged: the community's sums are "
                        "not published, as they would be their members' own figures.")


class OptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.ChoiceField(choices=SharingKey.choices)
    internal_price = serializers.DecimalField(**PRICE)
    proposal = serializers.IntegerField(source="proposal_id",
                                        help_text="The proposal members vote on.")


class TariffsSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text="ISO 4217 code of every price.")
    import_price = serializers.DecimalField(**PRICE)
    export_price = serializers.DecimalField(**PRICE)
    internal_price = serializers.DecimalField(**PRICE)
    sharing_fee = serializers.DecimalField(
        help_text="Per kWh shared over the public grid, at city scale.", **PRICE)
    co2_kg_per_kwh = serializers.DecimalField(
        max_digits=5, decimal_places=3, help_text="The grid's CO₂ factor assumed.")


class RunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RunStatus.choices)
    requested_at = serializers.DateTimeField(source="created_at")
    finished_at = serializers.DateTimeField(allow_null=True)


class CommunitySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", help_text="The project's id.")
    title = serializers.CharField(source="project.title")
    scope = serializers.ChoiceField(choices=Scope.choices)
    radius_m = serializers.IntegerField(allow_null=True)
    area = serializers.SerializerMethodField(
        help_text="The project's area, where members' roofs lie (district scope); null "
                  "for a radius.")
    anchor = serializers.SerializerMethodField(
        help_text="The installation at the radius' centre; null for a district.")
    members = serializers.SerializerMethodField(
        help_text="Active pledges; null when fewer than three (withheld).")
    pledged_kwp = serializers.SerializerMethodField(
        help_text="The active pledges' PV peak power; null when withheld.")
    totals_public = serializers.SerializerMethodField(
        help_text="False: fewer than three members, no sums are published.")
    options = OptionSerializer(many=True, source="options.all")
    chosen_option = serializers.IntegerField(source="chosen_option_id", allow_null=True)
    tariffs = serializers.SerializerMethodField()
    simulation = serializers.SerializerMethodField(
        help_text="The latest simulation: its status and times; null if none yet.")

    def _public(self, community) -> bool:
        return selectors.totals_public(active_members=community.active_members)

    @extend_schema_field({**GEOMETRY, "nullable": True})
    def get_area(self, community):
        return json.loads(community.project.area.json) if community.scope == Scope.DISTRICT \
            else None

    @extend_schema_field({**GEOMETRY, "nullable": True})
    def get_anchor(self, community):
        return json.loads(community.anchor.json) if community.anchor else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_members(self, community):
        return community.active_members if self._public(community) else None

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_pledged_kwp(self, community):
        return round(community.pledged_kwp, 2) if self._public(community) else None

    @extend_schema_field(serializers.BooleanField())
    def get_totals_public(self, community):
        return self._public(community)

    @extend_schema_field(TariffsSerializer)
    def get_tariffs(self, community):
        return TariffsSerializer(community).data

    @extend_schema_field(RunSerializer(allow_null=True))
    def get_simulation(self, community):
        run = self.context["runs"].get(community.pk)
        return RunSerializer(run).data if run else None


class CommunityList(generics.ListAPIView):
    """The energy communities of this municipality that the reader may see (their
    project's visibility), oldest first: area, members, options, tariffs and the
    latest simulation's status. Sums are withheld below three members."""

    serializer_class = CommunitySerializer
    queryset = Community.objects.none()  # for the schema; get_queryset is the real one

    def get_queryset(self):
        return selectors.communities_visible(user=self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        serializer = self.get_serializer(
            page, many=True, context={**self.get_serializer_context(),
                                      "runs": selectors.runs_latest(page)})
        return self.get_paginated_response(serializer.data)


class SimulationQuery(serializers.Serializer):
    option = serializers.IntegerField(
        required=False, min_value=1,
        help_text="A sharing option of the community (default: the chosen one, else the "
                  "first).")
    scale = serializers.ChoiceField(choices=SCALES, required=False, default="district",
                                    help_text="The scale whose totals lead the answer.")


PUBLISHED = ("generation_kwh", "demand_kwh", "self_consumed_kwh", "shared_kwh",
             "received_kwh", "grid_import_kwh", "grid_export_kwh", "battery_losses_kwh",
             "self_consumption", "self_sufficiency", "savings", "co2_avoided_kg",
             "members")


def _totals_fields(*, nullable: bool) -> dict:
    fields = {name: serializers.FloatField(allow_null=nullable)
              for name in PUBLISHED if name != "members"}
    fields["members"] = serializers.IntegerField(
        allow_null=nullable, help_text="The community's members simulated.")
    return fields


SCALE_TOTALS = inline_serializer("EnergyScaleTotals", {
    **_totals_fields(nullable=False),
    "pool_members": serializers.IntegerField(
        required=False, help_text="City scale: every member of the municipality's pool."),
}, allow_null=True)
SIMULATION = inline_serializer("EnergySimulation", {
    **_totals_fields(nullable=True),
    "community": serializers.IntegerField(),
    "run": RunSerializer(),
    "option": OptionSerializer(),
    "scale": serializers.ChoiceField(choices=SCALES),
    "currency": serializers.CharField(help_text="Of `savings`."),
    "totals_public": serializers.BooleanField(),
    "note": serializers.CharField(allow_blank=True, help_text="Why sums are withheld."),
    "scales": inline_serializer("EnergyScales", {name: SCALE_TOTALS for name in SCALES}),
    "options": OptionSerializer(many=True),
})


class CommunitySimulation(APIView):
    """What the latest finished simulation gives for one sharing option: the totals of
    the scale asked (`scale`, district by default) at the top, every scale under
    `scales` (members of one building sharing among themselves, the whole community,
    the city's pool over the public grid), and the options there are. 404 while the
    community has no finished simulation; sums withheld below three members."""

    @extend_schema(parameters=[SimulationQuery],
                   responses={200: SIMULATION,
                              400: OpenApiResponse(description="An unknown option or scale."),
                              404: OpenApiResponse(description="No such community, or no "
                                                               "simulation yet.")})
    def get(self, request, pk: int):
        try:
            community = selectors.community_for(user=request.user, pk=pk)
        except Community.DoesNotExist as exc:
            raise Http404 from exc
        query = SimulationQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        options = list(community.options.all())
        option = _option(community, options, query.validated_data.get("option"))
        run = selectors.run_latest_done(community)
        if run is None:
            raise NotFound(_("This community has not been simulated yet."))
        simulated = run.results.get("totals", {}).get(str(option.pk))
        if simulated is None:
            raise NotFound(_("This option has not been simulated yet."))
        scale = query.validated_data["scale"]
        public = selectors.totals_public(active_members=community.active_members, run=run)
        scales = {name: _published(simulated.get(name)) if public else None
                  for name in SCALES}
        lead = scales[scale] or {}
        return Response({
            **{name: lead.get(name) for name in PUBLISHED},
            "community": community.pk, "run": RunSerializer(run).data,
            "option": OptionSerializer(option).data, "scale": scale,
            "currency": community.currency, "totals_public": public,
            "note": "" if public else str(WITHHELD),
            "scales": scales, "options": OptionSerializer(options, many=True).data})


def _option(community: Community, options: list, asked: int | None):
    if asked is not None:
        found = next((o for o in options if o.pk == asked), None)
        if found is None:
            raise ValidationError({"option": [_("Option %(id)s is not one of this "
                                                "community's.") % {"id": asked}]})
        return found
    chosen = next((o for o in options if o.pk == community.chosen_option_id), None)
    if chosen is None and not options:
        raise NotFound(_("This community has no sharing option yet."))
    return chosen or options[0]


def _published(totals: dict | None) -> dict | None:
    """What a scale publishes of its totals (the engine's cost figures stay out)."""
    if totals is None:
        return None
    kept = {name: totals.get(name) for name in PUBLISHED}
    if "pool_members" in totals:
        kept["pool_members"] = totals["pool_members"]
    return kept
