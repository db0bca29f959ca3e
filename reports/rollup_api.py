"""`GET /api/v1/participation/`: the open data of participation by area (reports/rollup.py).

Public numbers only, by the rules of every other published number: public proposals of
listed projects (or of the one project asked for, if the reader may open it), their
public comments, and votes only where the project's results are public.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core import tenancy
from municipalities.selectors import municipality_default
from proposals.models import Project
from proposals.selectors import project_for
from reports.rollup import participation_rollup_public

ADDITIVE = "Additive: a level's number is the sum of the levels below it and its outside bucket."
NOT_ADDITIVE = ("Distinct people who proposed, commented or voted here, counted at this "
                "level itself: NOT the sum of the levels below (a person who takes part "
                "in two neighbourhoods is one participant of their district).")


class CountsSerializer(serializers.Serializer):
    proposals = serializers.IntegerField(help_text=f"Public proposals. {ADDITIVE}")
    comments = serializers.IntegerField(help_text=f"Public comments on them. {ADDITIVE}")
    # "votes_cast", not "votes": a count, where a public answer never lists ballots.
    votes_cast = serializers.IntegerField(
        source="votes", help_text=f"Votes on them, where the results are public. {ADDITIVE}")
    support_weight = serializers.DecimalField(
        max_digits=20, decimal_places=3,
        help_text=f"The summed weights of the supporting votes. {ADDITIVE}")
    participants = serializers.IntegerField(help_text=NOT_ADDITIVE)


class Per1000Serializer(serializers.Serializer):
    proposals = serializers.DecimalField(max_digits=14, decimal_places=2)
    comments = serializers.DecimalField(max_digits=14, decimal_places=2)
    votes_cast = serializers.DecimalField(source="votes", max_digits=14, decimal_places=2)
    participants = serializers.DecimalField(max_digits=14, decimal_places=2)


class NodeSerializer(serializers.Serializer):
    population = serializers.IntegerField(allow_null=True)
    counts = CountsSerializer()
    per_1000 = Per1000Serializer(
        allow_null=True, help_text="Per 1,000 inhabitants; null when the population is "
                                   "not known.")


class NeighbourhoodSerializer(NodeSerializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class DistrictSerializer(NeighbourhoodSerializer):
    neighbourhoods = NeighbourhoodSerializer(many=True)
    outside = CountsSerializer(help_text="In the district but in none of its neighbourhoods.")


class CitySerializer(NodeSerializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    districts = DistrictSerializer(many=True)
    outside = CountsSerializer(help_text="In no district.")


class RollupSerializer(serializers.Serializer):
    municipalities = CitySerializer(many=True)
    region = NodeSerializer(allow_null=True,
                            help_text="The total of several municipalities; else null.")


class Participation(APIView):
    """Participation by area: the municipality, each district, each neighbourhood, and
    what lies outside any of them. Counts add up from neighbourhood to district to city;
    participants do not (each level counts its own distinct people). The numbers may be
    up to a minute old (reports.rollup.PUBLIC_CACHE_SECONDS)."""

    permission_classes = [AllowAny]

    @extend_schema(
        tags=["reports"], summary="Participation by district and neighbourhood",
        parameters=[OpenApiParameter(
            "project", OpenApiTypes.INT, required=False,
            description="One project's numbers; without it, every listed project of the "
                        "municipality.")],
        responses={200: RollupSerializer,
                   404: OpenApiResponse(description="No such project, or not one you may "
                                                    "open.")})
    def get(self, request):
        raw = request.query_params.get("project", "")
        project = None
        if raw:
            if not raw.isdigit():
                raise serializers.ValidationError({"project": _("A project's id.")})
            try:
                project = project_for(user=request.user, pk=int(raw), without_area=True)
            except Project.DoesNotExist as exc:
                raise Http404 from exc
        municipality = (project.municipality if project is not None
                        else tenancy.current() or municipality_default())
        tree = participation_rollup_public(municipality=municipality, project=project)
        return Response(RollupSerializer(tree).data)
