"""Zip archives (zipped shapefiles, KMZ, a zipped GeoJSON/GeoPackage/KML/CSV), checked in place.

Nothing is ever extracted: every check reads the central directory, and the few bytes we
need from a member (a magic number, a .cpg, the first records of a DBF, a CSV to count its
rows) are decompressed into memory, bounded by the declared sizes we checked first. GDAL
then reads the archive in place through ``/vsizip/{archive}/member``. So a zip-slip name
could not write anywhere anyway, but it is refused all the same: such an archive is
hostile, and whoever extracts it later (a planner on their desktop) would be hurt.
The shapefile checks live in :mod:`gisdata.imports.inspection.shapefile`.
"""

from __future__ import annotations

import errno
import re
import stat
import struct
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from django.utils.translation import gettext as _

from gisdata.imports.inspection.base import SUPPORTED, InspectError, Limits, Source
from gisdata.imports.inspection.data_file import inspect_single
from gisdata.imports.inspection.formats import LABELS, sniff
from gisdata.imports.inspection.shapefile import inspect_shapefiles, member_stem

ARCHIVE_EXTENSIONS = frozenset(
    {".zip", ".kmz", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz"}
)
# member extension -> the content it must have (see gisdata.imports.inspection.formats.sniff)
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
COMPRESSION_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
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
        _("The zip is damaged or incomplete: download or zip it again and upload the new file."),
        code="zip_damaged",
    )


def _is_junk(member: str) -> bool:
    parts = member.lower().split("/")
    base = parts[-1]
    return "__macosx" in parts or base.startswith("._") or base in JUNK_NAMES


def _check_member(info: zipfile.ZipInfo, limits: Limits) -> None:
    """Refuse one member for its name, its type, its encryption or its compression."""
    raw = info.orig_filename
    if not raw:
        # zipfile's ZipInfo.is_dir() fails with IndexError on an empty name; no tool
        # that zips real files writes one.
        raise InspectError(
            _("The zip contains a file without a name: zip the files again."), code="zip_damaged"
        )
    if any(ord(char) < 32 for char in raw):
        raise InspectError(
            _("The zip contains a file whose name has control characters (%(raw)s); Plaza "
              "refuses such archives.") % {"raw": repr(raw)},
            code="zip_slip",
        )
    if "\\" in raw:
        raise InspectError(
            _("The zip contains %(raw)s, whose path uses backslashes: some tools read them "
              "as folders and write outside the target folder. Zip the files again.") % {
                "raw": repr(raw)},
            code="zip_slip",
        )
    if raw.startswith("/") or _DRIVE.match(raw) or ".." in raw.split("/"):
        raise InspectError(
            _("The zip contains %(raw)s, a path that leads outside the archive (absolute, "
              "or with '..'). Plaza refuses such archives: they are a known way to "
              "overwrite files ('zip slip'). Zip the files again from their own folder.") % {
                "raw": repr(raw)},
            code="zip_slip",
        )
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise InspectError(
            _("The zip contains %(raw)s, a symbolic link. Plaza refuses links inside "
              "archives: they can point at files outside it. Zip the real files instead.") % {
                "raw": repr(raw)},
            code="zip_symlink",
        )
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise InspectError(
            _("The zip contains %(raw)s, which is not an ordinary file.")
            % {"raw": repr(raw)}, code="zip_special"
        )
    if info.flag_bits & 0x1:
        raise InspectError(
            _("The zip is password-protected (%(raw)s is encrypted): upload it without a "
              "password.") % {"raw": repr(raw)},
            code="zip_encrypted",
        )
    if info.compress_type not in COMPRESSION_METHODS:
        raise InspectError(
            _("The zip compresses %(raw)s with method %(compress_type)s, which Plaza "
              "cannot read: zip it again with ordinary (deflate) compression.") % {
                "raw": repr(raw),
                "compress_type": info.compress_type},
            code="zip_compression",
        )
    if info.is_dir() or _is_junk(raw):
        return
    if PurePosixPath(raw.lower()).suffix in ARCHIVE_EXTENSIONS:
        raise InspectError(
            _("The zip contains another archive (%(raw)s): unzip it and upload the inner "
              "file directly.") % {"raw": repr(raw)},
            code="zip_nested",
        )
    expands = info.file_size / max(info.compress_size, 1)
    if info.file_size >= limits.ratio_min_bytes and expands > limits.max_ratio:
        raise InspectError(
            _("The zip member %(raw)s expands %(expands)s times (from %(compress_size)s to "
              "%(file_size)s bytes); Plaza refuses members that expand more than "
              "%(max_ratio)s times, the mark of a zip bomb.") % {
                "raw": repr(raw),
                "expands": format(expands, ',.0f'),
                "compress_size": format(info.compress_size, ','),
                "file_size": format(info.file_size, ','),
                "max_ratio": format(limits.max_ratio, 'g')},
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
                _("The zip would expand to more than %(max_total_uncompressed)s bytes, "
                  "Plaza's limit: a zip bomb, or too much data for one import.") % {
                    "max_total_uncompressed": format(limits.max_total_uncompressed, ',')},
                code="zip_bomb",
            )
        key = info.orig_filename.rstrip("/").lower()
        if key in seen:
            raise InspectError(
                _("The zip holds %(value)s and %(orig_filename)s, names that differ at "
                  "most in upper/lower case: which one to read is ambiguous. Remove one.") % {
                    "value": repr(seen[key]),
                    "orig_filename": repr(info.orig_filename)},
                code="zip_duplicate",
            )
        seen[key] = info.orig_filename
    return [i for i in infos if not i.is_dir() and not _is_junk(i.orig_filename)]


def _too_many(count: int, limits: Limits) -> InspectError:
    return InspectError(
        _("The zip has %(count)s files; Plaza accepts at most %(max_members)s in one upload.") % {
            "count": format(count, ','),
            "max_members": format(limits.max_members, ',')},
        code="zip_too_many",
    )


def inspect_zip(
    path: Path, *, name: str, vsi: str, limits: Limits,
    encoding: str | None, kmz: bool
) -> Source:
    """Inspect a zip: shapefiles, a KMZ, or one zipped GeoJSON/GeoPackage/KML/CSV.

    ``vsi`` is the archive as GDAL names it (``{/abs/path}``); ``kmz`` says the user
    named it ``.kmz``. Every zipfile or zlib error becomes "the zip is damaged".
    A zipped data file is checked by :func:`.data_file.inspect_single`, as an upload of
    its own would be.
    """
    declared = declared_member_count(path)
    if declared > limits.max_members:
        raise _too_many(declared, limits)
    try:
        with zipfile.ZipFile(path) as archive:
            files = checked_members(archive, limits=limits)
            return _inspect_members(archive, files, name=name, vsi=vsi,
                                     limits=limits, encoding=encoding, kmz=kmz)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        struct.error,
        NotImplementedError,
        # A member name flagged as UTF-8 whose bytes are not: zipfile decodes it as it
        # reads the central directory.
        UnicodeDecodeError,
    ) as exc:
        raise _damaged() from exc
    except OSError as exc:
        # A central directory whose offsets point before the file's start makes zipfile
        # seek to a negative position; any other OSError is the disk's, not the zip's.
        if exc.errno != errno.EINVAL:
            raise
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
            raise InspectError(
                _("The KMZ %(name)s holds no .kml file.")
                % {"name": repr(name)}, code="no_layers")
        return _inspect_member(
            archive, chosen, name=name, vsi=vsi, limits=limits,
            encoding=encoding, kind="kmz"
        )
    if by_suffix.get(".shp"):
        return inspect_shapefiles(archive, files, name=name, vsi=vsi, encoding=encoding)
    data = [
        info for info in files if PurePosixPath(info.filename.lower()).suffix in DATA_EXTENSIONS
    ]
    if not data:
        orphans = by_suffix.get(".dbf", []) + by_suffix.get(".shx", [])
        if orphans:
            stem = member_stem(orphans[0].filename)
            raise InspectError(
                _("The zip has %(filename)s but no %(stem)s.shp: add the .shp, which holds "
                  "the shapes.") % {"filename": orphans[0].filename, "stem": stem},
                code="shapefile_incomplete",
            )
        listed = ", ".join(info.filename for info in files[:10]) or "nothing"
        raise InspectError(
            _("%(SUPPORTED)s; the zip %(name)s holds none of them (it holds: %(listed)s).") % {
                "SUPPORTED": SUPPORTED,
                "name": repr(name),
                "listed": listed},
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
        archive, data[0], name=name, vsi=vsi, limits=limits,
        encoding=encoding, kind=None
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
            _("The file %(shown)s is named as %(value)s, but its content is %(value2)s.") % {
                "shown": repr(shown),
                "value": DATA_LABELS[expected],
                "value2": LABELS[content]},
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
