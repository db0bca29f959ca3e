"""REST API for imported layers (`/api/v1/layers/…`): which layers are published, and a
layer's features as GeoJSON. Large layers are better read as vector tiles
(`/tiles/{layer}/{z}/{x}/{y}.pbf`, gisdata/tiles.py); both URLs come with each layer.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from django.contrib.gis.geos import Polygon
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from core import geojson
from core.api_http import LastModifiedMixin
from core.bbox import BBoxError, bbox_polygon
from core.db_router import ANONYMOUS, replica_reads
from core.geojson import GeoJSONRenderer
from gisdata import selectors
from gisdata.filters import DatasetFilter, LayerFilter
from gisdata.models import Dataset, Layer
from gisdata.schema import GEOMETRY, feature_collection

FEATURE_COLLECTION = feature_collection({
    "type": "object", "required": ["type", "id", "geometry", "properties"],
    "properties": {
        "type": {"enum": ["Feature"]}, "id": {"type": "integer"},
        "geometry": GEOMETRY,
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


class LayerList(LastModifiedMixin, generics.ListAPIView):
    """Published layers of the city's open GIS data, with their tiles and GeoJSON URLs;
    filtered by `dataset` (slug), `geometry_type`, `bbox` and `updated_since`, ordered
    by `ordering` (`title`, `updated_at`, `feature_count`, `id`)."""

    serializer_class = LayerSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = LayerFilter

    def get_queryset(self):
        return selectors.layers_published().order_by("dataset__name", "name", "pk")


class LayerDetail(LastModifiedMixin, generics.RetrieveAPIView):
    """One published layer: its dataset, licence, attribution, extent and URLs."""

    serializer_class = LayerSerializer

    def get_queryset(self):
        return selectors.layers_published()


def _public_source(url: str) -> str:
    """A dataset's source URL without what may be a secret: no user or password, no
    query string (URL imports sometimes carry an API key there), no fragment."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class DatasetLayerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Layer
        fields = ["id", "title", "name", "geometry_type", "feature_count"]


class DatasetSerializer(serializers.ModelSerializer):
    source = serializers.SerializerMethodField(
        help_text="Where the data came from (without credentials or query string).")
    layers = serializers.SerializerMethodField(help_text="Its published layers.")

    class Meta:
        model = Dataset
        fields = ["id", "slug", "name", "description", "licence", "attribution", "source",
                  "format", "version", "updated_at", "layers"]

    def get_source(self, dataset) -> str:
        return _public_source(dataset.source_url) if dataset.source_url else ""

    @extend_schema_field(DatasetLayerSerializer(many=True))
    def get_layers(self, dataset):
        layers = [la for la in dataset.layers.all() if la.is_published]
        return DatasetLayerSerializer(layers, many=True).data


class _Datasets(LastModifiedMixin):
    serializer_class = DatasetSerializer

    def get_queryset(self):
        published = selectors.layers_published()
        return (Dataset.objects.filter(pk__in=published.values("dataset_id"))
                .prefetch_related("layers").order_by("name", "pk"))


class DatasetList(_Datasets, generics.ListAPIView):
    """Datasets with published layers: licence, attribution, source and layers;
    `updated_since` and `ordering` (`name`, `updated_at`, `id`)."""

    filter_backends = [DjangoFilterBackend]
    filterset_class = DatasetFilter


class DatasetDetail(_Datasets, generics.RetrieveAPIView):
    """One dataset with its published layers."""


class FeatureQuerySerializer(serializers.Serializer):
    bbox = serializers.CharField(required=False, help_text="minlon,minlat,maxlon,maxlat")
    limit = serializers.IntegerField(required=False, min_value=1,
                                     max_value=selectors.MAX_GEOJSON)

    def validate_bbox(self, value: str) -> Polygon:
        message = ("bbox is four numbers, minlon,minlat,maxlon,maxlat, with min < max, "
                   "longitudes within ±180 and latitudes within ±90.")
        try:
            return bbox_polygon(value)
        except BBoxError as exc:
            raise serializers.ValidationError(message) from exc


# From the replica for requests without credentials: a planner reads unpublished layers
# too, and may just have changed this one (core/db_router.py).
@replica_reads(who=ANONYMOUS)
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
        return geojson.response(geojson.collection_text(
            features, numberReturned=returned, truncated=more, links=links))
