"""OGC API – Features (Part 1: Core, GeoJSON, HTML, OpenAPI 3.0) under `/ogc/`.

QGIS, GDAL's OAPIF driver and OWSLib read these without custom code. Each published
layer and the proposals of each public project are a collection (opendata/catalogue.py);
items come as GeoJSON that PostGIS built (opendata/selectors.py). The views are DRF
views for throttling and error handling, but answer with the bytes they built:
`?f=json` or `?f=html` chooses the format, or a browser's Accept header does.
"""

from __future__ import annotations

import json
from functools import cache

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import http_date
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.views import APIView

from opendata import ogc_docs as docs
from opendata import selectors
from opendata.catalogue import LAYER, Collection, collection_get, collections_all
from opendata.ogc_params import CRS84, ItemsQuery, reject_unknown, wants_html
from opendata.ogc_schema import (
    COLLECTION,
    COLLECTIONS,
    CONFORMANCE,
    ERRORS,
    FEATURE,
    FEATURE_COLLECTION,
    ITEM_PARAMETERS,
    LANDING,
)


class GeoJSONRenderer(JSONRenderer):
    media_type = docs.GEOJSON
    format = "geojson"


class HTMLRenderer(BaseRenderer):
    """Named so the API definition lists text/html; the views render HTML themselves."""

    media_type = docs.HTML
    format = "html"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data).encode()


class FormatFromQuery(BaseContentNegotiation):
    """The views choose their format from `f` and Accept themselves (wants_html): DRF
    never answers 406, and its own errors are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return JSONRenderer(), JSONRenderer.media_type


class OgcSchema(AutoSchema):
    """OGC API's format parameter is `f`: DRF's own `format` is not offered here."""

    def _get_format_parameters(self):
        return []


class OgcView(APIView):
    schema = OgcSchema()
    permission_classes = [AllowAny]
    content_negotiation_class = FormatFromQuery
    renderer_classes = [JSONRenderer, HTMLRenderer]
    template_title = ""
    params = {"f"}

    def answer(self, request, data: dict, *, media_type=docs.JSON, rows=None,
               title: str = "") -> HttpResponse:
        html = wants_html(request)
        if html:
            return render(request, "opendata/ogc.html", {
                "title": title or data.get("title", ""), "doc": data,
                "description": data.get("description", ""), "rows": rows,
                "links": data.get("links", []),
                "json": json.dumps(data, indent=2, ensure_ascii=False)[:200_000]})
        return HttpResponse(json.dumps(data), content_type=media_type)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        reject_unknown(request.query_params, self.params)


def _params(*names: str) -> list[OpenApiParameter]:
    return [ITEM_PARAMETERS[n] for n in names]


class Landing(OgcView):
    """The landing page: links to the API definition, conformance and collections."""

    @extend_schema(parameters=_params("f"), responses={**LANDING, **ERRORS},
                   operation_id="ogc_landing")
    def get(self, request):
        html = wants_html(request)
        return self.answer(request, docs.landing(request, html))


@extend_schema(exclude=True)
class LandingWithoutSlash(Landing):
    """/ogc as well as /ogc/: documented once."""


class Conformance(OgcView):
    """The conformance classes this API implements."""

    @extend_schema(operation_id="ogc_conformance", parameters=_params("f"),
                   responses={**CONFORMANCE, **ERRORS})
    def get(self, request):
        return self.answer(request, docs.conformance(request, wants_html(request)),
                           title="Conformance")


@cache
def _definition() -> dict:
    from opendata import urls

    generator = SchemaGenerator(urlconf=urls, title="Plaza open data: OGC API – Features",
                                description="Published layers and the proposals of public "
                                "projects (OGC API – Features Part 1: Core).")
    return generator.get_schema(request=None, public=True)


class ApiDefinition(APIView):
    """The OpenAPI 3.0 definition of `/ogc/` (service-desc), generated like /api/schema/."""

    schema = OgcSchema()
    permission_classes = [AllowAny]
    content_negotiation_class = FormatFromQuery

    @extend_schema(operation_id="ogc_api", parameters=[OpenApiParameter("f", str,
                                                                        enum=["json"])],
                   responses={(200, docs.OPENAPI): OpenApiTypes.OBJECT, **ERRORS})
    def get(self, request):
        reject_unknown(request.query_params, {"f"})
        if request.query_params.get("f", "json") != "json":
            return HttpResponse(json.dumps({"f": ["f is json."]}), status=400,
                                content_type=docs.JSON)
        server = docs.url(request, "landing").rstrip("/")  # the paths start with "/"
        definition = {**_definition(), "servers": [{"url": server}]}
        return HttpResponse(json.dumps(definition), content_type=docs.OPENAPI)


def _collection(collection_id: str) -> Collection:
    found = collection_get(collection_id)
    if found is None:
        raise Http404("No such collection.")
    return found


class Collections(OgcView):
    """Every collection: each published layer and the proposals of each public project."""

    @extend_schema(operation_id="ogc_collections", parameters=_params("f"),
                   responses={**COLLECTIONS, **ERRORS})
    def get(self, request):
        html = wants_html(request)
        found = collections_all()
        rows = [{"href": docs.url(request, "collection", c.id) + "?f=html", "title": c.title,
                 "id": c.id, "count": c.item_count} for c in found] if html else None
        return self.answer(request, docs.collections(request, found, html), rows=rows,
                           title="Collections")


class CollectionDetail(OgcView):
    """A collection's description: title, extent (bbox and time), licence, links."""

    @extend_schema(operation_id="ogc_collection", parameters=_params("f"),
                   responses={**COLLECTION, **ERRORS})
    def get(self, request, collection_id: str):
        c = _collection(collection_id)
        return self.answer(request, docs.collection(request, c, wants_html(request)))


def _page(c: Collection, q: ItemsQuery, feature_id: int | None = None):
    if c.kind == LAYER:
        return selectors.layer_page(c.layer, bbox=q.bbox, limit=q.limit, offset=q.offset,
                                    feature_id=feature_id)
    query = selectors.ProposalQuery(bbox=q.bbox, interval=q.interval, categories=q.categories,
                                    statuses=q.statuses, feature_id=feature_id)
    qs = selectors.proposals_query(selectors.proposals_public(c.project), query)
    return selectors.proposals_page(qs, limit=q.limit, offset=q.offset, results=c.results)


def _geojson(text: str, page) -> HttpResponse:
    response = HttpResponse(text, content_type=docs.GEOJSON)
    response["Content-Crs"] = f"<{CRS84}>"
    if page.last_modified:
        response["Last-Modified"] = http_date(page.last_modified.timestamp())
    return response


class Items(OgcView):
    """A collection's features, a page at a time: `bbox`, `datetime` (proposals: when
    they were made; layers carry no time), `limit` (1–10,000, default 10), `offset`;
    proposals also by `category` and `status`."""

    renderer_classes = [GeoJSONRenderer, HTMLRenderer]

    @extend_schema(operation_id="ogc_items",
                   parameters=_params("f", "bbox", "datetime", "limit", "offset", "crs",
                                      "bbox-crs", "category", "status"),
                   responses={**FEATURE_COLLECTION, **ERRORS})
    def get(self, request, collection_id: str):
        c = _collection(collection_id)
        html = wants_html(request)
        q = ItemsQuery.parse(request.query_params, proposals=c.kind != LAYER)
        page = _page(c, q)
        links = docs.page_links(request, c, limit=q.limit, offset=q.offset,
                                returned=page.returned, matched=page.matched, html=html)
        if html:
            features = json.loads(page.features)
            return self.answer(request, {"title": c.title, "links": links,
                                         "numberMatched": page.matched,
                                         "numberReturned": page.returned},
                               rows=[{"href": docs.url(request, "item", c.id, f["id"])
                                      + "?f=html", "id": f["id"], "title": _label(f)}
                                     for f in features], title=f"{c.title}: features")
        stamp = timezone.now().isoformat(timespec="seconds").replace("+00:00", "Z")
        text = (f'{{"type":"FeatureCollection","numberMatched":{page.matched},'
                f'"numberReturned":{page.returned},"timeStamp":"{stamp}",'
                f'"links":{json.dumps(links)},"features":{page.features}}}')
        return _geojson(text, page)

    def initial(self, request, *args, **kwargs):
        APIView.initial(self, request, *args, **kwargs)  # ItemsQuery checks the names


def _label(feature: dict) -> str:
    props = feature.get("properties") or {}
    for key in ("title", "name", "nom", "NAME", "Name"):
        if isinstance(props.get(key), str | int):
            return str(props[key])
    return f"Feature {feature['id']}"


class Item(OgcView):
    """One feature of a collection."""

    renderer_classes = [GeoJSONRenderer, HTMLRenderer]

    @extend_schema(operation_id="ogc_item", parameters=_params("f"),
                   responses={**FEATURE, **ERRORS})
    def get(self, request, collection_id: str, feature_id: int):
        c = _collection(collection_id)
        page = _page(c, ItemsQuery(limit=1, offset=0, bbox=None, interval=None), feature_id)
        features = json.loads(page.features)
        if not features:
            raise Http404("No such feature in this collection.")
        feature = features[0]
        href = docs.url(request, "item", c.id, feature_id)
        html = wants_html(request)
        feature["links"] = [*docs.self_links(href, html, "This feature"),
                            docs.link(docs.url(request, "collection", c.id), "collection",
                                      docs.JSON, c.title)]
        if html:
            return self.answer(request, {"title": _label(feature),
                                         "links": feature["links"]},
                               rows=[{"id": k, "title": v} for k, v in
                                     (feature.get("properties") or {}).items()])
        return _geojson(json.dumps(feature), page)
