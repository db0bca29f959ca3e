"""Open-data endpoints of the REST API (`/api/v1/…`): every public proposal as GeoJSON
with filters, and bulk exports of a project's proposals and of a published layer.

These serve the anonymous reader's view to everyone (opendata/catalogue.py says why);
a project's results appear once the project publishes them.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, StreamingHttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header, http_date
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from core import geojson
from core.db_router import ANONYMOUS, replica_reads
from core.geojson import GeoJSONRenderer
from gisdata.models import Layer
from gisdata.schema import GEOMETRY, LINKS
from gisdata.selectors import layers_published
from municipalities.filters import MUNICIPALITY_PARAMETER
from opendata import exports, selectors
from opendata.catalogue import proposals_licence
from opendata.ogc import FormatFromQuery
from proposals import search
from proposals.filters import ProposalFilter, list_order_keys
from proposals.models import Project, Proposal
from proposals.selectors import project_for

_PROPOSAL = {
    "type": "object", "required": ["type", "id", "geometry", "properties"],
    "properties": {
        "type": {"type": "string", "enum": ["Feature"]}, "id": {"type": "integer"},
        "geometry": GEOMETRY,
        "properties": {"type": "object", "additionalProperties": True, "properties": {
            "project": {"type": "integer"}, "title": {"type": "string"},
            "body": {"type": "string"}, "category": {"type": "string"},
            "category_name": {"type": "string"}, "status": {"type": "string"},
            "official_answer": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"}}}}}
PROPOSALS = {"type": "object", "required": ["type", "features"], "properties": {
    "type": {"type": "string", "enum": ["FeatureCollection"]},
    "numberMatched": {"type": "integer"}, "numberReturned": {"type": "integer"},
    "links": LINKS, "features": {"type": "array", "items": _PROPOSAL}}}
EXPORT = {"type": "object", "required": ["type", "features", "licence", "attribution"],
          "properties": {
              "type": {"type": "string", "enum": ["FeatureCollection"]},
              "name": {"type": "string"}, "title": {"type": "string"},
              "licence": {"type": "string"}, "attribution": {"type": "string"},
              "features": {"type": "array", "items": {
                  "type": "object", "required": ["type", "geometry", "properties"],
                  "properties": {"type": {"type": "string", "enum": ["Feature"]},
                                 "id": {"type": "integer"}, "geometry": GEOMETRY,
                                 "properties": {"type": "object",
                                                "additionalProperties": True}}}}}}
MAX_PAGE = 1000
SEARCH_PARAMETER = OpenApiParameter(
    "search", str, description="Full-text search (words, \"a phrase\", or, -word), in any "
    "of the site's languages, accents ignored: the proposals that match, best first, a "
    "page at a time by `cursor` (the `next` link), not counted; not with `ordering` or "
    "`offset`.")


class PageQuery(serializers.Serializer):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE,
                                     help_text="Features per page (default 100).")
    offset = serializers.IntegerField(required=False, min_value=0, max_value=10_000_000)
    cursor = serializers.CharField(required=False, max_length=200, help_text=(
        "With `search`: where the page starts, as the previous page's next link gives it."))


# From the replica for requests without credentials: one that has them may have just
# written (core/db_router.py).
@replica_reads(who=ANONYMOUS)
class ProposalList(GenericAPIView):
    """Every public proposal of every open project, as GeoJSON, filtered by `project`,
    `category`, `status`, `bbox` and `updated_since`, ordered by `ordering`
    (`created_at`, `updated_at`, `title`, `id`; `-` for descending; id by default; or
    one of the project list's orders by name, as the project page's list has them)."""

    renderer_classes = [GeoJSONRenderer, JSONRenderer]
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProposalFilter
    queryset = Proposal.objects.none()  # for the schema; get_queryset is the real one
    pagination_class = None

    def get_queryset(self):
        return selectors.proposals_public()

    @extend_schema(operation_id="api_v1_proposals_list",
                   parameters=[PageQuery, MUNICIPALITY_PARAMETER, SEARCH_PARAMETER],
                   responses={(200, geojson.MEDIA_TYPE): PROPOSALS})
    def get(self, request):
        page_query = PageQuery(data=request.query_params)
        page_query.is_valid(raise_exception=True)
        limit = page_query.validated_data.get("limit", 100)
        offset = page_query.validated_data.get("offset", 0)
        filterset = ProposalFilter(request.query_params, queryset=self.get_queryset(),
                                   request=request)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        qs = filterset.qs
        if filterset.form.cleaned_data.get("search"):
            return self._found(request, qs, filterset.form.cleaned_data, page_query)
        ordering = tuple(filterset.form.cleaned_data.get("ordering") or ("pk",))
        if ordering[0] in list_order_keys():  # an order of the project list, by name
            ordering = tuple(qs.query.order_by)
        page = selectors.proposals_page(qs, limit=limit, offset=offset, ordering=ordering)
        links = [{"rel": "self", "type": geojson.MEDIA_TYPE,
                  "href": request.build_absolute_uri()}]
        if offset + page.returned < page.matched:
            nxt = request.query_params.copy()
            nxt["offset"], nxt["limit"] = offset + limit, limit
            links.append({"rel": "next", "type": geojson.MEDIA_TYPE,
                          "href": request.build_absolute_uri(f"?{nxt.urlencode()}")})
        response = geojson.response(geojson.collection_text(
            page.features, numberMatched=page.matched, numberReturned=page.returned,
            links=links))
        if page.last_modified:
            response["Last-Modified"] = http_date(page.last_modified.timestamp())
        return response

    @staticmethod
    def _found(request, qs, cleaned: dict, page_query: PageQuery):
        """Search results: best first, a page at a time from a cursor, never counted
        (a common word matches a good part of a city's proposals)."""
        refused = [name for name in ("ordering", "offset")
                   if cleaned.get(name) or name in page_query.validated_data]
        if refused:
            raise ValidationError({name: _("Search results come best first, a page at "
                                           "a time by cursor: leave this out.")
                                   for name in refused})
        raw = page_query.validated_data.get("cursor")  # a bad one: a 400 that says so
        cursor = search.Cursor.decode(raw) if raw else None
        found = search.page(qs.values("id", "search_rank"),
                            limit=page_query.validated_data.get("limit", 100), cursor=cursor)
        page = selectors.proposals_in_order([row["id"] for row in found.rows])
        links = [{"rel": "self", "type": geojson.MEDIA_TYPE,
                  "href": request.build_absolute_uri()}]
        if query := search.next_query(request, found.next):
            links.append({"rel": "next", "type": geojson.MEDIA_TYPE,
                          "href": request.build_absolute_uri(f"?{query}")})
        return geojson.response(geojson.collection_text(
            page.features, numberReturned=page.returned, links=links))


# ------------------------------------------------------------------ exports
def _link_header(licence: str, attribution: str, describedby: str) -> str:
    """RFC 8288 links: the licence when it is a URL, and the metadata document, whose
    title (RFC 8187 encoding, for any script) states licence and attribution."""
    title = quote(f"Licence: {licence or 'not stated'}. Attribution: "
                  f"{attribution or 'not stated'}.", safe="")
    links = [f'<{describedby}>; rel="describedby"; type="application/json"; '
             f"title*=UTF-8''{title}"]
    if licence.startswith(("http://", "https://")) and all(c not in licence for c in "<>\"\n"):
        links.insert(0, f'<{licence}>; rel="license"')
    return ", ".join(links)


@replica_reads
class _Export(APIView):
    """Streams an export; `fmt` is set by each subclass."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = FormatFromQuery
    fmt = "geojson"

    def stream(self, export: exports.Export, describedby: str, last_modified=None):
        if self.fmt == "geojson":
            response = geojson.response(exports.geojson_stream(export))
        else:
            response = StreamingHttpResponse(exports.csv_stream(export),
                                             content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(
            True, f"{slugify(export.name) or 'export'}.{self.fmt}")
        response["Link"] = _link_header(export.licence, export.attribution, describedby)
        if last_modified:
            response["Last-Modified"] = http_date(last_modified.timestamp())
        return response


class ProjectExport(_Export):
    """A whole project's public proposals with their results, streamed."""

    @extend_schema(responses={(200, geojson.MEDIA_TYPE): EXPORT})
    def get(self, request, pk: int):
        try:
            project = project_for(user=AnonymousUser(), pk=pk)
        except Project.DoesNotExist as exc:
            raise Http404 from exc
        licence, attribution = proposals_licence()
        return self.stream(exports.project_export(project, licence, attribution),
                           request.build_absolute_uri(reverse("api:project-detail",
                                                              args=[pk])))


class ProjectExportCSV(ProjectExport):
    """The same as CSV: one row per proposal, its geometry as WKT (`geometry_wkt`)."""

    fmt = "csv"

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, pk: int):
        return super().get(request, pk)


class LayerExport(_Export):
    """Every feature of a published layer, streamed."""

    @extend_schema(responses={(200, geojson.MEDIA_TYPE): EXPORT})
    def get(self, request, pk: int):
        try:
            layer = layers_published().get(pk=pk)
        except Layer.DoesNotExist as exc:
            raise Http404 from exc
        return self.stream(exports.layer_export(layer), request.build_absolute_uri(
            reverse("api:layer-detail", args=[pk])), layer.updated_at)


class LayerExportCSV(LayerExport):
    """The same as CSV: one column per attribute, the geometry as WKT (`geometry_wkt`)."""

    fmt = "csv"

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, pk: int):
        return super().get(request, pk)
