"""`minlon,minlat,maxlon,maxlat` in WGS 84 → a polygon: the one reading of a bounding box
that the map's proposals, the layers API and the layers filter share. Each caller words
the error its own way; OGC API's `bbox` differs (six numbers, the antimeridian) and has
its own reader (opendata/ogc_params.py)."""

from __future__ import annotations

import math

from django.contrib.gis.geos import Polygon


class BBoxError(ValueError):
    """`not_numbers`: not four finite numbers; `out_of_range`: min ≥ max, or beyond
    ±180 / ±90."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def bbox_polygon(raw: str) -> Polygon:
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError as exc:
        raise BBoxError("not_numbers") from exc
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise BBoxError("not_numbers")
    minx, miny, maxx, maxy = values
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise BBoxError("out_of_range")
    return Polygon.from_bbox(values)
