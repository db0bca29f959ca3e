"""GeoPackages: refuse the SQL that reading one would run, before SQLite opens it.

A GeoPackage is an SQLite database, and SQLite runs SQL stored in the file whenever the
objects holding it are read. In the GDAL bundled with pyogrio (3.12, with SpatiaLite),
measured: a *view* runs any query, such as a recursive one that keeps the worker busy
for as long as it likes; a *virtual table* runs a module chosen by the file — SpatiaLite's
``VirtualText('/etc/…')`` and ``VirtualShape('/path/…')`` read files from the worker's
disk, and a view can join them into the features that get imported; a *generated
column* evaluates its expression on every read. All three are refused. Kept: the R-tree
spatial index (a virtual table of SQLite's own ``rtree`` module, in every GeoPackage GDAL
or QGIS writes) and triggers, which run only when rows are written (GDAL opens uploads
read-only). GDAL's SQL functions that open files (``gdal_get_pixel_value``) are off
unless ``OGR_SQLITE_ALLOW_EXTERNAL_ACCESS`` is set, and it never is.

The checks read the schema (``sqlite_master``) and the CRS definitions
(``gpkg_spatial_ref_sys``) straight from the file's B-tree pages — no SQLite, so nothing
in the file is parsed as SQL or run, and a GeoPackage inside a zip is read in place like
one on disk. The B-tree walk is bounded (pages visited, payload size) and anything that
does not follow the file format is refused as damaged.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from typing import IO

from django.utils.translation import gettext as _

from gisdata.imports.inspection.base import InspectError, MiB, Opener
from gisdata.imports.inspection.outbound import crs_file_reference, crs_reference_refused

MAX_PAGES = 20_000  # per table walked: sqlite_master of a real GeoPackage is a few pages
MAX_PAYLOAD = 4 * MiB  # one schema row or CRS definition
_ENCODINGS = {0: "utf-8", 1: "utf-8", 2: "utf-16-le", 3: "utf-16-be"}
_LEAF, _INTERIOR = 0x0D, 0x05
_SAFE_VIRTUAL_MODULES = frozenset({"rtree", "rtree_i32"})
# Comments, string literals and quoted identifiers: blanked out before looking at SQL.
_SQL_QUOTED = re.compile(
    r"--[^\n]*|/\*.*?(?:\*/|$)|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`(?:[^`]|``)*`|\[[^\]]*\]",
    re.DOTALL,
)


class _Damaged(Exception):
    pass


class _Pages:
    """Fixed-size pages of one SQLite file, read from a seekable stream."""

    def __init__(self, stream: IO[bytes], size: int) -> None:
        self.stream = stream
        header = stream.read(100)
        if len(header) < 100:
            raise _Damaged
        self.page_size = struct.unpack(">H", header[16:18])[0]
        self.page_size = 65536 if self.page_size == 1 else self.page_size
        if self.page_size < 512 or self.page_size & (self.page_size - 1):
            raise _Damaged
        self.usable = self.page_size - header[20]
        if self.usable < 480:
            raise _Damaged
        self.encoding = _ENCODINGS.get(struct.unpack(">I", header[56:60])[0])
        if self.encoding is None:
            raise _Damaged
        self.count = size // self.page_size

    def read(self, number: int) -> bytes:
        if not 1 <= number <= self.count:
            raise _Damaged
        self.stream.seek((number - 1) * self.page_size)
        data = self.stream.read(self.page_size)
        if len(data) != self.page_size:
            raise _Damaged
        return data


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = 0
    for i in range(9):
        byte = data[at + i]
        if i == 8:
            return (value << 8) | byte, at + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + i + 1
    raise _Damaged  # unreachable: the loop returns on its ninth byte


def _rows(pages: _Pages, root: int) -> Iterator[list[object]]:
    """Every record of the table B-tree rooted at page ``root``."""
    stack, seen = [root], set()
    while stack:
        number = stack.pop()
        if number in seen or len(seen) >= MAX_PAGES:
            raise _Damaged
        seen.add(number)
        page = pages.read(number)
        start = 100 if number == 1 else 0
        kind, cells = page[start], struct.unpack(">H", page[start + 3 : start + 5])[0]
        pointers = start + (12 if kind == _INTERIOR else 8)
        if kind not in (_LEAF, _INTERIOR) or pointers + 2 * cells > len(page):
            raise _Damaged
        offsets = struct.unpack(f">{cells}H", page[pointers : pointers + 2 * cells])
        if kind == _INTERIOR:
            stack.append(struct.unpack(">I", page[start + 8 : start + 12])[0])
            stack.extend(struct.unpack(">I", page[at : at + 4])[0] for at in offsets)
            continue
        for at in offsets:
            yield _record(_payload(pages, page, at), pages.encoding)


def _payload(pages: _Pages, page: bytes, at: int) -> bytes:
    """A leaf cell's payload, with its overflow pages (see the SQLite file format)."""
    size, at = _varint(page, at)
    _rowid, at = _varint(page, at)
    if size > MAX_PAYLOAD:
        raise _Damaged
    usable = pages.usable
    most = usable - 35
    if size <= most:
        local = size
    else:
        least = (usable - 12) * 32 // 255 - 23
        local = least + (size - least) % (usable - 4)
        local = local if local <= most else least
    payload = bytearray(page[at : at + local])
    if len(payload) != local:
        raise _Damaged
    following = struct.unpack(">I", page[at + local : at + local + 4])[0] if local < size else 0
    chain = 0
    while len(payload) < size:
        chain += 1
        if following == 0 or chain > MAX_PAYLOAD // 256:
            raise _Damaged
        overflow = pages.read(following)
        following = struct.unpack(">I", overflow[:4])[0]
        payload += overflow[4 : 4 + min(usable - 4, size - len(payload))]
    return bytes(payload)


def _record(payload: bytes, encoding: str) -> list[object]:
    header_size, at = _varint(payload, 0)
    types = []
    while at < header_size:
        serial, at = _varint(payload, at)
        types.append(serial)
    values: list[object] = []
    at = header_size
    for serial in types:
        if serial in (0, 8, 9):
            values.append(None if serial == 0 else serial - 8)
        elif 1 <= serial <= 6:
            width = (1, 2, 3, 4, 6, 8)[serial - 1]
            values.append(int.from_bytes(payload[at : at + width], "big", signed=True))
            at += width
        elif serial == 7:
            values.append(struct.unpack(">d", payload[at : at + 8])[0])
            at += 8
        elif serial >= 12:
            width = (serial - 12) // 2
            raw = payload[at : at + width]
            values.append(raw.decode(encoding, errors="replace") if serial % 2 else raw)
            at += width
        else:
            raise _Damaged
    if at > len(payload):
        raise _Damaged
    return values


def _skeleton(sql: str) -> str:
    """The SQL in upper case with comments, strings and quoted names blanked out."""
    return _SQL_QUOTED.sub(" '' ", sql).upper()


def _columns(sql: str) -> list[str]:
    """Column names of a CREATE TABLE, in order (constraints after them are dropped)."""
    body = sql[sql.find("(") + 1 : sql.rfind(")")]
    names, depth, part = [], 0, ""
    for char in body + ",":
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            word = part.strip().split(None, 1)[0] if part.strip() else ""
            names.append(word.strip("\"'`[]").lower())
            part = ""
        else:
            part += char
    return names


def check_geopackage_schema(opener: Opener, *, name: str, size: int) -> None:
    """Refuse views, virtual tables other than R-trees, generated columns and CRS
    definitions that name a grid by path or URL; see the module's docstring."""
    try:
        with opener() as stream:
            pages = _Pages(stream, size)
            schema = [(row + [None] * 5)[:5] for row in _rows(pages, 1)]
            for kind, table, _owner, _root, sql in schema:
                _check_object(str(kind), str(table), sql if isinstance(sql, str) else "",
                              name=name)
            for kind, table, _owner, root, sql in schema:
                if (kind == "table" and str(table).lower() == "gpkg_spatial_ref_sys"
                        and isinstance(root, int) and isinstance(sql, str)):
                    _check_definitions(pages, root, _columns(sql), name=name)
    except (_Damaged, IndexError, struct.error) as exc:
        raise InspectError(
            _("The GeoPackage %(name)s is damaged (its table of contents cannot be "
              "read): export or download it again.") % {"name": repr(name)},
            code="gpkg_damaged",
        ) from exc


def _check_object(kind: str, table: str, sql: str, *, name: str) -> None:
    skeleton = _skeleton(sql).strip()
    if kind == "view" or re.match(r"CREATE\s+(?:TEMP\w*\s+)?VIEW\b", skeleton):
        raise InspectError(
            _("The GeoPackage %(name)s contains the view %(table)s. A view is a query "
              "that would run inside Plaza each time it is read, and Plaza does not run "
              "queries from uploaded files: save the view's rows as a table (in QGIS: "
              "Export > Save Features As… GeoPackage), drop the view, and upload the new "
              "file.") % {"name": repr(name), "table": repr(table)},
            code="gpkg_view",
        )
    if re.match(r"CREATE\s+VIRTUAL\s+TABLE\b", skeleton):
        module = re.search(r"\bUSING\s+(\w+)", skeleton)
        if module is None or module.group(1).lower() not in _SAFE_VIRTUAL_MODULES:
            shown = re.search(r"\bUSING\s+(\w+)", sql, re.IGNORECASE)  # as written
            raise InspectError(
                _("The GeoPackage %(name)s contains the virtual table %(table)s, whose "
                  "rows come from a module that can read other files or run code "
                  "(%(module)s). Plaza reads only ordinary tables: save it as one, drop "
                  "the virtual table, and upload the new file.") % {
                    "name": repr(name), "table": repr(table),
                    "module": shown.group(1) if shown else "?"},
                code="gpkg_virtual_table",
            )
        return
    if re.match(r"CREATE\s+(?:TEMP\w*\s+)?TABLE\b", skeleton) and re.search(
            r"\bGENERATED\s+ALWAYS\b|\bAS\s*\(", skeleton):
        raise InspectError(
            _("The GeoPackage %(name)s has computed columns in the table %(table)s "
              "(GENERATED … AS): their SQL would run inside Plaza each time a row is "
              "read. Save the table again with plain columns and upload the new file.") % {
                "name": repr(name), "table": repr(table)},
            code="gpkg_generated_column",
        )


def _check_definitions(pages: _Pages, root: int, columns: list[str], *, name: str) -> None:
    wanted = [i for i, column in enumerate(columns)
              if column in ("definition", "definition_12_063")]
    for row in _rows(pages, root):
        values = [row[i] for i in wanted if i < len(row)] if wanted else row
        for value in values:
            reference = crs_file_reference(value) if isinstance(value, str) else None
            if reference is not None:
                where = _("the GeoPackage %(name)s (gpkg_spatial_ref_sys)") % {
                    "name": repr(name)}
                raise crs_reference_refused(where, reference)
