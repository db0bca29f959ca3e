"""OpenAPI descriptions of GeoJSON (RFC 7946) shared by every endpoint that serves it."""

LINKS = {"type": "array", "items": {"type": "object", "properties": {
    "rel": {"type": "string"}, "href": {"type": "string", "format": "uri"},
    "type": {"type": "string"}}}}


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
