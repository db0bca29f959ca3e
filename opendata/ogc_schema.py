"""OpenAPI descriptions of the OGC API – Features documents, with the standard's
parameter names and limits, so /api/schema/ and the service-desc at /ogc/api say
exactly what the views accept (schemathesis checks both ways in tests/opendata)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from core import geojson
from gisdata.schema import GEOMETRY, LINKS
from opendata.ogc_params import CRS84, DEFAULT_LIMIT, MAX_ID, MAX_LIMIT, MAX_OFFSET

GEOJSON = geojson.MEDIA_TYPE
JSON = "application/json"
HTML = "text/html"

_LINKED = {"type": "object", "required": ["links"], "properties": {"links": LINKS}}
ERROR = {"type": "object", "additionalProperties": True,
         "description": "What was wrong: `detail`, or a list of messages per parameter."}
ERRORS = {(400, JSON): ERROR, (404, JSON): ERROR, (429, JSON): ERROR}
NOT_MODIFIED = {304: OpenApiResponse(
    description="Not Modified: the copy named by If-None-Match (the ETag) or "
                "If-Modified-Since is current. No body.")}


def _json(schema: dict) -> dict:
    return {(200, JSON): schema, (200, HTML): OpenApiTypes.STR}


LANDING = _json({**_LINKED, "properties": {"title": {"type": "string"},
                                           "description": {"type": "string"},
                                           "links": LINKS}})
CONFORMANCE = _json({"type": "object", "required": ["conformsTo"], "properties": {
    "conformsTo": {"type": "array", "items": {"type": "string", "format": "uri"}},
    "links": LINKS}})
_BBOX = {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}
_COLLECTION = {
    "type": "object", "required": ["id", "links"],
    "properties": {
        "id": {"type": "string"}, "title": {"type": "string"},
        "description": {"type": "string"}, "itemType": {"type": "string"},
        "crs": {"type": "array", "items": {"type": "string"}},
        "storageCrs": {"type": "string"},
        "license": {"type": "string"}, "attribution": {"type": "string"},
        "numberOfFeatures": {"type": "integer"},
        "extent": {"type": "object", "properties": {
            "spatial": {"type": "object", "properties": {
                "bbox": {"type": "array", "items": _BBOX}, "crs": {"type": "string"}}},
            "temporal": {"type": "object", "properties": {
                "interval": {"type": "array", "items": {
                    "type": "array", "minItems": 2, "maxItems": 2,
                    "items": {"type": "string", "format": "date-time", "nullable": True}}},
                "trs": {"type": "string"}}}}},
        "links": LINKS,
    },
}
COLLECTION = _json(_COLLECTION)
COLLECTIONS = _json({"type": "object", "required": ["links", "collections"], "properties": {
    "links": LINKS, "collections": {"type": "array", "items": _COLLECTION}}})

_FEATURE = {
    "type": "object", "required": ["type", "geometry", "properties"],
    "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
        "geometry": {**GEOMETRY, "nullable": True},
        "properties": {"type": "object", "nullable": True, "additionalProperties": True,
                       "description": "A layer's attributes as imported; a proposal's "
                       "title, body, category, status, official answer, dates and, once "
                       "its project publishes them, its results."},
        "links": LINKS,
    },
}
FEATURE = {(200, GEOJSON): _FEATURE, (200, HTML): OpenApiTypes.STR}
FEATURE_COLLECTION = {(200, GEOJSON): {
    "type": "object", "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": _FEATURE},
        "links": LINKS,
        "timeStamp": {"type": "string", "format": "date-time"},
        "numberMatched": {"type": "integer", "minimum": 0},
        "numberReturned": {"type": "integer", "minimum": 0},
    }}, (200, HTML): OpenApiTypes.STR}

ITEM_PARAMETERS = {
    "f": OpenApiParameter("f", str, enum=["json", "html"],
                          description="The format; without it, the Accept header decides."),
    "bbox": OpenApiParameter(
        "bbox", {**_BBOX, "items": {"type": "number", "minimum": -180, "maximum": 180}},
        style="form", explode=False,
        description="minlon,minlat,maxlon,maxlat (WGS 84): features whose bounding box "
                    "meets it. Six numbers (with heights) are accepted too."),
    "datetime": OpenApiParameter(
        "datetime", str, description="An RFC 3339 date-time or an interval "
        "(`2026-01-01T00:00:00Z/..`). Proposals: when they were made; layers carry no "
        "time and ignore it."),
    "limit": OpenApiParameter(
        "limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                  "default": DEFAULT_LIMIT},
        description=f"Features per page, 1 to {MAX_LIMIT:,} (default {DEFAULT_LIMIT})."),
    "offset": OpenApiParameter(
        "offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
        description="Features to skip (the `next` link sets it)."),
    "after": OpenApiParameter(
        "after", {"type": "integer", "minimum": 0, "maximum": MAX_ID},
        description="Features whose id is above this one (the `next` link sets it, "
                    "with the last id of the page: deep pages cost what the first does). "
                    "With it, `offset` only numbers the page."),
    "crs": OpenApiParameter("crs", str, enum=[CRS84],
                            description="The only CRS served: WGS 84 longitude/latitude."),
    "bbox-crs": OpenApiParameter("bbox-crs", str, enum=[CRS84],
                                 description="The CRS of bbox: only WGS 84 lon/lat."),
    "category": OpenApiParameter("category", str,
                                 description="Proposals only: category slugs, "
                                 "comma-separated."),
    "status": OpenApiParameter("status", str,
                               description="Proposals only: statuses, comma-separated."),
}
