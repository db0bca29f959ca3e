"""The front door of the import pipeline: what is this file, and how should GDAL read it?

An uploaded or downloaded file is inspected here *before* GDAL opens it, because GDAL
chooses a driver by what it finds and some drivers do more than read: a VRT opens other
files (or URLs), a KML with a DOCTYPE asks its XML parser to expand entities, a zip member
named ``../x`` escapes any directory it is extracted to. So the format is decided from the
content (never from the extension alone), archives are checked from their central
directory without extracting anything, and the reader is handed a GDAL path that can only
open what was checked: ``/vsizip/{archive}/member`` to read zips in place, ``GeoJSON:``
and ``CSV:`` prefixes that force those drivers.

:func:`inspect_source` checks the file as stored (readable, not empty, not too big, its
name's extension matching its content), then hands a zip to :mod:`.archive` and anything
else to :func:`.data_file.inspect_single`, which also inspects each data file found in a
zip. Every refusal is an :class:`~.base.InspectError` whose message a planner can act on;
what is accepted comes back as a :class:`~.base.Source`, which says how the import's
readers read it. The import service (gisdata/imports/services.py) is the one caller.
"""

from __future__ import annotations

import codecs
import stat
from pathlib import Path, PurePosixPath

from django.utils.translation import gettext as _

from gisdata.imports.inspection import archive
from gisdata.imports.inspection.base import InspectError, Limits, Source, read_head
from gisdata.imports.inspection.data_file import inspect_single
from gisdata.imports.inspection.formats import EXPECTED, SHAPEFILE_PARTS, mismatch, sniff


def _vsi_quote(path: Path) -> str:
    """``{/abs/path}``: GDAL then needs no ``.zip`` in the name to find the archive."""
    text = str(path.absolute())
    if "{" in text or "}" in text:
        raise InspectError(
            _("Uploaded files must be stored under a name without braces."), code="bad_path"
        )
    return "{" + text + "}"


def inspect_source(
    path: Path,
    *,
    original_name: str = "",
    limits: Limits = Limits(),  # noqa: B008 - frozen, so one shared default is safe
    encoding: str | None = None,
) -> Source:
    """Say what ``path`` is and how to read it, or raise :class:`InspectError`.

    ``original_name`` is the name the user gave (the stored file's name is ours), used
    for the extension check and in messages. ``encoding`` is the user's choice for a CSV
    or a DBF; without it a .cpg decides, else UTF-8. Nothing is extracted or written.
    """
    name = original_name or path.name
    if encoding is not None:
        try:
            codecs.lookup(encoding)
            # lookup() also finds codecs that are no text encoding (rot13, base64,
            # zlib_codec: decoding raises LookupError) or that decode no file (idna,
            # undefined: UnicodeError); their decoders would crash on the CSV's bytes.
            b"\x00".decode(encoding, "ignore")
        except (LookupError, UnicodeError) as exc:
            raise InspectError(
                _("Unknown encoding %(encoding)s.")
                % {"encoding": repr(encoding)}, code="bad_encoding") from exc
    try:
        info = path.stat()
    except OSError as exc:
        raise InspectError(
            _("The file %(name)s cannot be read.")
            % {"name": repr(name)}, code="unreadable") from exc
    if not stat.S_ISREG(info.st_mode):
        raise InspectError(
            _("%(name)s is not a regular file.")
            % {"name": repr(name)}, code="unreadable")
    if info.st_size == 0:
        raise InspectError(_("The file %(name)s is empty.") % {"name": repr(name)}, code="empty")
    if info.st_size > limits.max_file_bytes:
        raise InspectError(
            _("The file %(name)s has %(st_size)s bytes; Plaza accepts at most "
              "%(max_file_bytes)s.") % {
                "name": repr(name),
                "st_size": format(info.st_size, ','),
                "max_file_bytes": format(limits.max_file_bytes, ',')},
            code="too_big",
        )
    ext = PurePosixPath(name.lower()).suffix
    head = read_head(lambda: path.open("rb"))
    content = sniff(head)
    if ext in SHAPEFILE_PARTS or content == "shp":
        raise InspectError(
            _("A shapefile is several files (.shp, .shx, .dbf and usually .prj and .cpg): "
              "zip them together and upload the zip."),
            code="shapefile_not_zipped",
        )
    expected = EXPECTED.get(ext)
    if expected and expected[0] != content:
        raise mismatch(name, content, expected[1])
    if content == "zip":
        return archive.inspect_zip(
            path,
            name=name,
            vsi=_vsi_quote(path),
            limits=limits,
            encoding=encoding,
            kmz=ext == ".kmz",
        )
    return inspect_single(
        lambda: path.open("rb"),
        head=head,
        content=content,
        name=name,
        size=info.st_size,
        gdal_file=str(path.absolute()),
        limits=limits,
        encoding=encoding,
    )
