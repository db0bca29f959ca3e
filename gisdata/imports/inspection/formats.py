"""Content detection and the per-format checks: GeoJSON, GeoPackage and KML.

The format is decided from the file's first bytes (:func:`sniff`), never from its
extension alone; the checks below then confirm the content before GDAL is asked to read
it. :func:`gisdata.imports.inspection.data_file.inspect_single` calls them for each data
file, on disk or inside a zip.
"""

from __future__ import annotations

import json
import re
import struct

from django.utils.translation import gettext as _

from gisdata.imports.inspection.base import (
    SUPPORTED,
    InspectError,
    KiB,
    Limits,
    Opener,
    iter_chunks,
    read_head,
)
from gisdata.imports.inspection.outbound import is_kml_root

# --- content detection ----------------------------------------------------------------

_MAGIC: list[tuple[bytes, str]] = [
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "empty_zip"),
    (b"PK\x07\x08", "split_zip"),
    (b"SQLite format 3\x00", "sqlite"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"%PDF", "pdf"),
    (b"\x1f\x8b", "gzip"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!", "rar"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\x00\x00\x27\x0a", "shp"),
    (b"\xd0\xcf\x11\xe0", "ole"),
    (b"\x00\x00\xfe\xff", "utf32"),
    (b"\xff\xfe\x00\x00", "utf32"),
    (b"\xff\xfe", "utf16"),
    (b"\xfe\xff", "utf16"),
]

LABELS = {
    "zip": "a zip archive",
    "empty_zip": "an empty zip archive",
    "split_zip": "one part of a split zip archive",
    "sqlite": "an SQLite database that is not a GeoPackage",
    "gpkg": "a GeoPackage",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "gif": "a GIF image",
    "pdf": "a PDF document",
    "gzip": "a gzip archive",
    "7z": "a 7-Zip archive",
    "rar": "a RAR archive",
    "bzip2": "a bzip2 archive",
    "xz": "an xz archive",
    "tiff": "a TIFF image (raster data, which Plaza does not import)",
    "shp": "the .shp part of a shapefile alone",
    "ole": "an old Microsoft Office document",
    "utf16": "UTF-16 text",
    "utf32": "UTF-32 text",
    "json": "JSON",
    "xml": "XML",
    "html": "an HTML web page (perhaps an error or log-in page)",
    "text": "plain text",
    "binary": "binary data of an unknown format",
}

# extension -> (content it must have, what the name promises)
EXPECTED = {
    ".zip": ("zip", "a zip archive"),
    ".kmz": ("zip", "KMZ (zipped KML)"),
    ".geojson": ("json", "GeoJSON"),
    ".json": ("json", "GeoJSON"),
    ".gpkg": ("gpkg", "a GeoPackage"),
    ".kml": ("xml", "KML"),
    ".csv": ("text", "CSV"),
    ".tsv": ("text", "CSV"),
}
SHAPEFILE_PARTS = frozenset({".shp", ".shx", ".dbf", ".prj", ".cpg"})
_UTF8_BOM = b"\xef\xbb\xbf"
_GPKG_IDS = (b"GPKG", b"GP10", b"GP11")


def sniff(head: bytes) -> str:
    """Name what the first bytes of a file are: a key of :data:`LABELS`."""
    for magic, label in _MAGIC:
        if head.startswith(magic):
            if label == "sqlite":
                return "gpkg" if head[68:72] in _GPKG_IDS else "sqlite"
            return label
    body = head.removeprefix(_UTF8_BOM).lstrip(b" \t\r\n")
    if b"\x00" in head[:4096]:
        return "binary"
    if body[:1] in (b"{", b"["):
        return "json"
    if body[:1] == b"<":
        start = body[:256].lower()
        if start.startswith(b"<!doctype html") or start.startswith(b"<html"):
            return "html"
        return "xml"
    return "text"


def mismatch(name: str, content: str, promised: str) -> InspectError:
    return InspectError(
        _("The file %(name)s is named as %(promised)s, but its content is %(value)s. Check "
          "that you picked the right file, or export it again.") % {
            "name": repr(name),
            "promised": promised,
            "value": LABELS[content]},
        code="wrong_extension",
    )


def unsupported(name: str, content: str) -> InspectError:
    return InspectError(
        _("%(SUPPORTED)s; this file is none of them (%(name)s is %(value)s).") % {
            "SUPPORTED": SUPPORTED,
            "name": repr(name),
            "value": LABELS[content]},
        code="unsupported_format",
    )


# --- XML (KML) ------------------------------------------------------------------------

_XML_DECL_ENCODING = re.compile(rb"<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_XML_ENCODINGS = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "windows-1252"}
_DTD_MARKERS = (b"<!doctype", b"<!entity")


def check_xml(opener: Opener, head: bytes, *, name: str, limit: int) -> list[str]:
    """Refuse a DTD anywhere in the file, before any XML parser sees it; return warnings.

    A DOCTYPE is how billion-laughs and external entities (XXE) get in, and KML never
    needs one, so the raw bytes are scanned case-insensitively, chunk by chunk with an
    overlap, and nothing is parsed or fetched. The declared encoding must be one whose
    bytes spell ``<!DOCTYPE`` in ASCII, or the scan could be dodged (UTF-7, EBCDIC).
    """
    declared = _XML_DECL_ENCODING.search(head[:512])
    if declared and declared.group(1).decode("ascii").lower() not in _XML_ENCODINGS:
        raise InspectError(
            _("The file %(name)s declares the XML encoding %(value)s; Plaza reads KML in "
              "UTF-8 (or Latin-1): export it again as UTF-8.") % {
                "name": repr(name),
                "value": repr(declared.group(1).decode())},
            code="xml_encoding",
        )
    tail = b""
    network_link = False
    for chunk in iter_chunks(opener, limit):
        window = (tail + chunk).lower()
        if any(marker in window for marker in _DTD_MARKERS):
            raise InspectError(
                _("The file %(name)s declares a DOCTYPE or ENTITY. Plaza refuses these in "
                  "uploads: entity declarations can make an XML reader expand a small file "
                  "into gigabytes or read other files. Export the KML again without a DOCTYPE.") % {
                    "name": repr(name)},
                code="xml_dtd",
            )
        network_link = network_link or b"<networklink" in window
        tail = window[-16:]
    root = _xml_root(head)
    if root is None or not is_kml_root(root, head):
        shown = f"<{root}>" if root else "none found"
        raise InspectError(
            _("%(SUPPORTED)s; %(name)s is XML but not KML (its root element is %(shown)s).") % {
                "SUPPORTED": SUPPORTED,
                "name": repr(name),
                "shown": shown},
            code="unsupported_format",
        )
    if network_link:
        return [
            "The KML has NetworkLink elements; Plaza never fetches linked files, so only "
            "the placemarks in this file are imported."
        ]
    return []


def _xml_root(head: bytes) -> str | None:
    """The first element's name, skipping the XML declaration, comments and PIs."""
    text = head.removeprefix(_UTF8_BOM).decode("utf-8", errors="replace")
    pos = 0
    while True:
        start = text.find("<", pos)
        if start < 0:
            return None
        if text.startswith("<?", start):
            pos = text.find("?>", start)
        elif text.startswith("<!--", start):
            pos = text.find("-->", start)
        else:
            match = re.match(r"<([A-Za-z_][\w.:-]*)", text[start:])
            return match.group(1) if match else None
        if pos < 0:
            return None


# --- GeoJSON --------------------------------------------------------------------------

GEOJSON_TYPES = frozenset(
    {
        "FeatureCollection",
        "Feature",
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
    }
)
_JSON_TOKEN = re.compile(r'["{}\[\]:,]')
_TAIL_TYPE = re.compile(r'"type"\s*:\s*"(\w+)"\s*}\s*$')


def _top_level_strings(text: str) -> dict[str, str]:
    """Top-level ``"key": "string"`` members of a JSON object, from a possibly cut prefix."""
    found: dict[str, str] = {}
    depth, key, after_colon, pos = 0, None, False, 0
    while True:
        match = _JSON_TOKEN.search(text, pos)
        if match is None:
            return found
        char, pos = match.group(), match.end()
        if char == '"':
            end = pos
            while True:
                end = text.find('"', end)
                if end < 0:
                    return found
                backslashes = len(text[pos:end]) - len(text[pos:end].rstrip("\\"))
                if backslashes % 2 == 0:
                    break
                end += 1
            if depth == 1:
                if after_colon and key is not None:
                    found.setdefault(key, text[pos:end])
                    key, after_colon = None, False
                else:
                    key = text[pos:end]
            pos = end + 1
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
        elif depth == 1 and char == ":":
            after_colon = True
        elif depth == 1 and char == ",":
            key, after_colon = None, False


def check_geojson(opener: Opener, *, name: str, size: int, limits: Limits) -> tuple[str, str]:
    """Confirm JSON is GeoJSON; return (its top-level type, its GDAL layer name or "").

    A small file is parsed whole, which also catches broken JSON with its line number; a
    big one is judged from its top-level members in the first 64 KB, then from its last
    bytes (``"type": "FeatureCollection"`` may come after the features), without loading
    it into memory.
    """
    members: dict[str, object]
    if size <= limits.max_json_parse_bytes:
        with opener() as stream:
            raw = stream.read(limits.max_json_parse_bytes + 1)
        try:
            document = json.loads(raw.removeprefix(_UTF8_BOM).decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise InspectError(
                _("%(name)s is not UTF-8 text, which GeoJSON must be (byte %(start)s).") % {
                    "name": repr(name),
                    "start": exc.start},
                code="bad_json",
            ) from exc
        except json.JSONDecodeError as exc:
            raise InspectError(
                _("%(name)s is not valid JSON (line %(lineno)s, column %(colno)s: "
                  "%(msg)s). The file may be cut short: download or export it again.") % {
                    "name": repr(name),
                    "lineno": exc.lineno,
                    "colno": exc.colno,
                    "msg": exc.msg},
                code="bad_json",
            ) from exc
        except (RecursionError, ValueError) as exc:
            # Valid JSON that Python still cannot load: arrays or objects nested deeper
            # than the recursion limit, or an integer longer than int() accepts (4300
            # digits). Both are refusals, not crashes: no GeoJSON looks like that.
            raise InspectError(
                _("%(name)s cannot be read as GeoJSON: it nests lists or objects too "
                  "deeply, or holds a number too long to be a coordinate.") % {
                    "name": repr(name)},
                code="bad_json",
            ) from exc
        members = document if isinstance(document, dict) else {}
        if not isinstance(document, dict):
            raise InspectError(
                _("%(SUPPORTED)s; %(name)s is JSON but not GeoJSON (its top level is a list).") % {
                    "SUPPORTED": SUPPORTED,
                    "name": repr(name)},
                code="unsupported_format",
            )
    else:
        head = read_head(opener).removeprefix(_UTF8_BOM).decode("utf-8", errors="replace")
        members = dict(_top_level_strings(head))
        if "type" not in members:
            with opener() as stream:
                stream.seek(max(0, size - 4 * KiB))
                tail = stream.read().decode("utf-8", errors="replace")
            match = _TAIL_TYPE.search(tail)
            if match:
                members["type"] = match.group(1)
    kind = members.get("type")
    if kind == "Topology":
        raise InspectError(
            _("%(name)s is TopoJSON, not GeoJSON: convert it to GeoJSON (e.g. with mapshaper).") % {
                "name": repr(name)},
            code="unsupported_format",
        )
    # "type" may hold any JSON value; a list or an object is unhashable, so test for a
    # string before looking it up in the frozenset.
    if not isinstance(kind, str) or kind not in GEOJSON_TYPES:
        esri = "geometryType" in members or "spatialReference" in members
        what = "Esri JSON" if esri else 'JSON without a GeoJSON "type"'
        raise InspectError(
            _("%(SUPPORTED)s; %(name)s is %(what)s, not GeoJSON.") % {
                "SUPPORTED": SUPPORTED,
                "name": repr(name),
                "what": what}, code="unsupported_format"
        )
    layer = members.get("name")
    return str(kind), layer if isinstance(layer, str) else ""


# --- GeoPackage -----------------------------------------------------------------------


def check_geopackage_header(head: bytes, *, name: str, size: int) -> None:
    """Refuse a GeoPackage cut short: the header says how many pages the database has."""
    if len(head) < 100:
        # sniff() needs only 72 bytes to see "GPKG"; the fields read below end at byte 96
        # of the 100-byte SQLite header, so a shorter file is cut short, not a crash.
        raise InspectError(
            _("The GeoPackage %(name)s is incomplete (%(size)s bytes, less than its "
              "header): upload or download it again.") % {
                "name": repr(name),
                "size": format(size, ',')},
            code="truncated",
        )
    page_size = struct.unpack(">H", head[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    change_counter, pages = struct.unpack(">II", head[24:32])
    valid_for = struct.unpack(">I", head[92:96])[0]
    if pages and valid_for == change_counter and pages * page_size > size:
        raise InspectError(
            _("The GeoPackage %(name)s is incomplete (%(size)s of %(value)s bytes): upload "
              "or download it again.") % {
                "name": repr(name),
                "size": format(size, ','),
                "value": format(pages * page_size, ',')},
            code="truncated",
        )
