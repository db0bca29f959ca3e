"""`GET /api/v1/projects/{id}/similar/`: proposals near or alike the one being written
(proposals/similar.py), for the propose page's list. A question, nothing kept: anyone who
may open the project may ask, and only public proposals come back."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from proposals import selectors
from proposals.geometry import geometry_clean
from proposals.models import Project
from proposals.similar import proposals_similar

MAX_GEOMETRY = 20_000  # characters of GeoJSON in the query: a drawing, not a city


class SimilarQuery(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=140,
                                  trim_whitespace=True,
                                  help_text="The title being written (3 characters or more "
                                            "count).")
    geometry = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_GEOMETRY,
        help_text="The drawing, as a GeoJSON Point, LineString or Polygon (WGS 84).")


SIMILAR = inline_serializer("SimilarProposal", {
    "id": serializers.IntegerField(),
    "title": serializers.CharField(),
    "url": serializers.CharField(help_text="The proposal's page."),
    "distance_m": serializers.IntegerField(
        allow_null=True, help_text="Metres from the drawing; null without one."),
    "similarity": serializers.FloatField(help_text="How alike the titles are, 0 to 1."),
}, many=True)


class ProjectSimilar(APIView):
    """Up to five public proposals of the project near the drawing (250 m) or with a title
    alike, the closest and most alike first. Accents and case are ignored."""

    @extend_schema(parameters=[SimilarQuery], responses={200: SIMILAR})
    def get(self, request, pk: int):
        try:
            project = selectors.project_for(user=request.user, pk=pk, without_area=True)
        except Project.DoesNotExist as exc:
            raise Http404 from exc
        query = SimilarQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        geometry = None
        if params.get("geometry"):
            try:
                geometry = geometry_clean(params["geometry"])
            except ValidationError as exc:
                raise ValidationError({"geometry": exc.messages}) from exc
        if not params.get("title") and geometry is None:
            raise ValidationError(_("Give a title, a geometry or both."))
        found = proposals_similar(project=project, title=params.get("title", ""),
                                  geometry=geometry)
        response = Response([s.as_dict() for s in found])
        response["Cache-Control"] = "private, no-cache"
        return response
