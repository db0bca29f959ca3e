"""OpenAPI descriptions of GeoJSON (RFC 7946) shared by every endpoint that serves it."""

LINKS = {"type": "array", "items": {"type": "object", "properties": {
    "rel": {"type": "string"}, "href": {"type": "string", "format": "uri"},
    "type": {"type": "string"}}}}

POSITION = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 3,
            "description": "longitude, latitude (WGS 84), and a height when there is one"}
_LINE = {"type": "array", "items": POSITION, "minItems": 2}
_RING = {"type": "array", "items": POSITION, "minItems": 4}
_POLYGON = {"type": "array", "items": _RING}


def _geometry(name: str, coordinates: dict) -> dict:
    return {"type": "object", "title": name, "required": ["type", "coordinates"],
            "properties": {"type": {"type": "string", "enum": [name]},
                           "coordinates": coordinates}}


_SIMPLE = [
    _geometry("Point", POSITION),
    _geometry("LineString", _LINE),
    _geometry("Polygon", _POLYGON),
    _geometry("MultiPoint", {"type": "array", "items": POSITION}),
    _geometry("MultiLineString", {"type": "array", "items": _LINE}),
    _geometry("MultiPolygon", {"type": "array", "items": _POLYGON}),
]
# Any GeoJSON geometry: what an imported layer may hold (a layer of mixed geometries
# may hold collections too).
GEOMETRY = {"oneOf": [*_SIMPLE, {
    "type": "object", "title": "GeometryCollection", "required": ["type", "geometries"],
    "properties": {"type": {"type": "string", "enum": ["GeometryCollection"]},
                   "geometries": {"type": "array", "items": {"oneOf": _SIMPLE}}}}],
    "description": "A GeoJSON geometry in WGS 84 longitude/latitude (RFC 7946)"}


def feature_collection(feature: dict) -> dict:
    """A FeatureCollection of `feature`s, with the paging members Plaza adds."""
    return {
        "type": "object", "required": ["type", "features"],
        "properties": {
            "type": {"enum": ["FeatureCollection"]},
            "numberReturned": {"type": "integer"},
            "links": LINKS,
            "features": {"type": "array", "items": feature},
        },
    }
