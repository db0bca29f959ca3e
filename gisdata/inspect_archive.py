"""Zip archives (zipped shapefiles, KMZ, a zipped GeoJSON/GeoPackage/KML/CSV), checked in place.

Nothing is ever extracted: every check reads the central directory, and the few bytes we
need from a member (a magic number, a .cpg, the first records of a DBF, a CSV to count its
rows) are decompressed into memory, bounded by the declared sizes we checked first. GDAL
then reads the archive in place through ``/vsizip/{archive}/member``. So a zip-slip name
could not write anywhere anyway, but it is refused all the same: such an archive is
hostile, and whoever extracts it later (a planner on their desktop) would be hurt.
"""

from __future__ import annotations

import codecs
import re
import stat
import struct
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from gisdata.inspect import (
    LABELS,
    SUPPORTED,
    InspectError,
    Limits,
    ShapefileLayer,
    Source,
    inspect_single,
    sniff,
)

ARCHIVE_EXTENSIONS = frozenset(
    {".zip", ".kmz", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz"}
)
# member extension -> the content it must have (see gisdata.inspect.sniff)
DATA_EXTENSIONS = {
    ".geojson": "json",
    ".json": "json",
    ".gpkg": "gpkg",
    ".kml": "xml",
    ".csv": "text",
    ".tsv": "text",
}
DATA_LABELS = {"json": "GeoJSON", "gpkg": "a GeoPackage", "xml": "KML", "text": "CSV"}
JUNK_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})
# Shapefile sidecars GDAL may use or that only describe the data: not worth a warning.
SIDECARS = frozenset(
    {".sbn", ".sbx", ".qix", ".fix", ".atx", ".ain", ".aih", ".ixs", ".mxs", ".qmd", ".qml", ".xml"}
)
COMPRESSION_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
SHP_MAGIC = b"\x00\x00\x27\x0a"
DBF_VERSIONS = frozenset(
    {0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x32, 0x43, 0x63, 0x83, 0x8B, 0x8E, 0xCB, 0xF5, 0xFB}
)
PART_PURPOSE = {
    ".shx": "the index of the shapes",
    ".dbf": "the attributes",
    ".shp": "the shapes",
}
_DRIVE = re.compile(r"[A-Za-z]:")


def declared_member_count(path: Path) -> int:
    """The member count written in the end-of-central-directory record (zip64 too).

    Read before :mod:`zipfile` builds one object per member, so that a directory of
    millions of entries is refused without the memory it would take.
    """
    size = path.stat().st_size
    with path.open("rb") as stream:
        start = max(0, size - (65535 + 22))
        stream.seek(start)
        tail = stream.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) < at + 22:
            raise _damaged()
        count = struct.unpack("<H", tail[at + 10 : at + 12])[0]
        if count != 0xFFFF or at < 20 or tail[at - 20 : at - 16] != b"PK\x06\x07":
            return count
        (offset,) = struct.unpack("<Q", tail[at - 12 : at - 4])
        stream.seek(offset)
        record = stream.read(56)
        if len(record) < 40 or record[:4] != b"PK\x06\x06":
            raise _damaged()
        return struct.unpack("<Q", record[32:40])[0]


def _damaged() -> InspectError:
    return InspectError(
        "The zip is damaged or incomplete: download or zip it again and upload the new file.",
        code="zip_damaged",
    )


def _is_junk(member: str) -> bool:
    parts = member.lower().split("/")
    base = parts[-1]
    return "__macosx" in parts or base.startswith("._") or base in JUNK_NAMES


def _check_member(info: zipfile.ZipInfo, limits: Limits) -> None:
    """Refuse one member for its name, its type, its encryption or its compression."""
    raw = info.orig_filename
    if any(ord(char) < 32 for char in raw):
        raise InspectError(
            f"The zip contains a file whose name has control characters ({raw!r}); Plaza "
            "refuses such archives.",
            code="zip_slip",
        )
    if "\\" in raw:
        raise InspectError(
            f"The zip contains {raw!r}, whose path uses backslashes: some tools read them as "
            "folders and write outside the target folder. Zip the files again.",
            code="zip_slip",
        )
    if raw.startswith("/") or _DRIVE.match(raw) or ".." in raw.split("/"):
        raise InspectError(
            f"The zip contains {raw!r}, a path that leads outside the archive (absolute, or "
            "with '..'). Plaza refuses such archives: they are a known way to overwrite "
            "files ('zip slip'). Zip the files again from their own folder.",
            code="zip_slip",
        )
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise InspectError(
            f"The zip contains {raw!r}, a symbolic link. Plaza refuses links inside archives: "
            "they can point at files outside it. Zip the real files instead.",
            code="zip_symlink",
        )
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise InspectError(
            f"The zip contains {raw!r}, which is not an ordinary file.", code="zip_special"
        )
    if info.flag_bits & 0x1:
        raise InspectError(
            f"The zip is password-protected ({raw!r} is encrypted): upload it without a password.",
            code="zip_encrypted",
        )
    if info.compress_type not in COMPRESSION_METHODS:
        raise InspectError(
            f"The zip compresses {raw!r} with method {info.compress_type}, which Plaza cannot "
            "read: zip it again with ordinary (deflate) compression.",
            code="zip_compression",
        )
    if info.is_dir() or _is_junk(raw):
        return
    if PurePosixPath(raw.lower()).suffix in ARCHIVE_EXTENSIONS:
        raise InspectError(
            f"The zip contains another archive ({raw!r}): unzip it and upload the inner file "
            "directly.",
            code="zip_nested",
        )
    expands = info.file_size / max(info.compress_size, 1)
    if info.file_size >= limits.ratio_min_bytes and expands > limits.max_ratio:
        raise InspectError(
            f"The zip member {raw!r} expands {expands:,.0f} times (from "
            f"{info.compress_size:,} to {info.file_size:,} bytes); Plaza refuses members that "
            f"expand more than {limits.max_ratio:g} times, the mark of a zip bomb.",
            code="zip_bomb",
        )


def checked_members(archive: zipfile.ZipFile, *, limits: Limits) -> list[zipfile.ZipInfo]:
    """Every check of the central directory; returns the files worth looking at."""
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise _too_many(len(infos), limits)
    total = 0
    seen: dict[str, str] = {}
    for info in infos:
        _check_member(info, limits)
        total += info.file_size
        if total > limits.max_total_uncompressed:
            raise InspectError(
                f"The zip would expand to more than {limits.max_total_uncompressed:,} bytes, "
                "Plaza's limit: a zip bomb, or too much data for one import.",
                code="zip_bomb",
            )
        key = info.orig_filename.rstrip("/").lower()
        if key in seen:
            raise InspectError(
                f"The zip holds {seen[key]!r} and {info.orig_filename!r}, names that differ "
                "at most in upper/lower case: which one to read is ambiguous. Remove one.",
                code="zip_duplicate",
            )
        seen[key] = info.orig_filename
    return [i for i in infos if not i.is_dir() and not _is_junk(i.orig_filename)]


def _too_many(count: int, limits: Limits) -> InspectError:
    return InspectError(
        f"The zip has {count:,} files; Plaza accepts at most {limits.max_members:,} in one upload.",
        code="zip_too_many",
    )


def inspect_zip(
    path: Path, *, name: str, vsi: str, limits: Limits, encoding: str | None, kmz: bool
) -> Source:
    """Inspect a zip: shapefiles, a KMZ, or one zipped GeoJSON/GeoPackage/KML/CSV.

    ``vsi`` is the archive as GDAL names it (``{/abs/path}``); ``kmz`` says the user
    named it ``.kmz``. Every zipfile or zlib error becomes "the zip is damaged".
    """
    declared = declared_member_count(path)
    if declared > limits.max_members:
        raise _too_many(declared, limits)
    try:
        with zipfile.ZipFile(path) as archive:
            files = checked_members(archive, limits=limits)
            return _inspect_members(
                archive, files, name=name, vsi=vsi, limits=limits, encoding=encoding, kmz=kmz
            )
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        struct.error,
        NotImplementedError,
    ) as exc:
        raise _damaged() from exc


def _inspect_members(
    archive: zipfile.ZipFile,
    files: list[zipfile.ZipInfo],
    *,
    name: str,
    vsi: str,
    limits: Limits,
    encoding: str | None,
    kmz: bool,
) -> Source:
    by_suffix: dict[str, list[zipfile.ZipInfo]] = {}
    for info in files:
        by_suffix.setdefault(PurePosixPath(info.filename.lower()).suffix, []).append(info)
    if kmz:
        kmls = by_suffix.get(".kml", [])
        chosen = _kml_of_kmz(kmls)
        if chosen is None:
            raise InspectError(f"The KMZ {name!r} holds no .kml file.", code="no_layers")
        return _inspect_member(
            archive, chosen, name=name, vsi=vsi, limits=limits, encoding=encoding, kind="kmz"
        )
    if by_suffix.get(".shp"):
        return _inspect_shapefiles(archive, files, name=name, vsi=vsi, encoding=encoding)
    data = [
        info for info in files if PurePosixPath(info.filename.lower()).suffix in DATA_EXTENSIONS
    ]
    if not data:
        orphans = by_suffix.get(".dbf", []) + by_suffix.get(".shx", [])
        if orphans:
            stem = _stem(orphans[0].filename)
            raise InspectError(
                f"The zip has {orphans[0].filename} but no {stem}.shp: add the .shp, which "
                "holds the shapes.",
                code="shapefile_incomplete",
            )
        listed = ", ".join(info.filename for info in files[:10]) or "nothing"
        raise InspectError(
            f"{SUPPORTED}; the zip {name!r} holds none of them (it holds: {listed}).",
            code="unsupported_format",
        )
    if len(data) > 1:
        raise InspectError(
            f"The zip {name!r} holds several data files ("
            + ", ".join(info.filename for info in data[:10])
            + "): upload them one at a time.",
            code="zip_several_files",
        )
    return _inspect_member(
        archive, data[0], name=name, vsi=vsi, limits=limits, encoding=encoding, kind=None
    )


def _kml_of_kmz(kmls: list[zipfile.ZipInfo]) -> zipfile.ZipInfo | None:
    """The KML a KMZ reader opens: ``doc.kml`` at the root, else the first at the root."""
    root = [info for info in kmls if "/" not in info.filename]
    for info in root:
        if info.filename.lower() == "doc.kml":
            return info
    return (root or kmls or [None])[0]


def _inspect_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    *,
    name: str,
    vsi: str,
    limits: Limits,
    encoding: str | None,
    kind: str | None,
) -> Source:
    """One zipped data file, checked by content like an upload of its own."""
    shown = f"{info.filename} (in {name})"
    with archive.open(info) as stream:
        head = stream.read(64 * 1024)
    content = sniff(head)
    expected = DATA_EXTENSIONS[PurePosixPath(info.filename.lower()).suffix]
    if content != expected:
        raise InspectError(
            f"The file {shown!r} is named as {DATA_LABELS[expected]}, but its content is "
            f"{LABELS[content]}.",
            code="wrong_extension",
        )
    source = inspect_single(
        lambda: archive.open(info),
        head=head,
        content=content,
        name=shown,
        size=info.file_size,
        gdal_file=f"/vsizip/{vsi}/{info.filename}",
        limits=limits,
        encoding=encoding,
        kind="kmz" if kind == "kmz" else None,
    )
    source.name = name
    return source


# --- shapefiles -----------------------------------------------------------------------


def _stem(member: str) -> str:
    return member[: len(member) - len(PurePosixPath(member).suffix)]


def _part_name(stem: str, shp: str, ext: str) -> str:
    """The name GDAL looks for: the .shp's stem, the extension in the .shp's case."""
    return stem + (ext.upper() if PurePosixPath(shp).suffix.isupper() else ext)


def _inspect_shapefiles(
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
        groups.setdefault(_stem(info.filename).lower(), {})[suffix.lower()] = info
    shps = [info for info in files if PurePosixPath(info.filename).suffix.lower() == ".shp"]
    folders = sorted({str(PurePosixPath(info.filename).parent) for info in shps})
    if len(folders) > 1:
        shown = ", ".join("(top)" if f == "." else f + "/" for f in folders)
        raise InspectError(
            f"The zip has shapefiles in several folders ({shown}): put them in one folder, or "
            "upload one zip per folder.",
            code="shapefile_folders",
        )
    layers: list[ShapefileLayer] = []
    notes: list[str] = []
    not_utf8: list[str] = []
    used: set[str] = set()
    for info in shps:
        parts = groups[_stem(info.filename).lower()]
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
        notes.append("The shapefiles declare different encodings; each is read with its own.")
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
    stem = _stem(shp.filename)
    if PurePosixPath(shp.filename).suffix not in (".shp", ".SHP"):
        raise _case_mismatch(shp.filename, _part_name(stem, stem + ".shp", ".shp"))
    missing = [ext for ext in (".shx", ".dbf") if ext not in parts]
    if missing:
        wanted = " or ".join(_part_name(stem, shp.filename, ext) for ext in missing)
        add = " and ".join(f"the {ext}, which holds {PART_PURPOSE[ext]}" for ext in missing)
        raise InspectError(
            f"The zip has {shp.filename} but no {wanted}: add {add}.",
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
                    f"{info.filename} is not a shapefile {ext} (its first bytes are wrong): "
                    "export the layer again.",
                    code="shapefile_damaged",
                )
    utf8 = _dbf_is_utf8(archive, parts[".dbf"])
    has_prj = False
    if ".prj" in parts:
        with archive.open(parts[".prj"]) as stream:
            has_prj = bool(stream.read(64 * 1024).strip())
    cpg_text, cpg_encoding = None, None
    if ".cpg" in parts:
        with archive.open(parts[".cpg"]) as stream:
            cpg_text = stream.read(256).decode("latin-1").strip()
        cpg_encoding = cpg_to_encoding(cpg_text)
        if cpg_encoding is None:
            notes.append(
                f"The .cpg of {shp.filename} says {cpg_text!r}, an encoding Plaza does not "
                "recognise: the attributes are read as UTF-8 unless you choose another."
            )
        elif cpg_encoding == "UTF-8" and utf8 is False:
            notes.append(
                f"The .cpg of {shp.filename} says UTF-8, but the attributes are not UTF-8: "
                "choose their encoding (often Windows-1252 / Latin-1)."
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
        f"The zip has {found} where the reader looks for {wanted}: the names differ in "
        "upper/lower case, and GDAL would not find that part (it would silently drop the "
        f"attributes or the CRS). Rename it {PurePosixPath(wanted).name}.",
        code="shapefile_case",
    )


def _dbf_is_utf8(archive: zipfile.ZipFile, dbf: zipfile.ZipInfo) -> bool | None:
    """Whether the first 64 KB of records decode as UTF-8 (None: no non-header bytes)."""
    with archive.open(dbf) as stream:
        data = stream.read(64 * 1024)
    if len(data) < 32 or data[0] not in DBF_VERSIONS:
        raise InspectError(
            f"{dbf.filename} is not a dBASE table (the .dbf of a shapefile): export the layer "
            "again.",
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
