"""Query filters of the open-data API (django-filter): what users ask for, and ordering
on public fields only. A bad value is a 400 naming the parameter, never a 500."""

from __future__ import annotations

from datetime import UTC

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.bbox import BBoxError, bbox_polygon
from gisdata.models import Dataset, GeometryType, Layer
from municipalities.filters import municipality_filter

BBOX_HELP = gettext_lazy("bbox is minlon,minlat,maxlon,maxlat in WGS 84, with min < max, "
                         "longitudes within ±180 and latitudes within ±90.")


class BBoxField(forms.CharField):
    """`minlon,minlat,maxlon,maxlat` → a Polygon in EPSG:4326."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            polygon = bbox_polygon(value)
        except BBoxError as exc:
            raise forms.ValidationError(BBOX_HELP) from exc
        polygon.srid = 4326
        return polygon


@extend_schema_field(OpenApiTypes.STR)
class BBoxFilter(filters.Filter):
    """Rows whose geometry's bounding box meets the bbox (`&&`, the GiST index)."""

    field_class = BBoxField

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__bboverlaps": value})


class UtcDateTimeField(forms.DateTimeField):
    """An ISO 8601 time, taken to UTC here: PostgreSQL refuses offsets beyond ±15:59
    (ISO 8601 allows more), and a time so near year 1 or 9999 that UTC falls outside
    the calendar is an error to the client, not to the database."""

    def clean(self, value):
        value = super().clean(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError as exc:
            raise forms.ValidationError(gettext_lazy("This time is out of range.")) from exc


class SinceFilter(filters.IsoDateTimeFilter):
    """Rows changed at or after an ISO 8601 time (`updated_since`)."""

    field_class = UtcDateTimeField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("field_name", "updated_at")
        kwargs.setdefault("lookup_expr", "gte")
        super().__init__(*args, **kwargs)


class CharInFilter(filters.BaseInFilter, filters.CharFilter):
    """`a,b,c`: any of them."""


class LayerFilter(filters.FilterSet):
    municipality = municipality_filter("municipality")
    dataset = filters.CharFilter(field_name="dataset__slug",
                                 help_text="The dataset's slug.")
    geometry_type = filters.ChoiceFilter(choices=GeometryType.choices)
    bbox = BBoxFilter(field_name="extent", help_text="Layers whose extent meets "
                      "minlon,minlat,maxlon,maxlat.")
    updated_since = SinceFilter(
        help_text="Layers (re)imported or changed at or after this ISO 8601 time.")
    ordering = filters.OrderingFilter(
        fields=(("title", "title"), ("updated_at", "updated_at"),
                ("feature_count", "feature_count"), ("id", "id")))

    class Meta:
        model = Layer
        fields = ["municipality", "dataset", "geometry_type", "bbox", "updated_since"]


class DatasetFilter(filters.FilterSet):
    municipality = municipality_filter("municipality")
    updated_since = SinceFilter(help_text="Datasets changed at or after this ISO 8601 time.")
    ordering = filters.OrderingFilter(
        fields=(("name", "name"), ("updated_at", "updated_at"), ("id", "id")))

    class Meta:
        model = Dataset
        fields = ["municipality", "updated_since"]
