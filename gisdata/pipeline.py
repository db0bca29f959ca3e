"""The import pipeline's database half: stage the rows, then swap them into place.

Rows are COPYed into an UNLOGGED staging table of their own (named after the run and
attempt), in autocommitted chunks so that progress shows as it goes. Nothing a reader
sees changes until `swap`, which in ONE transaction transforms the staged geometries to
EPSG:4326, repairs the invalid ones, promotes mixed single/multi layers to the multi
type, and replaces the layer's features. A worker killed before the swap leaves only a
staging table, which the next attempt drops; a second delivery of the same task sees
that the run is no longer its own and stops. So a layer is never half imported, and
never imported twice.
"""

# The staging tables' names are formatted into SQL (identifiers cannot be parameters);
# they come only from `stage_name`, built from integers, never from user input.
# ruff: noqa: S608

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import connection

CHUNK = 20_000
MAX_LISTED_ERRORS = 1000
# Base type → the dimension ST_CollectionExtract keeps after ST_MakeValid.
DIMENSION = {"POINT": 1, "LINESTRING": 2, "POLYGON": 3}


def stage_name(run_id: int, attempt: int) -> str:
    return f"gisdata_stage_{int(run_id)}_{int(attempt)}"


def drop_stages(run_id: int) -> None:
    """Drop the staging tables that earlier attempts of this run left behind."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE %s",
                       [f"gisdata_stage_{int(run_id)}_%"])
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TABLE IF EXISTS "{name}"')


def stage(table: str, rows, *, on_progress) -> int:
    """COPY (n, wkb, properties) rows into a new staging table; return how many."""
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE UNLOGGED TABLE "{table}" '
                       "(n integer PRIMARY KEY, wkb bytea, props jsonb, g geometry)")
    done = 0
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            done += _copy(table, chunk)
            chunk = []
            on_progress(done)
    if chunk:
        done += _copy(table, chunk)
        on_progress(done)
    return done


def _copy(table: str, chunk: list) -> int:
    raw = connection.connection  # psycopg's own connection, for COPY
    with raw.cursor() as cursor, cursor.copy(
            f'COPY "{table}" (n, wkb, props) FROM STDIN') as copy:
        for row in chunk:
            copy.write_row(row)
    return len(chunk)


@dataclass
class Prepared:
    geometry_type: str
    imported: int
    repaired: int
    skipped: list[dict]
    extent: str | None


def prepare(table: str, *, srid: int) -> Prepared:
    """Parse, reproject, repair and type the staged geometries, still in the staging table.

    Runs inside the swap's transaction, so a failure here leaves the layer as it was.
    """
    # One pass parses and reprojects (each UPDATE rewrites every staged row); PROJ
    # applies the datum shift with grids from Debian's proj-data, never the network.
    to_wgs84 = "ST_Transform({}, 4326)" if srid != 4326 else "{}"
    parsed = to_wgs84.format("ST_Force2D(ST_GeomFromWKB(wkb, %s))")
    with connection.cursor() as cursor:
        cursor.execute(f'''UPDATE "{table}" SET g = CASE
                               WHEN wkb IS NULL OR ST_IsEmpty(ST_GeomFromWKB(wkb)) THEN NULL
                               ELSE {parsed} END''', [srid])
        cursor.execute(f'SELECT n FROM "{table}" WHERE g IS NULL ORDER BY n')
        skipped = [{"feature": n, "message": "No geometry, or an empty one: skipped."}
                   for (n,) in cursor.fetchall()]
        cursor.execute(f'DELETE FROM "{table}" WHERE g IS NULL')
        cursor.execute(f'''SELECT upper(replace(GeometryType(g), 'MULTI', '')) AS base,
                                  count(*) FROM "{table}" GROUP BY 1''')
        bases = dict(cursor.fetchall())
        cursor.execute(f'SELECT count(*) FROM "{table}" WHERE NOT ST_IsValid(g)')
        repaired = cursor.fetchone()[0]
        if repaired:
            cursor.execute(f'''UPDATE "{table}" SET g = CASE
                                   WHEN GeometryType(g) LIKE '%%POLYGON'
                                       THEN ST_CollectionExtract(ST_MakeValid(g), 3)
                                   WHEN GeometryType(g) LIKE '%%LINESTRING'
                                       THEN ST_CollectionExtract(ST_MakeValid(g), 2)
                                   ELSE ST_MakeValid(g) END
                               WHERE NOT ST_IsValid(g)''')
            cursor.execute(f'SELECT n FROM "{table}" WHERE ST_IsEmpty(g) ORDER BY n')
            emptied = [{"feature": n, "message": "Invalid and nothing left once repaired: "
                        "skipped."} for (n,) in cursor.fetchall()]
            cursor.execute(f'DELETE FROM "{table}" WHERE ST_IsEmpty(g)')
            skipped += emptied
            repaired -= len(emptied)
        geometry_type = _geometry_type(cursor, table, bases)
        cursor.execute(f'SELECT count(*), ST_AsText(ST_Envelope(ST_Extent(g))) FROM "{table}"')
        imported, extent = cursor.fetchone()
    return Prepared(geometry_type=geometry_type, imported=imported, repaired=repaired,
                    skipped=skipped, extent=extent)


def _geometry_type(cursor, table: str, bases: dict[str, int]) -> str:
    """One type for the layer: mixed single and multi become multi; mixed bases stay mixed."""
    if len(bases) != 1:
        return "Geometry"
    base = next(iter(bases))
    cursor.execute(f'''SELECT bool_or(GeometryType(g) LIKE 'MULTI%%') FROM "{table}"''')
    if cursor.fetchone()[0]:
        cursor.execute(f'UPDATE "{table}" SET g = ST_Multi(g)')
        return {"POINT": "MultiPoint", "LINESTRING": "MultiLineString",
                "POLYGON": "MultiPolygon"}[base]
    return {"POINT": "Point", "LINESTRING": "LineString", "POLYGON": "Polygon"}[base]


def replace_features(table: str, *, layer_id: int) -> None:
    """Swap the layer's features for the staged ones (inside the caller's transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM gisdata_feature WHERE layer_id = %s", [layer_id])
        cursor.execute(f'''INSERT INTO gisdata_feature (layer_id, geometry, properties)
                           SELECT %s, g, props FROM "{table}" ORDER BY n''', [layer_id])


def errors_json(errors: list[dict]) -> list[dict]:
    """At most MAX_LISTED_ERRORS, so a broken million-row file does not bloat the run row."""
    listed = errors[:MAX_LISTED_ERRORS]
    if len(errors) > len(listed):
        listed.append({"feature": None,
                       "message": f"… and {len(errors) - len(listed)} more."})
    return json.loads(json.dumps(listed))
