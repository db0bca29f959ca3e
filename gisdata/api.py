"""REST API for imported layers (`/api/v1/layers/…`): which layers are published, and a
layer's features as GeoJSON. Large layers are better read as vector tiles
(`/tiles/{layer}/{z}/{x}/{y}.pbf`, gisdata/tiles.py); both URLs come with each layer.
"""

from __future__ import annotations

import json
import math

from django.contrib.gis.geos import Polygon
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from gisdata import selectors
from gisdata.models import Layer
from gisdata.schema import feature_collection

FEATURE_COLLECTION = feature_collection({
    "type": "object", "required": ["type", "id", "geometry", "properties"],
    "properties": {
        "type": {"enum": ["Feature"]}, "id": {"type": "integer"},
        "geometry": {"type": "object", "description": "A GeoJSON geometry (WGS 84)"},
        "properties": {"type": "object", "additionalProperties": True,
                       "description": "The feature's attributes, as imported"}}})


class LayerSerializer(serializers.ModelSerializer):
    dataset = serializers.CharField(source="dataset.name", read_only=True)
    licence = serializers.CharField(source="dataset.licence", read_only=True)
    attribution = serializers.CharField(source="dataset.attribution", read_only=True)
    bbox = serializers.SerializerMethodField(help_text="minlon, minlat, maxlon, maxlat")
    tiles = serializers.SerializerMethodField(
        help_text="Vector tiles (Mapbox Vector Tile), a URL template with {z}/{x}/{y}")
    geojson = serializers.SerializerMethodField(help_text="The features as GeoJSON")

    class Meta:
        model = Layer
        fields = ["id", "title", "name", "dataset", "licence", "attribution",
                  "geometry_type", "feature_count", "bbox", "version", "tiles", "geojson"]

    @extend_schema_field({"type": "array", "items": {"type": "number"}, "nullable": True,
                          "minItems": 4, "maxItems": 4})
    def get_bbox(self, layer) -> list[float] | None:
        return selectors.layer_extent_bbox(layer)

    def _absolute(self, url: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    @extend_schema_field(OpenApiTypes.STR)
    def get_tiles(self, layer) -> str:
        # build_absolute_uri would escape the braces of the template: prefix by hand.
        request = self.context.get("request")
        prefix = request.build_absolute_uri("/")[:-1] if request else ""
        return prefix + selectors.layer_urls(layer)["tiles"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_geojson(self, layer) -> str:
        return self._absolute(selectors.layer_urls(layer)["geojson"])


class LayerList(generics.ListAPIView):
    """Published layers of the city's open GIS data, with their tiles and GeoJSON URLs."""

    serializer_class = LayerSerializer

    def get_queryset(self):
        return selectors.layers_published().order_by("dataset__name", "name", "pk")


class FeatureQuerySerializer(serializers.Serializer):
    bbox = serializers.CharField(required=False, help_text="minlon,minlat,maxlon,maxlat")
    limit = serializers.IntegerField(required=False, min_value=1,
                                     max_value=selectors.MAX_GEOJSON)

    def validate_bbox(self, value: str) -> Polygon:
        message = ("bbox is four numbers, minlon,minlat,maxlon,maxlat, with min < max, "
                   "longitudes within ±180 and latitudes within ±90.")
        try:
            values = [float(v) for v in value.split(",")]
        except ValueError as exc:
            raise serializers.ValidationError(message) from exc
        if len(values) != 4 or not all(math.isfinite(v) for v in values):
            raise serializers.ValidationError(message)
        minx, miny, maxx, maxy = values
        if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
            raise serializers.ValidationError(message)
        return Polygon.from_bbox(values)


class GeoJSONRenderer(JSONRenderer):
    media_type = "application/geo+json"
    format = "geojson"


class LayerFeatures(APIView):
    """A layer's features as GeoJSON, by bounding box, at most `limit` (ordered by id).
    Large layers are meant to be read as vector tiles: see the layer's `tiles`."""

    renderer_classes = [GeoJSONRenderer, JSONRenderer]

    @extend_schema(parameters=[FeatureQuerySerializer],
                   responses={200: OpenApiResponse(FEATURE_COLLECTION,
                                                   description="GeoJSON FeatureCollection")})
    def get(self, request, pk: int):
        layer = get_object_or_404(selectors.layers_readable(user=request.user), pk=pk)
        query = FeatureQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        features, returned, more = selectors.layer_geojson(
            layer, bbox=params.get("bbox"),
            limit=params.get("limit", selectors.DEFAULT_GEOJSON))
        links = [{"rel": "self", "href": request.build_absolute_uri()}]
        text = (f'{{"type":"FeatureCollection","numberReturned":{returned},'
                f'"truncated":{"true" if more else "false"},'
                f'"links":{json.dumps(links)},"features":{features}}}')
        return HttpResponse(text, content_type="application/geo+json")
