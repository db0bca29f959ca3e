"""The import pipeline's database half: stage the columns, build the layer, swap it in.

`gisdata_feature` is partitioned by layer (LIST on layer_id; migration 0003). An import
COPYs each source layer into an UNLOGGED staging table of its own (named after the run
and attempt), in autocommitted chunks so that progress shows as it goes. Nothing a
reader sees changes until the swap, which in ONE transaction builds each layer's new
partition from its staging table in a single INSERT … SELECT (parse, reproject, repair,
promote to multi, build the JSONB properties), indexes it in bulk, and attaches it in
place of the old one (gisdata/partitions.py). Bulk-building a detached table is what
makes this fast: no per-row index maintenance, foreign-key trigger or WAL of the
staging rows.

A worker killed before the swap leaves only a staging table, which the next attempt
drops; a second delivery of the same task sees that the run is no longer its own and
stops. So a layer is never half imported, and never imported twice.
"""

# The staging tables' names are formatted into SQL (identifiers cannot be parameters);
# they come only from `stage_name`, built from integers, never from user input; column
# names in SQL are c0, c1, … and the source's names travel as parameters.
# ruff: noqa: S608

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import islice

from django.db import connection

from gisdata.reader import KINDS, SourceLayer

CHUNK = 20_000
MAX_LISTED_ERRORS = 1000
PAIRS_PER_CALL = 50  # jsonb_build_object takes at most 100 arguments
# WKB geometry type codes (ISO; Z/M variants are dropped on reading).
SINGLE = {1: "POINT", 2: "LINESTRING", 3: "POLYGON"}
MULTI = {4: "POINT", 5: "LINESTRING", 6: "POLYGON"}


def stage_name(run_id: int, attempt: int) -> str:
    return f"gisdata_stage_{int(run_id)}_{int(attempt)}"


def drop_stages(run_id: int) -> None:
    """Drop the staging tables that earlier attempts of this run left behind."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE %s",
                       [f"gisdata_stage_{int(run_id)}_%"])
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TABLE IF EXISTS "{name}"')


def stage(table: str, layer: SourceLayer, *, on_progress) -> int:
    """COPY the layer's numbers, geometries and columns into a new staging table."""
    columns = "".join(f", c{i} {KINDS[c.kind][0]}" for i, c in enumerate(layer.columns))
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE UNLOGGED TABLE "{table}" (n integer NOT NULL, wkb bytea'
                       f"{columns})")
    names = "".join(f", c{i}" for i in range(len(layer.columns)))
    types = ["int4", "bytea", *(KINDS[c.kind][1] for c in layer.columns)]
    rows = zip(layer.numbers, layer.geometries, *(c.values for c in layer.columns),
               strict=True)
    raw = connection.connection  # psycopg's own connection, for COPY
    done = 0
    while chunk := list(islice(rows, CHUNK)):
        with raw.cursor() as cursor, cursor.copy(
                f'COPY "{table}" (n, wkb{names}) FROM STDIN (FORMAT BINARY)') as copy:
            copy.set_types(types)
            for row in chunk:
                copy.write_row(row)
        done += len(chunk)
        on_progress(done)
    return done


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


def properties_sql(layer: SourceLayer) -> tuple[str, list[str]]:
    """The SQL building a feature's JSONB properties from c0, c1, …, and its parameters."""
    if not layer.columns:
        return "'{}'::jsonb", []
    calls, params = [], []
    for start in range(0, len(layer.columns), PAIRS_PER_CALL):
        pairs = []
        for i, column in enumerate(layer.columns[start:start + PAIRS_PER_CALL], start):
            pairs.append("%s::text, " + KINDS[column.kind][2].format(f"c{i}"))
            params.append(column.name)
        calls.append(f"jsonb_build_object({', '.join(pairs)})")
    return " || ".join(calls), params


@dataclass
class Built:
    geometry_type: str
    imported: int
    repaired: int
    skipped: list[dict]
    extent: str | None


# ST_MakeValid may turn a polygon into a collection of a polygon and a stray line: keep
# the parts of the geometry's own dimension, so a polygon layer stays polygons.
REPAIR = """CASE WHEN GeometryType(g) LIKE '%%POLYGON' THEN ST_CollectionExtract(ST_MakeValid(g), 3)
                 WHEN GeometryType(g) LIKE '%%LINESTRING' THEN ST_CollectionExtract(ST_MakeValid(g), 2)
                 ELSE ST_MakeValid(g) END"""  # noqa: E501


def build(stage_table: str, part: str, layer: SourceLayer, *, layer_id: int,
          srid: int) -> Built:
    """Fill the new partition `part` (already created) from the staging table.

    One INSERT … SELECT parses each geometry once (OFFSET 0 keeps PostgreSQL from
    inlining the subqueries, which would parse it again for every use), reprojects it
    (PROJ applies datum shifts with Debian's proj-data grids, never the network),
    repairs the invalid ones and skips the empty ones. The staging table is read in the
    order it was written, so feature ids follow the source's order.
    """
    types = geometry_types(layer.geometries)
    promote = len(types) == 1 and types[next(iter(types))] == {False, True}
    geometry = "ST_Force2D(ST_GeomFromWKB(wkb, %s))"
    if srid != 4326:
        geometry = f"ST_Transform({geometry}, 4326)"
    if promote:
        geometry = f"ST_Multi({geometry})"
    props, names = properties_sql(layer)
    columns = "".join(f", c{i}" for i in range(len(layer.columns)))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronize_seqscans = off")  # read from the first row
        cursor.execute(f'''
            INSERT INTO "{part}" (layer_id, geometry, properties, number, repaired)
            SELECT %s, fixed, {props}, n, NOT ok FROM (
                SELECT n, ok, CASE WHEN ok THEN g ELSE {REPAIR} END AS fixed{columns}
                  FROM (SELECT n, g, ST_IsValid(g) AS ok{columns}
                          FROM (SELECT n, {geometry} AS g{columns} FROM "{stage_table}"
                                 WHERE wkb IS NOT NULL OFFSET 0) parsed
                        OFFSET 0) checked
                OFFSET 0) repaired
             WHERE NOT ST_IsEmpty(fixed)''', [layer_id, *names, srid])
        cursor.execute(f'''SELECT count(*), count(*) FILTER (WHERE repaired),
                                  ST_AsText(ST_Envelope(ST_Extent(geometry))),
                                  array_agg(DISTINCT GeometryType(geometry))
                             FROM "{part}"''')
        imported, repaired, extent, kinds = cursor.fetchone()
        geometry_type = _geometry_type(cursor, part, kinds or [])
        skipped = _skipped(cursor, stage_table, part, layer, imported)
    return Built(geometry_type=geometry_type, imported=imported, repaired=repaired,
                 skipped=skipped, extent=extent)


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


def _skipped(cursor, stage_table: str, part: str, layer: SourceLayer,
             imported: int) -> list[dict]:
    """The features that were not imported, each with why (looked up only if any)."""
    skipped = [{"feature": n, "message": "No geometry: skipped."}
               for n, wkb in zip(layer.numbers, layer.geometries, strict=True) if wkb is None]
    if imported + len(skipped) == layer.total:
        return skipped
    cursor.execute(f'''SELECT s.n, ST_IsEmpty(ST_GeomFromWKB(s.wkb)) FROM "{stage_table}" s
                        WHERE s.wkb IS NOT NULL AND NOT EXISTS
                              (SELECT FROM "{part}" p WHERE p.number = s.n)''')
    for n, empty in cursor.fetchall():
        skipped.append({"feature": n, "message": "Empty geometry: skipped." if empty else
                        "Invalid, and nothing was left once repaired: skipped."})
    return sorted(skipped, key=lambda e: e["feature"])


def errors_json(errors: list[dict]) -> list[dict]:
    """At most MAX_LISTED_ERRORS, so a broken million-row file does not bloat the run row."""
    listed = errors[:MAX_LISTED_ERRORS]
    if len(errors) > len(listed):
        listed.append({"feature": None,
                       "message": f"… and {len(errors) - len(listed)} more."})
    return json.loads(json.dumps(listed))
