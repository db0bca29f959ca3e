"""Name the coordinate reference system a source describes, when it does not name it.

A shapefile's `.prj` is WKT with no authority code. GDAL (the one bundled with pyogrio,
which refuses file and network references) parses it and names an EPSG code when it
recognises the definition; when it does not, pyogrio hands us GDAL's WKT, and this module
decides what it describes:

1. PROJ's own identification (`proj_identify`, through pyproj) finds an EPSG CRS that is
   the same definition (confidence 90–100: ESRI names such as `ETRS_1989_UTM_Zone_31N`):
   the layer is read in it.
2. The datum is unnamed ("D_unknown") but the ellipsoid is WGS 84's or GRS 1980's, as in
   files written by tools that drop the datum. The modern datums on those ellipsoids
   (WGS 84, ETRS89, NAD83, GDA94, SIRGAS 2000, …) lie within about two metres of each
   other, well under what a citizen's proposal or a city layer needs, so:
   - lon/lat in degrees is read as WGS 84 (EPSG:4326);
   - a projection is read in the EPSG CRS with the same projection on one of those
     datums: WGS 84's when EPSG has one (UTM), otherwise the only one there is (a US
     state plane exists on NAD83 alone). Several and no WGS 84: the planner chooses.
   The interpretation is written on the run, with the alternatives.
3. Anything else (another ellipsoid, where datums differ by hundreds of metres; a prime
   meridian other than Greenwich; a projection EPSG does not have): refused, with the
   closest EPSG codes and PROJ's confidence for each, so the planner can pick one.

Only WKT is parsed (`CRS.from_wkt`): never a PROJ string or "user input", which may name
grid files or URLs; and PROJ's network is off (config/env.py sets PROJ_NETWORK=OFF too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

EPSG_NAMED = re.compile(r"^EPSG:(\d+)$")
MAX_WKT = 20_000  # a real .prj is under 1 KB; anything longer is not worth parsing
# Geographic CRSs on the WGS 84 or GRS 1980 ellipsoid, WGS 84 first: the datums an
# unnamed one on these ellipsoids is most likely to be, all within ~2 m of each other.
MODERN_BASES = (4326, 4258, 4269, 4283, 7844, 4617, 4674, 4167, 4619)
MODERN_ELLIPSOIDS = ((6378137.0, 298.257223563), (6378137.0, 298.257222101))
UNNAMED_DATUMS = {"", "unknown", "d_unknown", "not specified", "not_specified"}
CANDIDATES_LISTED = 5


class CrsUnknown(Exception):
    """The CRS cannot be named with confidence; the message lists the closest codes."""

    def __init__(self, message: str, candidates: list[tuple[int, int]]):
        super().__init__(message)
        self.candidates = candidates


@dataclass(frozen=True)
class CrsReading:
    srid: int
    note: str = ""  # how the CRS was interpreted, for the run's notes; "" when named
    alternatives: list[int] = field(default_factory=list)


def crs_identify(crs: str | None, *, layer: str) -> CrsReading | None:
    """The EPSG code to read a layer with, from pyogrio's CRS string.

    None when the source has no CRS at all (the planner must give one); raises
    CrsUnknown when it has one that cannot be named with confidence.
    """
    text = (crs or "").strip()
    if not text:
        return None
    named = EPSG_NAMED.match(text)
    if named:
        return CrsReading(srid=int(named.group(1)))
    definition = _parse(text, layer=layer)
    return (_identified(definition, layer=layer)
            or _unnamed_datum(definition, layer=layer)
            or _refuse(definition, layer=layer))


def _parse(text: str, *, layer: str):
    import pyproj
    from pyproj.exceptions import CRSError

    pyproj.network.set_network_enabled(False)
    if len(text) > MAX_WKT:
        raise CrsUnknown(_("The coordinate reference system of layer %(layer)s is too long "
                           "to be a real one. Give its EPSG code and import again.")
                         % {"layer": layer}, [])
    try:
        definition = pyproj.CRS.from_wkt(text)
    except CRSError as exc:
        raise CrsUnknown(_("The coordinate reference system of layer %(layer)s cannot be "
                           "read (%(reason)s). Give its EPSG code and import again.")
                         % {"layer": layer, "reason": str(exc)[:200]}, []) from exc
    return definition.source_crs if definition.is_bound else definition


def _matches(definition, minimum: int) -> list[tuple[int, int]]:
    """(EPSG code, PROJ's confidence %) of the EPSG CRSs that match, best first."""
    found = []
    for match in definition.list_authority(auth_name="EPSG", min_confidence=minimum):
        if match.code.isdigit() and (int(match.code), match.confidence) not in found:
            found.append((int(match.code), match.confidence))
    return found


def _identified(definition, *, layer: str) -> CrsReading | None:
    matches = _matches(definition, 90)
    if not matches:
        return None
    srid, confidence = matches[0]
    return CrsReading(srid=srid, note=_(
        "Layer %(layer)s: its coordinate reference system, “%(name)s”, is EPSG:%(srid)s "
        "(%(epsg_name)s; PROJ's confidence %(confidence)s%%).") % {
            "layer": layer, "name": definition.name, "srid": srid,
            "epsg_name": _epsg_name(srid), "confidence": confidence})


def _modern_unnamed(definition) -> bool:
    """An unnamed datum on the WGS 84 or GRS 1980 ellipsoid, Greenwich meridian."""
    datum = (definition.datum.name if definition.datum else "").strip().lower()
    ellipsoid = definition.ellipsoid
    meridian = definition.prime_meridian
    if datum not in UNNAMED_DATUMS or ellipsoid is None or meridian is None:
        return False
    if abs(meridian.longitude) > 1e-9:
        return False
    return any(abs(ellipsoid.semi_major_metre - a) < 0.01
               and abs(ellipsoid.inverse_flattening - f) < 1e-6
               for a, f in MODERN_ELLIPSOIDS)


def _unnamed_datum(definition, *, layer: str) -> CrsReading | None:
    if not _modern_unnamed(definition):
        return None
    ellipsoid = definition.ellipsoid.name
    if definition.is_geographic:
        axes = definition.axis_info
        if len(axes) != 2 or any(a.unit_name.lower() not in ("degree", "degrees")
                                 for a in axes):
            return None
        return CrsReading(srid=4326, note=_(
            "Layer %(layer)s: lon/lat on %(ellipsoid)s with an unknown datum, read as "
            "WGS 84 (EPSG:4326). The modern datums on this ellipsoid (ETRS89, NAD83, "
            "GDA94, …) lie within about 2 m of WGS 84; if the data needs better, give "
            "its EPSG code and import again.") % {"layer": layer, "ellipsoid": ellipsoid})
    if not definition.is_projected:
        return None
    candidates = _on_modern_bases(definition)
    if not candidates:
        return None
    wgs84 = [srid for base, srid in candidates if base == 4326]
    others = [srid for base, srid in candidates if base != 4326]
    if not wgs84 and len(others) > 1:
        return None  # several datums, none of them WGS 84: the planner chooses
    srid = (wgs84 or others)[0]
    note = _("Layer %(layer)s: “%(name)s” on %(ellipsoid)s with an unknown datum, read as "
             "EPSG:%(srid)s (%(epsg_name)s), within about 2 m.") % {
                 "layer": layer, "name": definition.name, "ellipsoid": ellipsoid,
                 "srid": srid, "epsg_name": _epsg_name(srid)}
    alternatives = [s for s in (wgs84 + others) if s != srid]
    if alternatives:
        note += " " + _("If the data was made on another datum, give its EPSG code and "
                        "import again: %(codes)s.") % {"codes": _listed(alternatives)}
    return CrsReading(srid=srid, note=note, alternatives=alternatives)


def _on_modern_bases(definition) -> list[tuple[int, int]]:
    """(base, EPSG code) of the projected CRSs with this projection on a modern datum."""
    import pyproj

    found = []
    for base in MODERN_BASES:
        swapped = definition.to_json_dict()
        swapped["base_crs"] = pyproj.CRS.from_epsg(base).to_json_dict()
        candidate = pyproj.CRS.from_json_dict(swapped)
        for srid, _confidence in _matches(candidate, 70)[:1]:
            if pyproj.CRS.from_epsg(srid).geodetic_crs.to_epsg() == base:
                found.append((base, srid))
    return found


def _refuse(definition, *, layer: str):
    candidates = _matches(definition, 25)[:CANDIDATES_LISTED]
    if candidates:
        closest = ", ".join(f"EPSG:{srid} ({_epsg_name(srid)}, {confidence}%)"
                            for srid, confidence in candidates)
        message = _("Layer %(layer)s describes its coordinate reference system as "
                    "“%(name)s”, which does not match one EPSG code with confidence. The "
                    "closest, with PROJ's confidence: %(closest)s. Give the EPSG code the "
                    "data was made in and import again.") % {
                        "layer": layer, "name": definition.name, "closest": closest}
    else:
        message = _("Layer %(layer)s describes its coordinate reference system as "
                    "“%(name)s”, which matches no EPSG code. Give the EPSG code the data "
                    "was made in and import again.") % {"layer": layer,
                                                        "name": definition.name}
    raise CrsUnknown(message, candidates)


def _epsg_name(srid: int) -> str:
    import pyproj

    return pyproj.CRS.from_epsg(srid).name


def _listed(codes: list[int]) -> str:
    return ", ".join(f"{srid} ({_epsg_name(srid)})" for srid in codes)
