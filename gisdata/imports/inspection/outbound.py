"""What inside a file could make GDAL or PROJ fetch a URL or open another file: refused.

An upload is data, and reading it must not make the worker reach anything else. GDAL
3.12 still follows two kinds of reference found inside the formats Plaza reads:

- a GeoJSON ``crs`` member of type ``link`` (or the older ``url``) makes GDAL download
  the definition from the ``href`` with its own HTTP client, from the worker, bypassing
  every check of :mod:`gisdata.imports.fetch`. GDAL matches member names and the type without
  regard to case, decodes ``\\u`` escapes, and reads a ``crs`` on the top-level object
  and on the geometries of a GeometryCollection, so *every* ``crs`` member of the file is
  checked here, found in the raw bytes (escaped or not): only named EPSG/OGC identifiers
  (``urn:ogc:def:crs:EPSG::25831``, ``EPSG:25831``, CRS84, the opengis.net forms GDAL
  resolves offline) and the old ``{"type": "EPSG"}`` form pass;
- a CRS definition (a shapefile's ``.prj``, a GeoPackage's ``gpkg_spatial_ref_sys``)
  may name datum-shift grids: ``+nadgrids=``/``+geoidgrids=`` in a PROJ string or in the
  ``EXTENSION["PROJ4", ...]`` of old WKT, ``PARAMETERFILE`` in WKT2. PROJ opens a grid
  given as a path or fetches one given as a URL (``PROJ_NETWORK=OFF`` stops only the
  fetch) when a transformation uses it. A grid *name* (``@null``, ``ntv2_0.gsb``) is only
  looked up among PROJ's own files and passes; a path or a URL is refused.

:func:`gisdata.imports.inspection.data_file.inspect_single` calls :func:`check_geojson_crs`
for every GeoJSON; :mod:`.shapefile` and :mod:`.geopackage_schema` call
:func:`crs_file_reference` on CRS definitions.
"""

from __future__ import annotations

import json
import re

from django.utils.translation import gettext as _

from gisdata.imports.inspection.base import InspectError, KiB, MiB, Opener

# --- GeoJSON "crs" --------------------------------------------------------------------

# A member name that json-c reads as "crs" in any case, each letter plain or \u-escaped.
_CRS_KEY = re.compile(
    rb'"(?:[cC]|\\u00[46]3)(?:[rR]|\\u00[57]2)(?:[sS]|\\u00[57]3)"'
)
_JSON_SPACE = b" \t\r\n"
# What any match of _CRS_KEY contains, in lower case: its end unescaped, or an escape.
_CANDIDATES = (b'rs"', b"\\u0063", b"\\u0043", b"\\u0072", b"\\u0052", b"\\u0073",
               b"\\u0053")
_CHUNK = 1 * MiB
_WINDOW = 64 * KiB  # a crs object is a few hundred bytes; more is not a CRS
# Identifiers GDAL resolves from its own database, never from a file or the network.
_CRS_IDENTIFIER = re.compile(
    r"(?:EPSG|ESRI):\d+"
    r"|(?:OGC:)?CRS:?(?:84|83|27)"
    r"|urn:(?:x-)?ogc:def:crs:(?:(?:EPSG|ESRI):[\d.]*:\d+|OGC:[\d.]*:CRS(?:84|83|27))"
    r"|https?://www\.opengis\.net/def/crs/(?:EPSG/[\d.]+/\d+|OGC/[\d.]+/CRS(?:84|83|27))",
    re.IGNORECASE,
)


def check_geojson_crs(opener: Opener, *, name: str) -> None:
    """Refuse a GeoJSON with any ``crs`` member GDAL would resolve through a link.

    Reads the raw bytes in chunks (a 1 GB file is never held in memory) and decodes only
    the object that follows each ``"crs":``. Non-object values are ignored, as GDAL
    ignores them.
    """
    carry = b""
    with opener() as stream:
        while True:
            chunk = stream.read(_CHUNK)
            at_end = not chunk
            data = carry + chunk
            carry_from = max(0, len(data) - 32)  # a key cut at the chunk's end
            # Most chunks hold no "crs" at all: two plain searches say so at C speed,
            # several times faster than the regex (which stops at every quote).
            lowered = data.lower()
            candidates = any(needle in lowered for needle in _CANDIDATES)
            for match in _CRS_KEY.finditer(data) if candidates else ():
                if not at_end and match.start() > len(data) - _WINDOW:
                    carry_from = match.start()  # its value may run into the next chunk
                    break
                _check_crs_at(data, match.end(), name=name, at_end=at_end)
            if at_end:
                return
            carry = data[carry_from:]


def _check_crs_at(data: bytes, start: int, *, name: str, at_end: bool) -> None:
    window = data[start : start + _WINDOW].lstrip(_JSON_SPACE)
    if not window.startswith(b":"):
        if not window and not at_end:
            raise _crs_refused(name, _("a “crs” member that cannot be read"))
        return  # "crs" as a value, not as a member name
    window = window[1:].lstrip(_JSON_SPACE)
    if not window.startswith(b"{"):
        return
    try:
        value, _end = json.JSONDecoder().raw_decode(window.decode("utf-8", errors="replace"))
    except ValueError as exc:
        # Longer than any CRS, or broken JSON (which GDAL would refuse anyway), or a
        # number of more digits than Python converts (a ValueError, not a JSON error).
        raise _crs_refused(name, _("a “crs” member that cannot be read")) from exc
    problem = _crs_problem(value)
    if problem is not None:
        raise _crs_refused(name, problem)


def _members(value: dict) -> dict[str, object] | None:
    """Members by lower-case name, as GDAL finds them; None when two names collide."""
    found = {str(key).lower(): member for key, member in value.items()}
    return found if len(found) == len(value) else None


def _crs_problem(value: object) -> str | None:
    """What is wrong with one ``crs`` object, in words for the planner; None if fine."""
    if not isinstance(value, dict):
        return None
    members = _members(value)
    if members is None:
        return _("a “crs” member that spells the same name twice")
    kind = members.get("type")
    properties = members.get("properties")
    properties = _members(properties) if isinstance(properties, dict) else {}
    if properties is None:
        return _("a “crs” member that spells the same name twice")
    kind = kind.lower() if isinstance(kind, str) else kind
    if kind in ("link", "url"):
        target = properties.get("href") or properties.get("url") or ""
        return _("a “crs” that links to %(target)s") % {"target": repr(str(target)[:200])}
    if kind == "name":
        named = properties.get("name")
        if isinstance(named, str) and _CRS_IDENTIFIER.fullmatch(named.strip()):
            return None
        return _("a “crs” named %(named)s, which is not an EPSG code") % {
            "named": repr(str(named)[:200])}
    if kind == "epsg":
        code = properties.get("code")
        if isinstance(code, int) or (isinstance(code, str) and code.strip().isdigit()):
            return None
        return _("a “crs” with the EPSG code %(code)s") % {"code": repr(str(code)[:40])}
    if kind == "ogc":
        urn = properties.get("urn")
        if isinstance(urn, str) and _CRS_IDENTIFIER.fullmatch(urn.strip()):
            return None
        return _("a “crs” named %(named)s, which is not an EPSG code") % {
            "named": repr(str(urn)[:200])}
    return _("a “crs” of type %(kind)s") % {"kind": repr(str(kind)[:40])}


def _crs_refused(name: str, problem: str) -> InspectError:
    return InspectError(
        _("The GeoJSON %(name)s has %(problem)s. Plaza never fetches a coordinate "
          "reference system from a link or a file: name it by its EPSG code, as in "
          "\"crs\": {\"type\": \"name\", \"properties\": {\"name\": "
          "\"urn:ogc:def:crs:EPSG::25831\"}}, or remove the “crs” member if the "
          "coordinates are WGS 84 longitude/latitude, and upload the file again.") % {
            "name": repr(name), "problem": problem},
        code="crs_reference",
    )


# --- KML ------------------------------------------------------------------------------

_KML_NAMESPACE = rb"""\s*=\s*["']http://(?:www\.opengis\.net/kml/|earth\.google\.com/kml/)"""


def is_kml_root(root: str, head: bytes) -> bool:
    """Whether the root element ``root`` is KML's: ``kml``, or ``p:kml`` with ``p`` bound
    to a KML namespace. ``<gml:kml>`` is not: GDAL hands it to its GML reader, which
    reads and writes ``.gfs``/``.xsd`` files beside it and may download schemas."""
    prefix, _, local = root.rpartition(":")
    if local.lower() != "kml":
        return False
    if not prefix:
        return True
    pattern = rb"xmlns:" + re.escape(prefix.encode()) + _KML_NAMESPACE
    return re.search(pattern, head) is not None


# --- grids and files named in a CRS definition ----------------------------------------

# PROJ-string parameters whose value names a file: grids, and init files.
_PROJ_FILE_PARAMETER = re.compile(
    r"\+\s*(nadgrids|geoidgrids|grids|xy_grids|z_grids|file|init)\s*=\s*([^\s\"\]]*)",
    re.IGNORECASE,
)
# WKT that names a file: WKT2's PARAMETERFILE, GDAL's WKT1 EXTENSION["PROJ4_GRIDS", ...].
_WKT_FILE = re.compile(
    r"(?:PARAMETERFILE\s*[\[(]\s*\"[^\"]*\"|EXTENSION\s*[\[(]\s*\"PROJ4_GRIDS\")"
    r"\s*,\s*\"([^\"]*)\"",
    re.IGNORECASE,
)


def crs_file_reference(text: str) -> str | None:
    """The grid or file a CRS definition names by a path or a URL, or None.

    A bare name (``@null``, ``ntv2_0.gsb``, ``+init=epsg:4326``) is only looked up in
    PROJ's own data and passes; anything with a slash, a backslash or a scheme
    (``http:``, ``C:``), or GDAL's ``/vsi…`` prefixes, would reach outside and is named.
    """
    references = [(m.group(1).lower(), m.group(2)) for m in _PROJ_FILE_PARAMETER.finditer(text)]
    references += [("grid", m.group(1)) for m in _WKT_FILE.finditer(text)]
    for parameter, value in references:
        for item in value.split(","):
            item = item.strip().lstrip("@")
            if "/" in item or "\\" in item or (parameter != "init" and ":" in item):
                return item
    if "/vsi" in text.lower():
        return text[text.lower().index("/vsi") :][:120]
    return None


def crs_reference_refused(where: str, reference: str) -> InspectError:
    """The refusal for a CRS definition (``where``: "the .prj of roads.shp") naming one."""
    return InspectError(
        _("The coordinate reference system in %(where)s names the file %(reference)s. "
          "Plaza never opens files or addresses named inside an upload: export the data "
          "again with a plain EPSG coordinate reference system (for example EPSG:25831), "
          "or give its EPSG code when you import.") % {
            "where": where, "reference": repr(reference[:200])},
        code="crs_reference",
    )
