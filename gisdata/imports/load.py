"""The import pipeline's database half: load each layer into its new partition, swap.

`gisdata_feature` is partitioned by layer (LIST on layer_id; migration 0003). An import
loads each source layer straight into the table that becomes its new partition: a plain
table with the parent's columns, defaults and checks, named after the run and attempt
(`stage_name`) while it is filled. The reader gives the layer in batches (the setting
GISDATA_IMPORT_BATCH, features at a time), so a worker's memory does not grow with the
file; each batch is COPYed in its final form, in binary, in a transaction of its own, so
that progress shows as it goes:

- EPSG:4326 sources (most open data) go straight in: Python prefixes each WKB with the
  SRID (EWKB, gisdata/imports/ewkb_copy.py) and builds each feature's JSONB properties
  from its columns (gisdata/imports/jsonb.py, or columnar.py for batches of arrays), and
  the table's own check (`ST_IsValid`) validates every geometry as COPY parses it. Python
  preparing the next batch while PostgreSQL parses this one keeps both cores busy.
- A batch that other sources give (to be reprojected), or one that the fast path refused
  (an invalid geometry, one PostGIS cannot parse), goes through a small temporary table
  and one INSERT … SELECT that reprojects, repairs and filters it; only when that fails
  too are the culprits found and mended (gisdata/imports/repair.py).

Then one pass over the loaded table counts, measures and checks the features (empty,
outside longitude/latitude, not numbers once reprojected: taken out and listed), and the
indexes are built in bulk, in a thread of its own while the next layer loads
(gisdata/imports/background.py). Nothing a reader sees changes until the swap, which in
ONE transaction puts each loaded table in place of the layer's old partition
(gisdata/imports/partitions.py). Bulk-building the indexes of a detached table, after
its rows, is what makes this fast: no per-row index maintenance or foreign-key trigger.

A worker killed before the swap leaves only loaded tables, which the next attempt drops;
a second delivery of the same task sees that the run is no longer its own and stops. So a
layer is never half imported, and never imported twice.

This module holds that outline: a layer's batches read ahead and loaded (`load`), each
on the fast path when it can be; what one layer's loading has seen is
gisdata/imports/placing.py's `Loading`.
"""

# The staging tables' names are formatted into SQL (identifiers cannot be parameters);
# they come only from `stage_name`, built from integers, never from user input; column
# names in SQL are c0, c1, … and the source's names travel as parameters.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import translation
from django.utils.translation import gettext as _

from gisdata.imports import background, columnar, ewkb_copy, jsonb, partitions, placing, repair
from gisdata.imports.reader import Batch, Column, ColumnarBatch, ReadError, Restart, SourceLayer


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


def load(table: str, layer: SourceLayer, *, layer_id: int, srid: int, on_progress,
         indexing: background.Indexing) -> background.Loaded:
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
            state = placing.Loading(name=layer.name, table=table, layer_id=layer_id, srid=srid)
            try:
                for batch in _read_ahead(layer.batches(settings.GISDATA_IMPORT_BATCH)):
                    _batch_load(state, batch)
                    on_progress(state.read)
                break
            except Restart:  # read again in another encoding: what was loaded goes
                with connection.cursor() as cursor:
                    cursor.execute(f'TRUNCATE "{table}"')
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {repair.BATCH_TABLE}")

    def index() -> background.Built:
        with _import_statements():
            return partitions.index(table, meanwhile=lambda: background.checked(state, layer),
                                    timeout_s=settings.GISDATA_IMPORT_STATEMENT_TIMEOUT)

    return background.Loaded(read=state.read, indexed=indexing.submit(index))


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


def _batch_load(state: placing.Loading, batch: Batch | ColumnarBatch) -> None:
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
    for base, multi in ewkb_copy.geometry_types(present).items():
        state.types.setdefault(base, set()).update(multi)
    if not present:
        return
    prefixes = ewkb_copy.ewkb_prefixes(present, state.srid, state.promote) \
        if state.srid == 4326 else None
    if prefixes is not None:
        codes = {code for _prefix, _whole, code in prefixes.values()}
        suspects: list[int] = []
        pack = ewkb_copy.FEATURE.pack
        layer_id = state.layer_id

        def pieces() -> Iterator[bytes]:
            # Made a piece at a time, as COPY sends them: PostgreSQL parses one piece
            # while Python makes the next.
            for start in range(0, len(batch.numbers), ewkb_copy.COPY_PIECE):
                rows = _rows(batch, start, start + ewkb_copy.COPY_PIECE)
                final = []
                for n, wkb, props in rows:
                    prefix, whole, _code = prefixes[wkb[:5]]
                    final.append((n, prefix + (wkb if whole else wkb[5:]), props))
                suspects.extend(ewkb_copy.suspects(final, codes))
                yield ewkb_copy.binary_rows(
                    final, lambda row: pack(4, 8, layer_id, 4, row[0], len(row[1])))

        try:
            ewkb_copy.copy_features(state.table, pieces())
        except ewkb_copy.REFUSED:
            pass  # one feature is invalid or unreadable: the batch goes the long way
        else:
            state.kinds.update(ewkb_copy.KIND_NAMES[c] for c in codes)
            state.suspects += suspects
            return
    repair.insert_repaired(state, _rows(batch, 0, len(batch.numbers)))


def _columnar_load(state: placing.Loading, batch: ColumnarBatch) -> None:
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
        repair.insert_repaired(state, _rows(listed, 0, len(listed.numbers)))
        return
    headers, which = columnar.headers(wkb, rows)
    for base, multi in ewkb_copy.geometry_types(headers).items():
        state.types.setdefault(base, set()).update(multi)
    prefixes = ewkb_copy.ewkb_prefixes(headers, state.srid, state.promote) \
        if state.srid == 4326 else None
    if prefixes is not None:
        table = [prefixes[h] for h in headers]
        codes = np.array([code for _prefix, _whole, code in table], np.int64)[which]
        skip = np.array([0 if whole else 5 for _prefix, whole, _code in table],
                        np.int64)[which]
        prefix = columnar.Segment(
            np.frombuffer(b"".join(p for p, _whole, _code in table), np.uint8),
            *ewkb_copy.table_places([len(p) for p, _whole, _code in table], which))
        body = columnar.Segment(wkb.data, wkb.offsets[rows] + skip, sizes[rows] - skip)
        suspects = ewkb_copy.columnar_suspects(wkb, rows, codes) + batch.first

        weights = sizes[rows] + sum(
            c.array.offsets[rows + 1] - c.array.offsets[rows] for c in batch.columns
            if c.array.offsets is not None)

        def pieces() -> Iterator[bytes]:
            # Made in a thread (_ahead) while COPY sends the last: numpy lets go of the
            # GIL for most of it, and so does psycopg while PostgreSQL reads.
            for piece in columnar.pieces(weights, ewkb_copy.COPY_PIECE,
                                         ewkb_copy.COPY_PIECE_BYTES):
                yield columnar.copy_rows(
                    layer_id=state.layer_id, numbers=rows[piece] + batch.first,
                    prefix=prefix.take(piece), body=body.take(piece),
                    props=columnar.properties(
                        [(c.name, c.array) for c in batch.columns], rows[piece]))

        try:
            ewkb_copy.copy_features(state.table, _ahead(pieces(), "import-copy"))
        except ewkb_copy.REFUSED:
            pass  # one feature is invalid or unreadable: the batch goes the long way
        else:
            state.kinds.update(ewkb_copy.KIND_NAMES[c] for c in set(codes.tolist()))
            state.suspects += suspects.tolist()
            return
    listed = batch.listed()
    repair.insert_repaired(state, _rows(listed, 0, len(listed.numbers)))


def _rows(batch: Batch, start: int, end: int) -> list[tuple]:
    """(number, WKB, jsonb) of the batch's features start…end that have a geometry."""
    columns = [Column(c.name, c.kind, c.values[start:end]) for c in batch.columns]
    numbers, geometries = batch.numbers[start:end], batch.geometries[start:end]
    props = jsonb.properties(columns, len(numbers))
    return [(n, w, p) for n, w, p in zip(numbers, geometries, props, strict=True)
            if w is not None]
