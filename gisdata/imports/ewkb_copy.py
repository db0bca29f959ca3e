"""The fast path's wire formats: WKB headers rewritten into EWKB, and binary COPY rows.

An EPSG:4326 batch goes into its table as it is: each WKB gets the SRID in its header
(EWKB, and single parts become multi when the layer mixes them), rewriting headers only,
never coordinates; the rows are written in COPY's binary format here, rather than row by
row through psycopg's adapters (which cost more than PostgreSQL's parsing of them). The
points that the table's check cannot judge are picked out here too (`suspects`), to be
checked after loading (gisdata/imports/background.py). The loader (gisdata/imports/load.py)
and the repair path (gisdata/imports/repair.py) both send their rows through `copy_binary`.
"""

# The tables' names are formatted into SQL (identifiers cannot be parameters); they come
# only from load.stage_name, built from integers, never from user input.
# ruff: noqa: S608

from __future__ import annotations

import struct
from collections.abc import Iterable

import numpy as np
import psycopg
from django.db import connection, transaction

# WKB geometry type codes (ISO; Z/M variants are dropped on reading).
SINGLE = {1: "POINT", 2: "LINESTRING", 3: "POLYGON"}
MULTI = {4: "POINT", 5: "LINESTRING", 6: "POLYGON"}
EWKB_SRID = 0x20000000

# The fast path's errors: an invalid geometry (the table's check), one PostGIS cannot
# parse, a value jsonb refuses. Anything else (a lost connection) is not the data's fault.
REFUSED = (psycopg.errors.DataError, psycopg.errors.IntegrityError,
           psycopg.errors.InternalError)


def geometry_types(geometries: list) -> dict[str, set[bool]]:
    """{base type: {is multi, …}} from the WKB headers, without parsing the geometries."""
    found: dict[str, set[bool]] = {}
    for header in {w[:5] for w in geometries if w}:
        code = int.from_bytes(header[1:5], "little" if header[0] == 1 else "big")
        code = (code & 0xFFFF) % 1000  # EWKB flags and ISO Z/M offsets off
        if code in SINGLE:
            found.setdefault(SINGLE[code], set()).add(False)
        elif code in MULTI:
            found.setdefault(MULTI[code], set()).add(True)
        else:
            found.setdefault("GEOMETRY", set()).add(True)
    return found


def table_places(lengths: list[int], which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each row's entry of a table of byte strings (laid end to end) starts, and
    its length."""
    sizes = np.array(lengths, np.int64)
    return (np.cumsum(sizes) - sizes)[which], sizes[which]


def columnar_suspects(wkb, rows: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """suspects for arrays: the indexes (in the batch) of the features to check."""
    kinds = np.isin(codes, (1, 4, 7))
    if not kinds.any():
        return np.zeros(0, np.int64)
    starts = wkb.offsets[rows]
    simple = (codes == 1) & (wkb.data[starts] == 1) & (wkb.offsets[rows + 1] - starts == 21)
    points = np.flatnonzero(simple)
    xy = wkb.data[starts[points][:, None] + np.arange(5, 21)].view("<f8")
    with np.errstate(invalid="ignore"):
        placed = (np.abs(xy[:, 0]) <= 180) & (np.abs(xy[:, 1]) <= 90)
    odd = np.flatnonzero(kinds & ~simple)
    return np.sort(np.concatenate([rows[odd], rows[points[~placed]]]))


KIND_NAMES = {1: "POINT", 2: "LINESTRING", 3: "POLYGON", 4: "MULTIPOINT",
              5: "MULTILINESTRING", 6: "MULTIPOLYGON", 7: "GEOMETRYCOLLECTION"}
POINT_EWKB = struct.pack("<BII", 1, 1 | EWKB_SRID, 4326)
_POINT_ROW = np.dtype([("head", "V9"), ("x", "<f8"), ("y", "<f8")])


def suspects(rows: list[tuple], codes: set[int]) -> list[int]:
    """The features of a loaded batch to check one by one (see placing.Loading.suspects).

    The table's check (`ST_IsValid`) turns away lines and polygons with coordinates that
    are not numbers, but calls a point with them valid, and the box `@` compares for
    the rest is blind to them: so points are checked here, all at once with numpy, and
    multipoints and collections (rare) in PostgreSQL.
    """
    if not codes & {1, 4, 7}:
        return []
    points, odd = [], []
    for n, g, _props in rows:
        if g[:9] == POINT_EWKB and len(g) == 25:
            points.append((n, g))
        elif (g[1] if g[0] == 1 else g[4]) in (1, 4, 7):  # the type's low byte
            odd.append(n)
    if points:
        xy = np.frombuffer(b"".join(g for _n, g in points), dtype=_POINT_ROW)
        with np.errstate(invalid="ignore"):
            placed = (np.abs(xy["x"]) <= 180) & (np.abs(xy["y"]) <= 90)
        odd += [points[i][0] for i in np.flatnonzero(~placed)]
    return odd


def ewkb_prefixes(geometries: list, srid: int,
                   promote: bool) -> dict[bytes, tuple[bytes, bool, int]] | None:
    """How to turn each WKB header of the geometries into EWKB of `srid` (and single
    parts into multi when the layer mixes them), rewriting headers only: {header:
    (new header, whether the whole WKB follows it, new type)}. None when a geometry is
    not plain 2D WKB (EWKB, Z or M) and PostGIS must convert it."""
    prefixes: dict[bytes, tuple[bytes, bool, int]] = {}
    for header in {w[:5] for w in geometries}:
        if len(header) < 5 or header[0] not in (0, 1):
            return None
        order = "<" if header[0] == 1 else ">"
        code = struct.unpack(order + "I", header[1:])[0]
        if not 1 <= code <= 7:
            return None
        if promote and code in SINGLE:
            prefixes[header] = (header[:1] + struct.pack(
                order + "III", (code + 3) | EWKB_SRID, srid, 1), True, code + 3)
        else:
            prefixes[header] = (header[:1] + struct.pack(
                order + "II", code | EWKB_SRID, srid), False, code)
    return prefixes


# Binary COPY, written here rather than row by row through psycopg's adapters (which
# cost more than PostgreSQL's parsing of the rows): the signature, then per row the
# number of fields and each field's length and bytes, then the trailer.
COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
COPY_TRAILER = b"\xff\xff"
COPY_PIECE = 5_000  # rows a write: PostgreSQL parses one while Python makes the next
# …and bytes of geometry and text a write, at most, for batches of arrays: making a
# piece takes ~16 bytes of indexes per byte (columnar.concat).
COPY_PIECE_BYTES = 4_000_000
FEATURE = struct.Struct(">hiqiii")  # 4 fields: layer_id, number, then the geometry's length
BATCH_ROW = struct.Struct(">hiii")  # 3 fields: n, then the WKB's length
_LENGTH = struct.Struct(">i")


def binary_rows(rows: list[tuple], head) -> bytes:
    """Binary COPY rows of (…, geometry bytes, jsonb bytes); `head(row)` packs the row's
    fields before its geometry, ending with the geometry's length."""
    pack = _LENGTH.pack
    return b"".join([b for row in rows for b in (head(row), row[-2], pack(len(row[-1])),
                                                  row[-1])])


def copy_binary(statement: str, pieces: Iterable[bytes]) -> None:
    """COPY binary rows, a piece (bytes of whole rows) at a time."""
    raw = connection.connection  # psycopg's own connection, for COPY
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(COPY_SIGNATURE)
        for piece in pieces:
            copy.write(piece)
        copy.write(COPY_TRAILER)


def copy_features(table: str, pieces: Iterable[bytes]) -> None:
    """COPY pieces of rows (layer_id, number, EWKB, jsonb) into the table, in one
    transaction. The geometry and properties go in their binary wire forms (EWKB;
    jsonb's version byte then its text)."""
    with transaction.atomic():
        copy_binary(f'COPY "{table}" (layer_id, number, geometry, properties) '
                     "FROM STDIN (FORMAT BINARY)", pieces)
