"""The one place where a geometry sent by a user becomes a geometry Plaza stores.

Forms and the API both call `geometry_clean`. It works on GeoJSON (RFC 7946, so
always longitude/latitude in WGS 84) and checks, in this order, everything that can
be checked *before* GEOS or GDAL see the input: size in bytes, JSON shape, the
number of vertices, that each coordinate is a finite number in range. Only then is
a GEOS geometry built, and checked for type, emptiness, validity (with GEOS's own
reason) and whether it lies inside the project's area.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable

from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 256 * 1024
MAX_VERTICES = 5000
ALLOWED = ("Point", "LineString", "Polygon")
# How deep the coordinates of each type nest: a Point's are a position, a Polygon's
# a list of rings of positions.
DEPTH = {"Point": 0, "LineString": 1, "Polygon": 2}


def _error(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _load(raw) -> dict:
    if isinstance(raw, dict):
        text = json.dumps(raw)
    elif isinstance(raw, str | bytes):
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    else:
        raise _error(_("Send the geometry as a GeoJSON object."), "invalid_geometry")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise _error(_("The geometry is larger than %(size)s KB; simplify it.")
                     % {"size": MAX_BYTES // 1024}, "geometry_too_large")
    if isinstance(raw, dict):
        return raw
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _error(_("Invalid geometry: this is not GeoJSON."), "invalid_geometry") from exc
    if not isinstance(data, dict):
        raise _error(_("Invalid geometry: a GeoJSON geometry is an object."), "invalid_geometry")
    return data


def _positions(coords, depth: int) -> Iterable[list]:
    """Yield each position, checking that every level is a list as the type demands."""
    if not isinstance(coords, list):
        raise _error(_("Invalid geometry: coordinates must be arrays."), "invalid_geometry")
    if depth == 0:
        yield coords
        return
    for item in coords:
        yield from _positions(item, depth - 1)


def _check_position(position: list) -> None:
    # Longitude and latitude, then perhaps a height and a measure: both are dropped.
    if len(position) not in (2, 3, 4):
        raise _error(_("Invalid geometry: each position has a longitude and a latitude."),
                     "invalid_geometry")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in position):
        raise _error(_("Invalid geometry: coordinates must be numbers."), "invalid_geometry")
    lon, lat = position[0], position[1]
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise _error(_("Invalid geometry: coordinates must be finite numbers."),
                     "invalid_geometry")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise _error(_("Coordinates out of range: longitude %(lon)s, latitude %(lat)s. GeoJSON "
                       "gives longitude first, between -180 and 180, then latitude, between "
                       "-90 and 90.") % {"lon": lon, "lat": lat}, "out_of_range")


def geometry_clean(raw, *, area: MultiPolygon | None = None,
                   allowed: tuple[str, ...] = ALLOWED) -> GEOSGeometry:
    """Parse and check a user's GeoJSON geometry; raise ValidationError saying what is wrong."""
    data = _load(raw)
    kind = data.get("type")
    if kind not in DEPTH:
        raise _error(_("Invalid geometry type %(kind)s: draw a point, a line or an area.")
                     % {"kind": repr(str(kind)[:40])}, "invalid_geometry")
    if kind not in allowed:
        raise _error(_("A %(kind)s is not allowed here; allowed: %(allowed)s.")
                     % {"kind": kind, "allowed": ", ".join(allowed)},
                     "geometry_type")
    crs = data.get("crs")
    if crs is not None:
        raise _error(_("Give coordinates in WGS 84 longitude/latitude, without a 'crs' member "
                       "(RFC 7946)."), "invalid_crs")
    count = 0
    for position in _positions(data.get("coordinates"), DEPTH[kind]):
        count += 1
        if count > MAX_VERTICES:
            raise _error(_("The geometry has more than %(max)s vertices; simplify it.")
                         % {"max": MAX_VERTICES},
                         "too_many_vertices")
        _check_position(position)
    if count == 0:
        raise _error(_("The geometry is empty: draw it on the map."), "empty_geometry")
    geometry = _build(kind, data["coordinates"])
    if not geometry.valid:
        raise _error(_("Invalid geometry: %(reason)s. Redraw it so that its outline does not "
                       "cross itself.") % {"reason": geometry.valid_reason}, "invalid_geometry")
    if area is not None:
        _check_inside(geometry, area)
    return geometry


def _build(kind: str, coordinates) -> GEOSGeometry:
    two_d = _strip_z(coordinates, DEPTH[kind])
    try:
        geometry = GEOSGeometry(json.dumps({"type": kind, "coordinates": two_d}), srid=4326)
    except (GEOSException, ValueError) as exc:
        # e.g. a ring with fewer than four positions, or one that is not closed
        raise _error(_("Invalid geometry: lines need two positions and areas a closed ring "
                       "of at least four."), "invalid_geometry") from exc
    if geometry.empty:
        raise _error(_("The geometry is empty: draw it on the map."), "empty_geometry")
    return geometry


def _strip_z(coords, depth: int):
    """Keep longitude and latitude: Z and M values are dropped, Plaza works in two
    dimensions."""
    if depth == 0:
        return [float(coords[0]), float(coords[1])]
    return [_strip_z(item, depth - 1) for item in coords]


def _check_inside(geometry: GEOSGeometry, area: MultiPolygon) -> None:
    if area.covers(geometry):
        return
    swapped = _swapped(geometry)
    hint = ""
    if swapped is not None and area.covers(swapped):
        hint = " " + _("It would be inside with latitude and longitude swapped: GeoJSON "
                       "gives longitude first.")
    raise _error(_("This lies outside the project's area.") + hint, "outside_area")


def _swapped(geometry: GEOSGeometry) -> GEOSGeometry | None:
    data = json.loads(geometry.json)
    try:
        flipped = _flip(data["coordinates"], DEPTH[data["type"]])
        return GEOSGeometry(json.dumps({"type": data["type"], "coordinates": flipped}),
                            srid=4326)
    except (GEOSException, ValueError):
        return None


def _flip(coords, depth: int):
    if depth == 0:
        return [coords[1], coords[0]]
    return [_flip(item, depth - 1) for item in coords]
