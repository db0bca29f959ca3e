"""OpenAPI descriptions of the GeoJSON that the proposal endpoints return (RFC 7946)."""

from gisdata.schema import feature_collection

POSITION = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2,
            "description": "longitude, latitude (WGS 84)"}
GEOMETRY = {
    "oneOf": [
        {"type": "object", "title": "Point", "required": ["type", "coordinates"],
         "properties": {"type": {"enum": ["Point"]}, "coordinates": POSITION}},
        {"type": "object", "title": "LineString", "required": ["type", "coordinates"],
         "properties": {"type": {"enum": ["LineString"]},
                        "coordinates": {"type": "array", "items": POSITION, "minItems": 2}}},
        {"type": "object", "title": "Polygon", "required": ["type", "coordinates"],
         "properties": {"type": {"enum": ["Polygon"]},
                        "coordinates": {"type": "array", "items": {
                            "type": "array", "items": POSITION, "minItems": 4}}}},
    ]
}
FEATURE = {
    "type": "object", "required": ["type", "id", "geometry", "properties"],
    "properties": {
        "type": {"enum": ["Feature"]},
        "id": {"type": "integer"},
        "geometry": GEOMETRY,
        "properties": {"type": "object", "additionalProperties": True, "properties": {
            "title": {"type": "string"}, "status": {"type": "string"},
            "category": {"type": "string", "description": "the category's slug"},
            "hidden": {"type": "boolean"},
        }},
    },
}
FEATURE_COLLECTION = feature_collection(FEATURE)

AREA_FEATURE = {
    "type": "object", "required": ["type", "id", "geometry", "properties"],
    "properties": {
        "type": {"enum": ["Feature"]},
        "id": {"type": "integer", "description": "the project's id"},
        "geometry": {"type": "object", "title": "MultiPolygon",
                     "required": ["type", "coordinates"],
                     "properties": {"type": {"enum": ["MultiPolygon"]}, "coordinates": {
                         "type": "array", "items": {"type": "array", "items": {
                             "type": "array", "items": POSITION, "minItems": 4}}}}},
        "properties": {"type": "object", "properties": {
            "tolerance": {"type": "number", "description":
                          "how far the outline may stray from the area, in degrees"}}},
    },
}
CLUSTER = {
    "type": "object", "required": ["type", "geometry", "properties"],
    "properties": {
        "type": {"enum": ["Feature"]},
        "geometry": GEOMETRY["oneOf"][0],
        "properties": {"type": "object", "required": ["cluster", "count", "bounds"],
                       "properties": {
            "cluster": {"enum": [True]},
            "count": {"type": "integer", "description": "the proposals in the cell, exactly"},
            "bounds": {"type": "array", "items": {"type": "number"}, "minItems": 4,
                       "maxItems": 4, "description": "the extent of their points: minlon, "
                       "minlat, maxlon, maxlat"},
        }},
    },
    "description": "A cell of the grid: its geometry is the mean of its proposals' points",
}
CLUSTER_COLLECTION = {
    "type": "object", "required": ["type", "clustered", "numberMatched", "features"],
    "properties": {
        "type": {"enum": ["FeatureCollection"]},
        "clustered": {"type": "boolean", "description": "cells (true) or the proposals "
                      "themselves (false, when at most 500 match)"},
        "numberMatched": {"type": "integer", "description": "the proposals in view that "
                          "match the filters, all of them: the cells' counts add up to it"},
        "numberReturned": {"type": "integer"},
        "features": {"type": "array", "items": {"oneOf": [CLUSTER, FEATURE]}},
    },
}
