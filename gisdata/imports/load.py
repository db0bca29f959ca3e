"""The import pipeline's database half: load each layer into its new partition, swap.

`gisdata_feature` is partitioned by layer (LIST on layer_id; migration 0003). An import
loads each source layer straight into the table that becomes its new partition: a plain
table with the parent's columns, defaults and checks, named after the run and attempt
(`stage_name`) while it is filled. The reader gives the layer in batches (the setting
GISDATA_IMPORT_BATCH, features at a time), so a worker's memory does not grow with the
file; each batch is COPYed in its final form, in binary, in a transaction of its own, so
that progress shows as it goes:

- EPSG:4326 sources (most open data) go straight in: Python prefixes each WKB with the
  SRID (EWKB) and builds each feature's JSONB properties from its columns, and the
  table's own check (`ST_IsValid`) validates every geometry as COPY parses it. Python
  preparing the next batch while PostgreSQL parses this one keeps both cores busy.
- A batch that other sources give (to be reprojected), or one that the fast path refused
  (an invalid geometry, one PostGIS cannot parse), goes through a small temporary table
  and one INSERT … SELECT that reprojects, repairs and filters it; only when that fails
  too are the culprits found and mended (`_mend`).

Then one pass over the loaded table counts, measures and checks the features (empty,
outside longitude/latitude, not numbers once reprojected: taken out and listed), and the
indexes are built in bulk. Nothing a reader sees changes until the swap, which in ONE
transaction puts each loaded table in place of the layer's old partition
(gisdata/imports/partitions.py). Bulk-building the indexes of a detached table, after
its rows, is what makes this fast: no per-row index maintenance or foreign-key trigger.

A worker killed before the swap leaves only loaded tables, which the next attempt drops;
a second delivery of the same task sees that the run is no longer its own and stops. So a
layer is never half imported, and never imported twice.
"""

# The staging tables' names are formatted into SQL (identifiers cannot be parameters);
# they come only from `stage_name`, built from integers, never from user input; column
# names in SQL are c0, c1, … and the source's names travel as parameters.
# ruff: noqa: S608

from __future__ import annotations

import json
import math
import struct
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import orjson
import psycopg
from django.conf import settings
from django.db import DatabaseError, DataError, InternalError, connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from gisdata.imports import columnar, geometry_mend, partitions
from gisdata.imports.reader import Batch, Column, ColumnarBatch, ReadError, Restart, SourceLayer

MAX_LISTED_ERRORS = 1000
# WKB geometry type codes (ISO; Z/M variants are dropped on reading).
SINGLE = {1: "POINT", 2: "LINESTRING", 3: "POLYGON"}
MULTI = {4: "POINT", 5: "LINESTRING", 6: "POLYGON"}
EWKB_SRID = 0x20000000
# Longitude and latitude: a feature reprojected outside them is misplaced, not imported.
# The margin (~1 cm) keeps a polygon that touches the antimeridian and comes back from
# PROJ at 180.00000000000003.
LONLAT = "ST_MakeEnvelope(-180.0000001, -90.0000001, 180.0000001, 90.0000001, 4326)"
# `@` compares the boxes in C, where every comparison with NaN is false, so a point PROJ
# could not reproject (POINT(NaN NaN), which PostGIS also calls valid) would pass it.
# PostgreSQL orders NaN above every number: these two comparisons turn it away.
FINITE = "ST_XMax({g}) <= 180.0000001 AND ST_YMax({g}) <= 90.0000001"
PLACED = ("COALESCE(NOT ST_IsEmpty({g}) AND {g} @ " + LONLAT + " AND " + FINITE + ", false)")
BATCH_TABLE = "pg_temp.plaza_import_batch"
# The fast path's errors: an invalid geometry (the table's check), one PostGIS cannot
# parse, a value jsonb refuses. Anything else (a lost connection) is not the data's fault.
REFUSED = (psycopg.errors.DataError, psycopg.errors.IntegrityError,
           psycopg.errors.InternalError)


class NothingPlaced(ReadError):
    """A layer had geometries and none could be imported: the run fails, listing why."""

    def __init__(self, message: str, errors: list[dict]):
        super().__init__(message)
        self.errors = errors


def srid_known(srid: int | None) -> bool:
    """Whether PostGIS can reproject from `srid` (it is in spatial_ref_sys)."""
    if not srid or srid <= 0:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT FROM spatial_ref_sys WHERE srid = %s)",
                       [srid])
        return cursor.fetchone()[0]


def stage_name(run_id: int, attempt: int) -> str:
    return f"gisdata_stage_{int(run_id)}_{int(attempt)}"


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


# --- a feature's properties, as jsonb_build_object would make them ------------------

def _float(value) -> str:
    """A float as PostgreSQL's float8 → jsonb gives it: the shortest exact digits, no
    trailing `.0` (jsonb keeps a number's scale, and from a float8 7.0 is 7)."""
    if value is None or not math.isfinite(value):
        return "null"
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


_text = json.JSONEncoder(ensure_ascii=False).encode


def _floats(values: list) -> list[str]:
    """The column's floats as _float writes them, all at once: orjson writes each float's
    shortest exact digits (as repr does, ~10× faster: repr was a third of an import's
    Python time) and NaN and ±Infinity as null. Its text may differ from repr's (1e-05
    is 0.00001), never its number, which is what jsonb keeps."""
    try:
        text = orjson.dumps(values)
    except TypeError:  # not all floats (a reader gave another type): one at a time
        return [_float(v) for v in values]
    if not values:
        return []
    return [v[:-2] if v.endswith(".0") else v
            for v in text[1:-1].decode().split(",")]


def _float_bools(values: list) -> list[str]:
    return ["null" if v is None or v != v else ("true" if v else "false") for v in values]


def _bools(values: list) -> list[str]:
    return ["null" if v is None else ("true" if v else "false") for v in values]


def _ints(values: list) -> list[str]:
    return ["null" if v is None else str(int(v)) for v in values]


def _texts(values: list) -> list[str]:
    return ["null" if v is None else _text(v) for v in values]


def _jsons(values: list) -> list[str]:
    return ["null" if v is None else v for v in values]  # JSON text already


def _hexes(values: list) -> list[str]:
    return ["null" if v is None else '"' + bytes(v).hex() + '"' for v in values]


ENCODE = {"int": _ints, "float": _floats, "float_int": _floats,
          "float_bool": _float_bools, "bool": _bools, "text": _texts, "json": _jsons,
          "bytes": _hexes}


def properties(columns: list[Column], count: int) -> list[bytes]:
    """Each feature's properties in jsonb's binary form (version 1, then the JSON text).

    Built column by column: one template per layer, each value encoded by its column's
    kind, so Python does a few operations per value rather than a dict and json.dumps
    per feature. Keys repeated in a source keep their last value, as in jsonb.
    """
    if not columns:
        return [b"\x01{}"] * count
    keys = [_text(c.name).replace("%", "%%") for c in columns]
    template = "\x01{" + ", ".join(f"{k}: %s" for k in keys) + "}"
    encoded = [ENCODE[c.kind](c.values) for c in columns]
    return [(template % row).encode() for row in zip(*encoded, strict=True)]


# --- loading --------------------------------------------------------------------------

@dataclass
class Built:
    geometry_type: str
    imported: int
    repaired: int
    skipped: list[dict]
    extent: tuple[float, float, float, float] | None  # xmin, ymin, xmax, ymax


@dataclass
class _Loading:
    """What the batches of one layer have shown so far."""
    name: str
    table: str
    layer_id: int
    srid: int
    types: dict[str, set[bool]] = field(default_factory=dict)
    read: int = 0
    with_geometry: int = 0
    sample: list = field(default_factory=list)  # the first geometries, for messages
    skipped: list[dict] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)  # GeometryType of the loaded features
    # Features let in by the fast path whose coordinates may not be numbers or may lie
    # outside longitude/latitude: checked one by one after loading (_checked).
    suspects: list[int] = field(default_factory=list)

    @property
    def promote(self) -> bool:
        """Mixed single and multi of one type: every feature becomes multi."""
        return len(self.types) == 1 and next(iter(self.types.values())) == {False, True}


@contextmanager
def _import_statements():
    """Every connection's statements are bounded (DB_STATEMENT_TIMEOUT_MS, 30 s) for the
    web's sake; loading a city-sized layer may take minutes, so while it loads, the
    session is bounded by the import's own budget instead (the task's limits end it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout')")
        (before,) = cursor.fetchone()
        cursor.execute("SELECT set_config('statement_timeout', %s, false)",
                       [f"{settings.GISDATA_IMPORT_STATEMENT_TIMEOUT}s"])
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, false)", [before])
        except DatabaseError:
            pass  # a broken connection: the caller's error says more; it is replaced


class Indexing:
    """Where loaded layers are checked, indexed and analysed: in a thread of their own,
    one layer after another, on a connection of that thread's own, so that the next
    layer reads and loads meanwhile (on two cores the GiST build leaves one mostly idle).
    Inside a transaction (the tests' own) the loaded tables are not visible to another
    connection: each layer is then indexed as it is loaded. Leaving the block waits for
    what is under way."""

    def __init__(self):
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> Indexing:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool:
            self._pool.shutdown(wait=True)

    def submit(self, index: Callable[[], Built]) -> Future:
        if connection.in_atomic_block:
            done: Future = Future()
            try:
                done.set_result(index())
            except Exception as exc:  # noqa: BLE001 - handed to the caller, as a thread's
                done.set_exception(exc)
            return done
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-index")
        language = translation.get_language()

        def aside() -> Built:
            try:
                with translation.override(language):
                    return index()
            finally:
                connection.close()  # this thread's own

        return self._pool.submit(aside)


@dataclass
class Loaded:
    """A layer's features, loaded into their table; `built()` waits for its index."""
    read: int
    indexed: Future

    def built(self) -> Built:
        return self.indexed.result()


def load(table: str, layer: SourceLayer, *, layer_id: int, srid: int, on_progress,
         indexing: Indexing) -> Loaded:
    """Load the layer into `table`, a new detached partition for `layer_id`, to be
    indexed by `indexing`.

    Raises ReadError when `srid` is unknown to PostGIS; `built()` raises NothingPlaced
    when the layer had geometries and none could be imported (a wrong CRS, most often):
    a "success" with no features would hide the problem. Feature ids follow the
    source's order.
    """
    if not srid_known(srid):
        raise ReadError(_(
            "The layer %(layer)s is said to be in EPSG:%(srid)s, which is not a coordinate "
            "reference system PostGIS knows. Give its EPSG code (e.g. 25831 for ETRS89 / "
            "UTM zone 31N) and import again.") % {"layer": layer.name, "srid": srid})
    with _import_statements():
        partitions.create(table, layer_id)
        while True:
            state = _Loading(name=layer.name, table=table, layer_id=layer_id, srid=srid)
            try:
                for batch in _read_ahead(layer.batches(settings.GISDATA_IMPORT_BATCH)):
                    _batch_load(state, batch)
                    on_progress(state.read)
                break
            except Restart:  # read again in another encoding: what was loaded goes
                with connection.cursor() as cursor:
                    cursor.execute(f'TRUNCATE "{table}"')
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {BATCH_TABLE}")

    def index() -> Built:
        with _import_statements():
            return partitions.index(table, meanwhile=lambda: _checked(state, layer),
                                    timeout_s=settings.GISDATA_IMPORT_STATEMENT_TIMEOUT)

    return Loaded(read=state.read, indexed=indexing.submit(index))


def _read_ahead(batches: Iterator[Batch]) -> Iterator[Batch]:
    """The batches, each next one read (by GDAL, in a thread) while this one loads: the
    reading then overlaps PostgreSQL's parsing. Two batches at most are in memory."""
    return _ahead(batches, "import-read")


def _ahead(items: Iterator, name: str) -> Iterator:
    """The items, each next one made in a thread while the caller uses this one."""
    language = translation.get_language()

    def following():
        with translation.override(language):  # the reader's messages, in the run's
            return next(items, None)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=name) as pool:
        ahead = pool.submit(following)
        while (item := ahead.result()) is not None:
            ahead = pool.submit(following)
            yield item


def _batch_load(state: _Loading, batch: Batch | ColumnarBatch) -> None:
    if isinstance(batch, ColumnarBatch):
        _columnar_load(state, batch)
        return
    present = [w for w in batch.geometries if w is not None]
    state.read += len(batch.numbers)
    state.with_geometry += len(present)
    if len(state.sample) < 10_000:
        state.sample += present[:10_000 - len(state.sample)]
    state.skipped += [{"feature": n, "message": "No geometry: skipped."}
                      for n, w in zip(batch.numbers, batch.geometries, strict=True)
                      if w is None]
    for base, multi in geometry_types(present).items():
        state.types.setdefault(base, set()).update(multi)
    if not present:
        return
    prefixes = _ewkb_prefixes(present, state.srid, state.promote) \
        if state.srid == 4326 else None
    if prefixes is not None:
        codes = {code for _prefix, _whole, code in prefixes.values()}
        suspects: list[int] = []
        pack = _FEATURE.pack
        layer_id = state.layer_id

        def pieces() -> Iterator[bytes]:
            # Made a piece at a time, as COPY sends them: PostgreSQL parses one piece
            # while Python makes the next.
            for start in range(0, len(batch.numbers), COPY_PIECE):
                rows = _rows(batch, start, start + COPY_PIECE)
                final = []
                for n, wkb, props in rows:
                    prefix, whole, _code = prefixes[wkb[:5]]
                    final.append((n, prefix + (wkb if whole else wkb[5:]), props))
                suspects.extend(_suspects(final, codes))
                yield _binary_rows(final, lambda row: pack(4, 8, layer_id, 4, row[0],
                                                           len(row[1])))

        try:
            _copy(state.table, pieces())
        except REFUSED:
            pass  # one feature is invalid or unreadable: the batch goes the long way
        else:
            state.kinds.update(KIND_NAMES[c] for c in codes)
            state.suspects += suspects
            return
    _insert_repaired(state, _rows(batch, 0, len(batch.numbers)))


def _columnar_load(state: _Loading, batch: ColumnarBatch) -> None:
    """_batch_load for a batch of arrays: the same rows, made for all features at once
    (gisdata/imports/columnar.py)."""
    wkb = batch.geometries
    sizes = wkb.offsets[1:] - wkb.offsets[:-1]
    present = sizes > 0 if wkb.valid is None else (sizes > 0) & wkb.valid
    rows = np.flatnonzero(present)
    state.read += batch.length
    state.with_geometry += len(rows)
    if len(state.sample) < 10_000:
        raw = wkb.data.tobytes()
        state.sample += [raw[wkb.offsets[i]:wkb.offsets[i + 1]]
                         for i in rows[:10_000 - len(state.sample)].tolist()]
    state.skipped += [{"feature": n, "message": "No geometry: skipped."}
                      for n in (np.flatnonzero(~present) + batch.first).tolist()]
    if not len(rows):
        return
    if sizes[rows].min() < 5:  # not WKB: PostgreSQL says why, the long way
        listed = batch.listed()
        _insert_repaired(state, _rows(listed, 0, len(listed.numbers)))
        return
    headers, which = columnar.headers(wkb, rows)
    for base, multi in geometry_types(headers).items():
        state.types.setdefault(base, set()).update(multi)
    prefixes = _ewkb_prefixes(headers, state.srid, state.promote) \
        if state.srid == 4326 else None
    if prefixes is not None:
        table = [prefixes[h] for h in headers]
        codes = np.array([code for _prefix, _whole, code in table], np.int64)[which]
        skip = np.array([0 if whole else 5 for _prefix, whole, _code in table],
                        np.int64)[which]
        prefix = columnar.Segment(
            np.frombuffer(b"".join(p for p, _whole, _code in table), np.uint8),
            *_table_places([len(p) for p, _whole, _code in table], which))
        body = columnar.Segment(wkb.data, wkb.offsets[rows] + skip, sizes[rows] - skip)
        suspects = _columnar_suspects(wkb, rows, codes) + batch.first

        weights = sizes[rows] + sum(
            c.array.offsets[rows + 1] - c.array.offsets[rows] for c in batch.columns
            if c.array.offsets is not None)

        def pieces() -> Iterator[bytes]:
            # Made in a thread (_ahead) while COPY sends the last: numpy lets go of the
            # GIL for most of it, and so does psycopg while PostgreSQL reads.
            for piece in columnar.pieces(weights, COPY_PIECE, COPY_PIECE_BYTES):
                yield columnar.copy_rows(
                    layer_id=state.layer_id, numbers=rows[piece] + batch.first,
                    prefix=prefix.take(piece), body=body.take(piece),
                    props=columnar.properties(
                        [(c.name, c.array) for c in batch.columns], rows[piece]))

        try:
            _copy(state.table, _ahead(pieces(), "import-copy"))
        except REFUSED:
            pass  # one feature is invalid or unreadable: the batch goes the long way
        else:
            state.kinds.update(KIND_NAMES[c] for c in set(codes.tolist()))
            state.suspects += suspects.tolist()
            return
    listed = batch.listed()
    _insert_repaired(state, _rows(listed, 0, len(listed.numbers)))


def _table_places(lengths: list[int], which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each row's entry of a table of byte strings (laid end to end) starts, and
    its length."""
    sizes = np.array(lengths, np.int64)
    return (np.cumsum(sizes) - sizes)[which], sizes[which]


def _columnar_suspects(wkb, rows: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """_suspects for arrays: the indexes (in the batch) of the features to check."""
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


def _rows(batch: Batch, start: int, end: int) -> list[tuple]:
    """(number, WKB, jsonb) of the batch's features start…end that have a geometry."""
    columns = [Column(c.name, c.kind, c.values[start:end]) for c in batch.columns]
    numbers, geometries = batch.numbers[start:end], batch.geometries[start:end]
    props = properties(columns, len(numbers))
    return [(n, w, p) for n, w, p in zip(numbers, geometries, props, strict=True)
            if w is not None]


KIND_NAMES = {1: "POINT", 2: "LINESTRING", 3: "POLYGON", 4: "MULTIPOINT",
              5: "MULTILINESTRING", 6: "MULTIPOLYGON", 7: "GEOMETRYCOLLECTION"}
POINT_EWKB = struct.pack("<BII", 1, 1 | EWKB_SRID, 4326)
_POINT_ROW = np.dtype([("head", "V9"), ("x", "<f8"), ("y", "<f8")])


def _suspects(rows: list[tuple], codes: set[int]) -> list[int]:
    """The features of a loaded batch to check one by one (see _Loading.suspects).

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


def _ewkb_prefixes(geometries: list, srid: int,
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
_FEATURE = struct.Struct(">hiqiii")  # 4 fields: layer_id, number, then the geometry's length
_BATCH_ROW = struct.Struct(">hiii")  # 3 fields: n, then the WKB's length
_LENGTH = struct.Struct(">i")


def _binary_rows(rows: list[tuple], head) -> bytes:
    """Binary COPY rows of (…, geometry bytes, jsonb bytes); `head(row)` packs the row's
    fields before its geometry, ending with the geometry's length."""
    pack = _LENGTH.pack
    return b"".join([b for row in rows for b in (head(row), row[-2], pack(len(row[-1])),
                                                  row[-1])])


def _copy_binary(statement: str, pieces: Iterable[bytes]) -> None:
    """COPY binary rows, a piece (bytes of whole rows) at a time."""
    raw = connection.connection  # psycopg's own connection, for COPY
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(COPY_SIGNATURE)
        for piece in pieces:
            copy.write(piece)
        copy.write(COPY_TRAILER)


def _copy(table: str, pieces: Iterable[bytes]) -> None:
    """COPY pieces of rows (layer_id, number, EWKB, jsonb) into the table, in one
    transaction. The geometry and properties go in their binary wire forms (EWKB;
    jsonb's version byte then its text)."""
    with transaction.atomic():
        _copy_binary(f'COPY "{table}" (layer_id, number, geometry, properties) '
                     "FROM STDIN (FORMAT BINARY)", pieces)


# ST_MakeValid may turn a polygon into a collection of a polygon and a stray line: keep
# the parts of the geometry's own dimension, so a polygon layer stays polygons.
REPAIR = """CASE WHEN GeometryType(g) LIKE '%%POLYGON' THEN ST_CollectionExtract(ST_MakeValid(g), 3)
                 WHEN GeometryType(g) LIKE '%%LINESTRING' THEN ST_CollectionExtract(ST_MakeValid(g), 2)
                 ELSE ST_MakeValid(g) END"""  # noqa: E501


def _parsed(source: str, geometry: str) -> str:
    """The SELECT giving n, g (parsed, reprojected), ok (valid), fixed (repaired) and
    props of the rows of `source`, in the source's order. OFFSET 0 keeps PostgreSQL from
    inlining the subqueries, which would parse each geometry again for every use."""
    return f'''
        SELECT n, g, ok, CASE WHEN ok THEN g ELSE {REPAIR} END AS fixed, props
          FROM (SELECT n, g, ST_IsValid(g) AS ok, props
                  FROM (SELECT n, {geometry} AS g, props FROM {source} s
                         WHERE wkb IS NOT NULL ORDER BY n OFFSET 0) parsed
                OFFSET 0) checked
        OFFSET 0'''


def _geometry_sql(srid: int, promote: bool) -> str:
    """The SQL parsing `wkb` (srid as its one parameter) into 2D EPSG:4326."""
    geometry = "ST_Force2D(ST_GeomFromWKB(wkb, %s))"
    if srid != 4326:
        geometry = f"ST_Transform({geometry}, 4326)"
    if promote:
        geometry = f"ST_Multi({geometry})"
    return geometry


def _insert_repaired(state: _Loading, rows: list[tuple]) -> None:
    """The long way for one batch: COPY it raw into a temporary table, then one
    INSERT … SELECT parses each geometry once, reprojects it (PROJ applies datum shifts
    with Debian's proj-data grids, never the network), repairs the invalid ones, and
    leaves out the empty ones and those that land outside longitude/latitude, listed
    with why. PostGIS refuses the whole statement for one ring of three points or one
    NaN that PROJ cannot reproject; checking every geometry beforehand would cost more
    than the import itself on a clean file. So the statement runs in a savepoint, and
    only when it fails are the culprits found and mended (_mend), and it runs again.
    """
    geometry = _geometry_sql(state.srid, state.promote)
    insert = f'''
        INSERT INTO "{state.table}" (layer_id, geometry, properties, number, repaired)
        SELECT %s, fixed, props, n, NOT ok OR n = ANY(%s::int[])
          FROM ({_parsed(BATCH_TABLE, geometry)}) repaired
         WHERE {PLACED.format(g="fixed")}
        RETURNING GeometryType(geometry)'''
    refused: dict[int, str] = {}
    mended: list[int] = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {BATCH_TABLE} "
                       "(n integer NOT NULL, wkb bytea, props jsonb)")
        cursor.execute(f"TRUNCATE {BATCH_TABLE}")
        pack = _BATCH_ROW.pack
        _copy_binary(f"COPY {BATCH_TABLE} (n, wkb, props) FROM STDIN (FORMAT BINARY)",
                     [_binary_rows(rows, lambda row: pack(3, 4, row[0], len(row[1])))])
        try:
            with transaction.atomic():
                cursor.execute(insert, [state.layer_id, [], state.srid])
        except (DataError, InternalError):
            refused, mended = _mend(cursor, BATCH_TABLE, geometry, state.srid)
            try:
                with transaction.atomic():
                    cursor.execute(insert, [state.layer_id, mended, state.srid])
            except (DataError, InternalError) as exc:
                raise ReadError(_("The layer %(layer)s could not be stored: %(exc)s") % {
                    "layer": state.name, "exc": str(exc).strip()}) from exc
        state.kinds.update(kind for (kind,) in cursor.fetchall())
        state.skipped += [{"feature": n, "message": why} for n, why in refused.items()]
        state.skipped += _left_out(cursor, geometry, state.srid)


def _left_out(cursor, geometry: str, srid: int) -> list[dict]:
    """The batch's features that the INSERT left out, each with why."""
    cursor.execute(f'''
        SELECT n, CASE WHEN ST_IsEmpty(g) THEN GeometryType(g) END,
               CASE WHEN NOT ok THEN ST_IsValidReason(g) END,
               fixed IS NULL OR ST_IsEmpty(fixed), ST_XMin(fixed), ST_YMin(fixed),
               ST_XMax(fixed), ST_YMax(fixed)
          FROM ({_parsed(BATCH_TABLE, geometry)}) left_out
         WHERE NOT {PLACED.format(g="fixed")}''', [srid])
    return [{"feature": n, "message": _why(srid, empty, reason, nothing, box)}
            for n, empty, reason, nothing, *box in cursor.fetchall()]


def _why(srid: int, empty: str | None, reason: str | None, nothing: bool, box: list) -> str:
    """Why a feature was left out; `empty` is the type of an empty geometry."""
    if empty == "POINT":
        # GDAL's Arrow stream writes a point with a coordinate that is not a number
        # (which a GeoJSON can hold) as the empty point, POINT(NaN NaN).
        return "Empty point, or a point whose coordinates are not numbers: skipped."
    if empty:
        return "Empty geometry: skipped."
    if nothing:
        return f"Invalid ({reason}), and nothing was left once repaired: skipped."
    if any(v is None or math.isnan(v) for v in box):
        return (f"Its coordinates could not be reprojected from EPSG:{srid} (they "
                "are not numbers once reprojected): skipped.")
    xmin, ymin, xmax, ymax = box
    return ("Outside longitude -180…180 / latitude -90…90 once reprojected from "
            f"EPSG:{srid} (x {xmin:g} to {xmax:g}, y {ymin:g} to {ymax:g}): skipped.")


def _checked(state: _Loading, layer: SourceLayer) -> Built:
    """One pass over the loaded table: count and measure its features, and take out
    (listing why) those the fast path let in that are empty, or (the suspects) not
    numbers or outside longitude/latitude. Repaired ones were checked as they were."""
    with connection.cursor() as cursor:
        cursor.execute(f'''
            SELECT count(*) FILTER (WHERE placed),
                   count(*) FILTER (WHERE placed AND repaired),
                   ST_XMin(ST_Extent(geometry) FILTER (WHERE placed)),
                   ST_YMin(ST_Extent(geometry) FILTER (WHERE placed)),
                   ST_XMax(ST_Extent(geometry) FILTER (WHERE placed)),
                   ST_YMax(ST_Extent(geometry) FILTER (WHERE placed)),
                   array_agg(number) FILTER (WHERE NOT placed)
              FROM (SELECT geometry, repaired, number,
                           CASE WHEN number = ANY(%s::int[])
                                THEN {PLACED.format(g="geometry")}
                                ELSE COALESCE(geometry @ {LONLAT}, false) END AS placed
                      FROM "{state.table}" OFFSET 0) f''', [state.suspects])
        imported, repaired, *bounds, misplaced = cursor.fetchone()
        kinds = state.kinds
        if misplaced:
            cursor.execute(f'''DELETE FROM "{state.table}" WHERE number = ANY(%s)
                               RETURNING number, CASE WHEN ST_IsEmpty(geometry)
                                                      THEN GeometryType(geometry) END,
                                         ST_XMin(geometry),
                                         ST_YMin(geometry), ST_XMax(geometry),
                                         ST_YMax(geometry)''', [misplaced])
            state.skipped += [{"feature": n, "message": _why(state.srid, empty, None,
                                                              False, box)}
                              for n, empty, *box in cursor.fetchall()]
            cursor.execute(f'SELECT DISTINCT GeometryType(geometry) FROM "{state.table}"')
            kinds = {kind for (kind,) in cursor.fetchall()}
        # Numbers, not WKT: a text round trip of coordinates near zero or at the
        # edge of float precision can print a ring GEOS no longer sees as closed.
        extent = tuple(bounds) if None not in bounds else None
        skipped = sorted(state.skipped, key=lambda e: e["feature"])
        if imported == 0 and state.with_geometry:
            raise NothingPlaced(_nothing_placed(layer.name, state, state.srid),
                                [{**e, "layer": layer.name} for e in skipped])
        geometry_type = _geometry_type(cursor, state.table, sorted(kinds))
    return Built(geometry_type=geometry_type, imported=imported, repaired=repaired,
                 skipped=skipped, extent=extent)


def _mend(cursor, stage_table: str, geometry: str, srid: int) -> tuple[dict, list]:
    """Find the batch's geometries (in `stage_table`) PostGIS refuses, mend or drop them.

    A temporary function runs the INSERT's geometry work on each row and returns the
    error instead of raising it. Each refused geometry goes through geometry_mend.mend;
    one that PostGIS then reads is written back and counted as repaired, the others
    are nulled and listed with PostGIS's reason. Returns ({n: reason}, [mended n]).
    """
    body = geometry.replace("%s", "srid")
    check = f"CASE WHEN ST_IsValid(g) THEN g ELSE {REPAIR} END".replace("%%", "%")
    cursor.execute(f"""
        CREATE OR REPLACE FUNCTION pg_temp.plaza_refusal(wkb bytea, srid integer)
        RETURNS text LANGUAGE plpgsql AS $fn$
        DECLARE g geometry;
        BEGIN
            g := {body};
            PERFORM {check};
            RETURN NULL;
        EXCEPTION WHEN OTHERS THEN
            RETURN SQLERRM;
        END $fn$""")
    cursor.execute(f'''SELECT n, wkb, why FROM (
                           SELECT n, wkb, pg_temp.plaza_refusal(wkb, %s) AS why
                             FROM {stage_table} WHERE wkb IS NOT NULL) checked
                        WHERE why IS NOT NULL''', [srid])
    refused, candidates = {}, {}
    for n, wkb, why in cursor.fetchall():
        try:
            fixed = geometry_mend.mend(wkb)
        except geometry_mend.Unreadable as exc:
            refused[n] = f"Not a readable geometry ({exc}): skipped."
            continue
        if fixed is None:
            refused[n] = f"Nothing was left once the unreadable parts ({why}) were taken " \
                         "out: skipped."
        elif fixed == bytes(wkb):
            refused[n] = f"PostGIS could not read or place it ({why}): skipped."
        else:
            candidates[n] = (fixed, why)
    if candidates:
        numbers = list(candidates)
        cursor.execute("SELECT n, pg_temp.plaza_refusal(w, %s) FROM unnest(%s::int[], "
                       "%s::bytea[]) AS v(n, w)",
                       [srid, numbers, [candidates[n][0] for n in numbers]])
        for n, why in cursor.fetchall():
            if why is not None:
                refused[n] = f"PostGIS could not read or place it ({why}): skipped."
                del candidates[n]
    if candidates:
        numbers = list(candidates)
        cursor.execute(f'''UPDATE {stage_table} s SET wkb = v.w
                             FROM unnest(%s::int[], %s::bytea[]) AS v(n, w)
                            WHERE s.n = v.n''',
                       [numbers, [candidates[n][0] for n in numbers]])
    if refused:
        cursor.execute(f"UPDATE {stage_table} SET wkb = NULL WHERE n = ANY(%s)",
                       [list(refused)])
    return refused, list(candidates)


def _geometry_type(cursor, part: str, kinds: list[str]) -> str:
    """One type for the layer: mixed single and multi become multi; mixed bases stay mixed.

    Mixed input was promoted while building; this catches the rare polygon that a repair
    turned into a multipolygon in a layer of polygons.
    """
    bases = {k.replace("MULTI", "") for k in kinds}
    if len(bases) != 1 or bases <= {"GEOMETRYCOLLECTION"}:
        return "Geometry"
    base = bases.pop()
    if any(k.startswith("MULTI") for k in kinds):
        if any(not k.startswith("MULTI") for k in kinds):
            cursor.execute(f'UPDATE "{part}" SET geometry = ST_Multi(geometry) '
                           "WHERE GeometryType(geometry) NOT LIKE 'MULTI%%'")
        return {"POINT": "MultiPoint", "LINESTRING": "MultiLineString",
                "POLYGON": "MultiPolygon"}[base]
    return {"POINT": "Point", "LINESTRING": "LineString", "POLYGON": "Polygon"}[base]


def _nothing_placed(name: str, state: _Loading, srid: int) -> str:
    """Why a layer with geometries imported none, and what to do: mostly a wrong CRS."""
    said = {"total": state.with_geometry, "layer": name, "srid": srid}
    box = geometry_mend.bounds(state.sample)
    if box is None:
        return _("0 of %(total)s features of the layer %(layer)s could be placed: none has "
                 "a geometry Plaza can read (see the list).") % said
    xmin, ymin, xmax, ymax = box
    said |= {"xmin": xmin, "xmax": xmax, "ymin": ymin, "ymax": ymax}
    if srid == 4326 and (max(abs(xmin), abs(xmax)) > 180 or max(abs(ymin), abs(ymax)) > 90):
        return _("0 of %(total)s features of the layer %(layer)s could be placed: the "
                 "coordinates (x %(xmin)g to %(xmax)g, y %(ymin)g to %(ymax)g) look like "
                 "metres of a projected system (such as EPSG:25831, ETRS89 / UTM zone 31N), "
                 "but the layer is said to be in EPSG:%(srid)s. Give the right EPSG code "
                 "and import again.") % said
    return _("0 of %(total)s features of the layer %(layer)s could be placed: the "
             "coordinates (x %(xmin)g to %(xmax)g, y %(ymin)g to %(ymax)g) read as "
             "EPSG:%(srid)s do not fall on the Earth, or no geometry survived repair (see "
             "the list). Check the EPSG code and import again.") % said


def errors_json(errors: list[dict]) -> list[dict]:
    """At most MAX_LISTED_ERRORS, so a broken million-row file does not bloat the run row."""
    listed = errors[:MAX_LISTED_ERRORS]
    if len(errors) > len(listed):
        listed.append({"feature": None,
                       "message": f"… and {len(errors) - len(listed)} more."})
    return json.loads(json.dumps(listed))
