"""OGC API – Features (Part 1: Core, GeoJSON, HTML, OpenAPI 3.0) under `/ogc/`.

QGIS, GDAL's OAPIF driver and OWSLib read these without custom code. Each published
layer and the proposals of each public project are a collection (opendata/catalogue.py);
items come as GeoJSON that PostGIS built (opendata/selectors.py). The views are DRF
views for throttling and error handling, but answer with the bytes they built:
`?f=json` or `?f=html` chooses the format, or a browser's Accept header does.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime
from functools import cache

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.views import APIView

from core import geojson
from core.db_router import replica_reads
from core.geojson import GeoJSONRenderer
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
    NOT_MODIFIED,
)
from opendata.throttles import OgcTimeThrottle


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


class TimedThrottle:
    """OGC API's own throttle (opendata/throttles.py) in place of the API's request
    rates: each request is charged the server time it took, once it is answered."""

    throttle_classes = [OgcTimeThrottle]
    ogc_throttle: OgcTimeThrottle | None = None

    def dispatch(self, request, *args, **kwargs):
        started = time.perf_counter()
        response = super().dispatch(request, *args, **kwargs)
        if self.ogc_throttle is not None:
            if response.streaming:  # a large page is read while it is sent
                response.streaming_content = _charged(response.streaming_content,
                                                      self.ogc_throttle, started)
            else:
                self.ogc_throttle.charge(time.perf_counter() - started)
        return response


def _charged(content, throttle: OgcTimeThrottle, started: float):
    try:
        yield from content
    finally:
        throttle.charge(time.perf_counter() - started)


# Open data, the same for everyone: read from the replica when there is one.
@replica_reads
class OgcView(TimedThrottle, APIView):
    schema = OgcSchema()
    permission_classes = [AllowAny]
    content_negotiation_class = FormatFromQuery
    renderer_classes = [JSONRenderer, HTMLRenderer]
    template_title = ""
    params = {"f"}

    def answer(self, request, data: dict, *, media_type=docs.JSON, rows=None,
               title: str = "", data_rows: bool = False) -> HttpResponse:
        """The document as JSON, or as an HTML page (`rows`: its table; `data_rows`: the
        table shows features' own names and attributes, data never translated)."""
        html = wants_html(request)
        if html:
            return render(request, "opendata/ogc.html", {
                "title": title or data.get("title", ""), "doc": data,
                "description": data.get("description", ""), "rows": rows,
                "data_rows": data_rows,
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
                           title=_("Conformance"))


@cache
def _definition() -> dict:
    # By its dotted path, as Django names a urlconf: the URLs import this module.
    generator = SchemaGenerator(urlconf="opendata.urls",
                                title="Plaza open data: OGC API – Features",
                                description="Published layers and the proposals of public "
                                "projects (OGC API – Features Part 1: Core).")
    return generator.get_schema(request=None, public=True)


class ApiDefinition(TimedThrottle, APIView):
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
                           title=_("Collections"))


class CollectionDetail(OgcView):
    """A collection's description: title, extent (bbox and time), licence, links."""

    @extend_schema(operation_id="ogc_collection", parameters=_params("f"),
                   responses={**COLLECTION, **ERRORS})
    def get(self, request, collection_id: str):
        c = _collection(collection_id)
        return self.answer(request, docs.collection(request, c, wants_html(request)))


def _rows(c: Collection, q: ItemsQuery, feature_id: int | None = None) -> selectors.Rows:
    if c.kind == LAYER:
        return selectors.layer_rows(c.layer, bbox=q.bbox, limit=q.limit, offset=q.offset,
                                    after=q.after, feature_id=feature_id)
    query = selectors.ProposalQuery(bbox=q.bbox, interval=q.interval, categories=q.categories,
                                    statuses=q.statuses, feature_id=feature_id)
    qs = selectors.proposals_query(selectors.proposals_public(c.project), query)
    return selectors.proposals_rows(qs, limit=q.limit, offset=q.offset, after=q.after,
                                    results=c.results, feature_id=feature_id)


def _version(c: Collection) -> tuple[str, datetime]:
    """What a page of the collection depends on, and when it last changed: a layer's
    version (each import or edit bumps `updated_at`), or the project's proposals."""
    if c.kind == LAYER:
        layer = c.layer
        return (f"layer:{layer.pk}:{layer.version}:{layer.updated_at.isoformat()}:"
                f"{layer.feature_count}", layer.updated_at)
    version, modified = selectors.proposals_version(c.project, results=c.results)
    return f"proposals:{c.results}:{version}", modified


def _conditional(request, c: Collection, html: bool):
    """The ETag and Last-Modified of this answer, known before any feature is read, and
    `304 Not Modified` when the client's copy (If-None-Match, If-Modified-Since) is
    current. The ETag is weak: two answers differ in `timeStamp`, not in features."""
    version, modified = _version(c)
    key = "|".join([version, request.build_absolute_uri(), str(html),
                    get_language() if html else ""])
    headers = {"ETag": f'W/"{hashlib.sha256(key.encode()).hexdigest()[:32]}"',
               "Last-Modified": http_date(modified.timestamp())}
    not_modified = get_conditional_response(request, etag=headers["ETag"],
                                            last_modified=int(modified.timestamp()))
    if not_modified is not None:
        for name, value in headers.items():
            not_modified[name] = value
    return headers, not_modified


def _geojson(body, headers: dict) -> HttpResponse:
    response = geojson.response(body)
    response["Content-Crs"] = f"<{CRS84}>"
    for name, value in headers.items():
        response[name] = value
    return response


def _feature_collection(request, c: Collection, q: ItemsQuery, page: selectors.Rows):
    """The page as GeoJSON text, in pieces: the features as PostGIS built them, then
    numberReturned and the links, which depend on how many came and the last id."""
    stamp = timezone.now().isoformat(timespec="seconds").replace("+00:00", "Z")
    seen = {"returned": 0, "last_id": None}

    def features():
        for fid, text in page.rows:
            seen["returned"] += 1
            seen["last_id"] = fid
            yield text

    def tail() -> dict:
        links = docs.page_links(request, c, limit=q.limit, offset=q.offset,
                                returned=seen["returned"], matched=page.matched, html=False,
                                last_id=seen["last_id"])
        return {"numberReturned": seen["returned"], "links": links}

    return geojson.collection_stream(features(), head={"numberMatched": page.matched,
                                                       "timeStamp": stamp}, tail=tail)


class Items(OgcView):
    """A collection's features, a page at a time, in id order: `bbox`, `datetime`
    (proposals: when they were made; layers carry no time), `limit`, `offset` (or
    `after`, which the `next` links set); proposals also by `category` and `status`."""

    renderer_classes = [GeoJSONRenderer, HTMLRenderer]

    @extend_schema(operation_id="ogc_items",
                   parameters=_params("f", "bbox", "datetime", "limit", "offset", "after",
                                      "crs", "bbox-crs", "category", "status"),
                   responses={**FEATURE_COLLECTION, **NOT_MODIFIED, **ERRORS})
    def get(self, request, collection_id: str):
        c = _collection(collection_id)
        html = wants_html(request)
        q = ItemsQuery.parse(request.query_params, proposals=c.kind != LAYER)
        headers, not_modified = _conditional(request, c, html)
        if not_modified is not None:
            return not_modified
        page = _rows(c, q)
        if html:
            rows = list(page.rows)
            links = docs.page_links(request, c, limit=q.limit, offset=q.offset,
                                    returned=len(rows), matched=page.matched, html=True,
                                    last_id=rows[-1][0] if rows else None)
            features = [json.loads(text) for _, text in rows]
            response = self.answer(
                request, {"title": c.title, "links": links, "numberMatched": page.matched,
                          "numberReturned": len(rows)},
                rows=[{"href": docs.url(request, "item", c.id, f["id"]) + "?f=html",
                       "id": f["id"], "title": _label(f)} for f in features],
                title=_("%(title)s: features") % {"title": c.title}, data_rows=True)
            for name, value in headers.items():
                response[name] = value
            return response
        body = _feature_collection(request, c, q, page)
        if q.limit <= selectors.STREAM_ABOVE:
            body = "".join(body)
        return _geojson(body, headers)

    def initial(self, request, *args, **kwargs):
        APIView.initial(self, request, *args, **kwargs)  # ItemsQuery checks the names


def _label(feature: dict) -> str:
    props = feature.get("properties") or {}
    for key in ("title", "name", "nom", "NAME", "Name"):
        if isinstance(props.get(key), str | int):
            return str(props[key])
    return _("Feature %(id)s") % {"id": feature["id"]}


class Item(OgcView):
    """One feature of a collection."""

    renderer_classes = [GeoJSONRenderer, HTMLRenderer]

    @extend_schema(operation_id="ogc_item", parameters=_params("f"),
                   responses={**FEATURE, **NOT_MODIFIED, **ERRORS})
    def get(self, request, collection_id: str, feature_id: int):
        c = _collection(collection_id)
        html = wants_html(request)
        headers, not_modified = _conditional(request, c, html)
        if not_modified is not None:
            return not_modified
        one = ItemsQuery(limit=1, offset=0, bbox=None, interval=None)
        rows = list(_rows(c, one, feature_id).rows)
        if not rows:
            raise Http404("No such feature in this collection.")
        feature = json.loads(rows[0][1])
        href = docs.url(request, "item", c.id, feature_id)
        feature["links"] = [*docs.self_links(href, html, _("This feature")),
                            docs.link(docs.url(request, "collection", c.id), "collection",
                                      docs.JSON, c.title)]
        if html:
            response = self.answer(request, {"title": _label(feature),
                                             "links": feature["links"]},
                                   rows=[{"id": k, "title": v} for k, v in
                                         (feature.get("properties") or {}).items()],
                                   data_rows=True)
            for name, value in headers.items():
                response[name] = value
            return response
        return _geojson(json.dumps(feature), headers)
