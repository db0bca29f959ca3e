"""`GET /api/v1/places/?search=…`: places by name from the city's published layers, as
GeoJSON, for the maps' place search box (static/js/plaza-places.js) and anyone else.

Each place is a Feature: a point on it, its `bbox` (west, south, east, north: what a
map fits to show it), and its name, kind and layer. Public: only published layers of
the municipality being served are searched (gisdata/places.py).
"""

from __future__ import annotations

import json

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from core import geojson
from core.db_router import ANONYMOUS, replica_reads
from core.geojson import GeoJSONRenderer
from gisdata import places
from gisdata.models import PlaceKind
from gisdata.schema import POSITION, feature_collection

BBOX = {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4,
        "description": "west, south, east, north (WGS 84): the extent of the place's "
                       "features, what a map fits to show it"}
PLACE_COLLECTION = feature_collection({
    "type": "object", "required": ["type", "id", "geometry", "bbox", "properties"],
    "properties": {
        "type": {"enum": ["Feature"]}, "id": {"type": "integer"},
        "geometry": {"type": "object", "required": ["type", "coordinates"],
                     "description": "A point on the place (on a street, inside an area)",
                     "properties": {"type": {"enum": ["Point"]},
                                    "coordinates": POSITION}},
        "bbox": BBOX,
        "properties": {"type": "object", "required": ["name", "kind", "layer", "layer_id"],
                       "properties": {
                           "name": {"type": "string"},
                           "kind": {"enum": PlaceKind.values,
                                    "description": "point, line (a street) or area"},
                           "layer": {"type": "string", "description": "The layer's title"},
                           "layer_id": {"type": "integer"}}}}})


class PlaceQuerySerializer(serializers.Serializer):
    search = serializers.CharField(
        max_length=places.QUERY_MAX, trim_whitespace=True,
        help_text=f"A place's name or part of it; accents and case are ignored, small "
                  f"typing slips forgiven. Fewer than {places.QUERY_MIN} characters "
                  f"find nothing.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=places.LIMIT_MAX,
                                     default=places.LIMIT_DEFAULT)


def _feature(place) -> dict:
    return {**geojson.feature(place.pk, place.point, {
        "name": place.name, "kind": place.kind, "layer": place.layer.title,
        "layer_id": place.layer_id}), "bbox": places.place_bbox(place)}


@replica_reads(who=ANONYMOUS)
class PlaceList(APIView):
    """Places by name from the city's published layers (streets, districts, …), best
    first: names that start with the text, then the most alike. GeoJSON."""

    permission_classes = [AllowAny]
    renderer_classes = [GeoJSONRenderer, JSONRenderer]

    @extend_schema(parameters=[PlaceQuerySerializer], summary="Find places by name",
                   responses={200: OpenApiResponse(PLACE_COLLECTION,
                                                   description="GeoJSON FeatureCollection")})
    def get(self, request):
        query = PlaceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = places.places_search(query.validated_data["search"],
                                     limit=query.validated_data["limit"])
        features = json.dumps([_feature(place) for place in found], ensure_ascii=False)
        return geojson.response(geojson.collection_text(features,
                                                        numberReturned=len(found)))
