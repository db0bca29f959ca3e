"""Zipped shapefiles, checked in place: each .shp with its .shx and .dbf is one layer.

The parts are matched by stem the way GDAL matches them (exact stem, extension in lower or
upper case), so a part GDAL would silently miss is refused here instead. Only a few bytes
of each part are read from the zip: the magic numbers, the .prj (refused when it names a
datum grid by path or URL, see :mod:`gisdata.imports.inspection.outbound`), the .cpg and the first
records of the .dbf to tell whether the attributes are UTF-8.
:func:`gisdata.imports.inspection.archive.inspect_zip` calls :func:`inspect_shapefiles`.
"""

from __future__ import annotations

import codecs
import re
import struct
import zipfile
from pathlib import PurePosixPath

from django.utils.translation import gettext as _

from gisdata.imports.inspection.base import InspectError, ShapefileLayer, Source
from gisdata.imports.inspection.outbound import crs_file_reference, crs_reference_refused

# Shapefile sidecars GDAL may use or that only describe the data: not worth a warning.
SIDECARS = frozenset(
    {".sbn", ".sbx", ".qix", ".fix", ".atx", ".ain", ".aih", ".ixs", ".mxs", ".qmd", ".qml", ".xml"}
)
SHP_MAGIC = b"\x00\x00\x27\x0a"
DBF_VERSIONS = frozenset(
    {0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x32, 0x43, 0x63, 0x83, 0x8B, 0x8E, 0xCB, 0xF5, 0xFB}
)
PART_PURPOSE = {
    ".shx": "the index of the shapes",
    ".dbf": "the attributes",
    ".shp": "the shapes",
}


def member_stem(member: str) -> str:
    return member[: len(member) - len(PurePosixPath(member).suffix)]


def _part_name(stem: str, shp: str, ext: str) -> str:
    """The name GDAL looks for: the .shp's stem, the extension in the .shp's case."""
    return stem + (ext.upper() if PurePosixPath(shp).suffix.isupper() else ext)


def inspect_shapefiles(
    archive: zipfile.ZipFile,
    files: list[zipfile.ZipInfo],
    *,
    name: str,
    vsi: str,
    encoding: str | None,
) -> Source:
    """Each .shp with its .shx and .dbf (named so that GDAL finds them) is one layer."""
    groups: dict[str, dict[str, zipfile.ZipInfo]] = {}
    for info in files:
        suffix = PurePosixPath(info.filename).suffix
        groups.setdefault(member_stem(info.filename).lower(), {})[suffix.lower()] = info
    shps = [info for info in files if PurePosixPath(info.filename).suffix.lower() == ".shp"]
    folders = sorted({str(PurePosixPath(info.filename).parent) for info in shps})
    if len(folders) > 1:
        shown = ", ".join("(top)" if f == "." else f + "/" for f in folders)
        raise InspectError(
            _("The zip has shapefiles in several folders (%(shown)s): put them in one "
              "folder, or upload one zip per folder.") % {"shown": shown},
            code="shapefile_folders",
        )
    layers: list[ShapefileLayer] = []
    notes: list[str] = []
    not_utf8: list[str] = []
    used: set[str] = set()
    for info in shps:
        parts = groups[member_stem(info.filename).lower()]
        layer, utf8 = _shapefile_layer(archive, info, parts, vsi=vsi, notes=notes)
        layers.append(layer)
        used.update(part.filename for part in parts.values())
        if utf8 is False and layer.encoding is None:
            not_utf8.append(info.filename)
    # One shapefile: its .shp. Several: their folder, which GDAL opens as one dataset
    # whose layers are named by the .shp stems.
    folder = "" if folders[0] == "." else "/" + folders[0]
    gdal_path = layers[0].gdal_path if len(layers) == 1 else f"/vsizip/{vsi}{folder}"
    others = [
        info.filename
        for info in files
        if info.filename not in used and PurePosixPath(info.filename.lower()).suffix not in SIDECARS
    ]
    if others:
        notes.append(
            "The zip also holds files Plaza does not read: " + ", ".join(others[:10]) + "."
        )
    without_prj = [layer.member for layer in layers if not layer.has_prj]
    if without_prj:
        notes.append(
            "No .prj (coordinate reference system) for "
            + ", ".join(without_prj)
            + ": say which EPSG code the coordinates use."
        )
    declared = {layer.encoding for layer in layers}
    if encoding is None and len(declared) > 1:
        notes.append(_("The shapefiles declare different encodings; each is read with its own."))
    suggested = None
    if not_utf8 and encoding is None:
        suggested = "CP1252"
        notes.append(
            "The attributes of " + ", ".join(not_utf8) + " are not UTF-8 and there is no .cpg "
            "saying what they are: choose their encoding (often Windows-1252 / Latin-1)."
        )
    return Source(
        "shapefile",
        gdal_path,
        [layer.name for layer in layers],
        encoding or (declared.pop() if len(declared) == 1 else None),
        not without_prj,
        warnings=notes,
        name=name,
        shapefiles=layers,
        suggested_encoding=suggested,
    )


def _shapefile_layer(
    archive: zipfile.ZipFile,
    shp: zipfile.ZipInfo,
    parts: dict[str, zipfile.ZipInfo],
    *,
    vsi: str,
    notes: list[str],
) -> tuple[ShapefileLayer, bool | None]:
    stem = member_stem(shp.filename)
    if PurePosixPath(shp.filename).suffix not in (".shp", ".SHP"):
        raise _case_mismatch(shp.filename, _part_name(stem, stem + ".shp", ".shp"))
    missing = [ext for ext in (".shx", ".dbf") if ext not in parts]
    if missing:
        wanted = " or ".join(_part_name(stem, shp.filename, ext) for ext in missing)
        add = " and ".join(f"the {ext}, which holds {PART_PURPOSE[ext]}" for ext in missing)
        raise InspectError(
            _("The zip has %(filename)s but no %(wanted)s: add %(add)s.") % {
                "filename": shp.filename,
                "wanted": wanted,
                "add": add},
            code="shapefile_incomplete",
        )
    for ext, part in parts.items():
        # GDAL looks for the .shp's exact stem with the extension in lower or upper case.
        if ext in (".shx", ".dbf", ".prj", ".cpg") and part.filename not in (
            stem + ext,
            stem + ext.upper(),
        ):
            raise _case_mismatch(part.filename, _part_name(stem, shp.filename, ext))
    for ext in (".shp", ".shx"):
        info = shp if ext == ".shp" else parts[ext]
        with archive.open(info) as stream:
            if stream.read(4) != SHP_MAGIC:
                raise InspectError(
                    _("%(filename)s is not a shapefile %(ext)s (its first bytes are "
                      "wrong): export the layer again.") % {
                        "filename": info.filename,
                        "ext": ext},
                    code="shapefile_damaged",
                )
    utf8 = _dbf_is_utf8(archive, parts[".dbf"])
    has_prj = False
    if ".prj" in parts:
        with archive.open(parts[".prj"]) as stream:
            prj = stream.read(64 * 1024).decode("latin-1")
        has_prj = bool(prj.strip())
        reference = crs_file_reference(prj)
        if reference is not None:
            where = _("the .prj of %(filename)s") % {"filename": shp.filename}
            raise crs_reference_refused(where, reference)
    cpg_text, cpg_encoding = None, None
    if ".cpg" in parts:
        with archive.open(parts[".cpg"]) as stream:
            cpg_text = stream.read(256).decode("latin-1").strip()
        cpg_encoding = cpg_to_encoding(cpg_text)
        if cpg_encoding is None:
            notes.append(
                _("The .cpg of %(filename)s says %(cpg_text)s, an encoding Plaza does not "
                  "recognise: the attributes are read as UTF-8 unless you choose another.") % {
                    "filename": shp.filename,
                    "cpg_text": repr(cpg_text)}
            )
        elif cpg_encoding == "UTF-8" and utf8 is False:
            notes.append(
                _("The .cpg of %(filename)s says UTF-8, but the attributes are not UTF-8: "
                  "choose their encoding (often Windows-1252 / Latin-1).") % {
                    "filename": shp.filename}
            )
    layer = ShapefileLayer(
        name=PurePosixPath(stem).name,
        member=shp.filename,
        gdal_path=f"/vsizip/{vsi}/{shp.filename}",
        has_prj=has_prj,
        encoding=cpg_encoding,
        cpg=cpg_text,
    )
    return layer, utf8


def _case_mismatch(found: str, wanted: str) -> InspectError:
    return InspectError(
        _("The zip has %(found)s where the reader looks for %(wanted)s: the names differ "
          "in upper/lower case, and GDAL would not find that part (it would silently drop "
          "the attributes or the CRS). Rename it %(name)s.") % {
            "found": found,
            "wanted": wanted,
            "name": PurePosixPath(wanted).name},
        code="shapefile_case",
    )


def _dbf_is_utf8(archive: zipfile.ZipFile, dbf: zipfile.ZipInfo) -> bool | None:
    """Whether the first 64 KB of records decode as UTF-8 (None: no non-header bytes)."""
    with archive.open(dbf) as stream:
        data = stream.read(64 * 1024)
    if len(data) < 32 or data[0] not in DBF_VERSIONS:
        raise InspectError(
            _("%(filename)s is not a dBASE table (the .dbf of a shapefile): export the "
              "layer again.") % {"filename": dbf.filename},
            code="shapefile_damaged",
        )
    header_length = struct.unpack("<H", data[8:10])[0]
    records = data[header_length:]
    if not records:
        return None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(records, final=False)
    except UnicodeDecodeError:
        return False
    return True


_CPG_NUMBERED = {
    "65001": "UTF-8",
    **{str(n): f"CP{n}" for n in (437, 850, 852, 866, 874, 932, 936, 949, 950, *range(1250, 1259))},
}
_CPG_NAMED = {
    "UTF8": "UTF-8",
    "LATIN1": "ISO-8859-1",
    "BIG5": "BIG5",
    "SJIS": "SHIFT_JIS",
    "SHIFTJIS": "SHIFT_JIS",
    "GB2312": "GB2312",
    "GBK": "GBK",
    "GB18030": "GB18030",
    "KOI8R": "KOI8-R",
    "EUCJP": "EUC-JP",
    "EUCKR": "EUC-KR",
}


def cpg_to_encoding(text: str) -> str | None:
    """Map a .cpg's words ("UTF-8", "1252", "ANSI 1252", "ISO-8859-1", "88591", ...).

    Returns a name both Python and GDAL (iconv) understand, or None when unknown.
    """
    word = re.sub(r"[\s_.-]", "", text.upper())
    iso = re.fullmatch(r"(?:ISO)?8859(\d{1,2})", word)
    if iso:
        return f"ISO-8859-{int(iso.group(1))}"
    number = re.fullmatch(r"(?:ANSI|CP|WINDOWS|OEM|IBM|MS)?(\d+)", word)
    found = _CPG_NUMBERED.get(number.group(1)) if number else _CPG_NAMED.get(word)
    if found is None:
        return None
    try:
        codecs.lookup(found)
    except LookupError:
        return None
    return found
