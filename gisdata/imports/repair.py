"""The long way for a batch: reprojected, repaired and filtered by PostGIS.

A batch from a source not in EPSG:4326 (to be reprojected), or one that the fast path's
COPY refused (an invalid geometry, one PostGIS cannot parse), is COPYed raw into a small
temporary table (`BATCH_TABLE`), then one INSERT … SELECT parses, reprojects and repairs
each geometry and leaves out, listed with why, those that are empty or land outside
longitude/latitude. Only when PostGIS refuses that statement too are the culprits found
and mended one by one (`_mend`, with gisdata/imports/geometry_mend.py). Kept apart from
the fast path (gisdata/imports/load.py) because a clean EPSG:4326 file never comes here.
"""

# The staging tables' names are formatted into SQL (identifiers cannot be parameters);
# they come only from load.stage_name, built from integers, never from user input.
# ruff: noqa: S608

from __future__ import annotations

from django.db import DataError, InternalError, connection, transaction
from django.utils.translation import gettext as _

from gisdata.imports import ewkb_copy, geometry_mend, placing
from gisdata.imports.placing import PLACED, Loading
from gisdata.imports.reader import ReadError

BATCH_TABLE = "pg_temp.plaza_import_batch"

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


def insert_repaired(state: Loading, rows: list[tuple]) -> None:
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
        pack = ewkb_copy.BATCH_ROW.pack
        ewkb_copy.copy_binary(f"COPY {BATCH_TABLE} (n, wkb, props) FROM STDIN (FORMAT BINARY)",
                     [ewkb_copy.binary_rows(rows, lambda row: pack(3, 4, row[0], len(row[1])))])
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
    return [{"feature": n, "message": placing.why(srid, empty, reason, nothing, box)}
            for n, empty, reason, nothing, *box in cursor.fetchall()]


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
