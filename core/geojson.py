"""GeoJSON (RFC 7946) as every Plaza surface writes it: the API's maps, OGC API –
Features, the bulk exports and the report's data file.

PostGIS builds the features of large answers (`feature_sql`: one `json_build_object`
per row, the geometry by `ST_AsGeoJSON`), and Python only wraps their text, never
parsing it again (`collection_text` for a page in one piece, `collection_stream` for
one sent while it is read). A feature built in Python (`feature`, for one object or a
report) rounds its coordinates to the same `PRECISION`, so that a proposal has the same
coordinates wherever it is read.

The wrapper's members (`numberMatched`, `links`, a licence…) are written compactly,
each value as `json.dumps` writes it; the features are the database's text as it comes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

from django.contrib.gis.geos import GEOSGeometry
from django.http import HttpResponse, StreamingHttpResponse
from rest_framework.renderers import JSONRenderer

MEDIA_TYPE = "application/geo+json"
# Decimal places of longitude and latitude: 7 is about a centimetre, finer than any
# survey a city publishes and than a finger on a map, and 3 bytes a number shorter than
# the 15 digits a double would print.
PRECISION = 7
# A streamed collection goes out in pieces of about this many characters: one write per
# piece, not one per feature.
BUFFER = 64 * 1024


class GeoJSONRenderer(JSONRenderer):
    """DRF's JSON, announced as GeoJSON (for views answering a Feature)."""

    media_type = MEDIA_TYPE
    format = "geojson"


def feature_sql(*, id: str, geometry: str, properties: str) -> str:
    """The SQL expression (type json) of one row as a Feature. Arguments are SQL
    expressions (`p.id`, `p.geometry`, `json_build_object(…)` or a jsonb column)."""
    return (f"json_build_object('type', 'Feature', 'id', {id}, "
            f"'geometry', ST_AsGeoJSON({geometry}, {PRECISION})::json, "
            f"'properties', {properties})")


def _round(coords):
    if isinstance(coords, list | tuple):
        return [_round(c) for c in coords]
    return round(coords, PRECISION)


def geometry(geom: GEOSGeometry) -> dict:
    """A geometry as a GeoJSON object, its coordinates rounded as PostGIS rounds them."""
    data = json.loads(geom.json)
    if "geometries" in data:
        data["geometries"] = [geometry(g) for g in geom]
    else:
        data["coordinates"] = _round(data["coordinates"])
    return data


def feature(id, geom: GEOSGeometry, properties: dict) -> dict:
    return {"type": "Feature", "id": id, "geometry": geometry(geom), "properties": properties}


def _members(members: dict) -> str:
    return "".join(f"{json.dumps(name)}:{json.dumps(value)}," for name, value in
                   members.items())


def collection_text(features: str, **members) -> str:
    """A FeatureCollection around `features`, the JSON array text PostGIS built, with
    `members` (in their order) before it."""
    return f'{{"type":"FeatureCollection",{_members(members)}"features":{features}}}'


def collection_stream(features: Iterable[str], *, head: dict,
                      tail: Callable[[], dict] | None = None,
                      one_per_line: bool = False) -> Iterator[str]:
    """A FeatureCollection written while `features` (each a Feature's text) are read:
    `head`'s members before them, then `tail()`'s, which may depend on what was read
    (how many, the last id). `one_per_line` puts each feature on a line of its own and
    ends the text with a newline, for files that people open and compare."""
    separator = ",\n" if one_per_line else ","
    pieces = [f'{{"type":"FeatureCollection",{_members(head)}"features":[']
    size, first = 0, True
    for text in features:
        pieces.append(text if first else separator + text)
        first = False
        size += len(text)
        if size >= BUFFER:
            yield "".join(pieces)
            pieces, size = [], 0
    after = _members(tail()) if tail is not None else ""
    pieces.append(f"],{after[:-1]}}}" if after else "]}")
    if one_per_line:
        pieces.append("\n")
    yield "".join(pieces)


def response(body: str | Iterable[str]) -> HttpResponse:
    """A GeoJSON answer: text at once, or streamed when `body` is an iterator."""
    if isinstance(body, str):
        return HttpResponse(body, content_type=MEDIA_TYPE)
    return StreamingHttpResponse(body, content_type=MEDIA_TYPE)
