"""The import pipeline's database half: stage the columns, build the layer, swap it in.

`gisdata_feature` is partitioned by layer (LIST on layer_id; migration 0003). An import
COPYs each source layer into an UNLOGGED staging table of its own (named after the run
and attempt), in autocommitted chunks so that progress shows as it goes. Nothing a
reader sees changes until the swap, which in ONE transaction builds each layer's new
partition from its staging table in a single INSERT … SELECT (parse, reproject, repair,
promote to multi, build the JSONB properties), indexes it in bulk, and attaches it in
place of the old one (gisdata/imports/partitions.py). Bulk-building a detached table is what
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
import math
from dataclasses import dataclass
from itertools import islice

from django.db import DataError, InternalError, connection, transaction
from django.utils.translation import gettext as _

from gisdata.imports import geometry_mend
from gisdata.imports.reader import KINDS, ReadError, SourceLayer

CHUNK = 20_000
MAX_LISTED_ERRORS = 1000
PAIRS_PER_CALL = 50  # jsonb_build_object takes at most 100 arguments
# WKB geometry type codes (ISO; Z/M variants are dropped on reading).
SINGLE = {1: "POINT", 2: "LINESTRING", 3: "POLYGON"}
MULTI = {4: "POINT", 5: "LINESTRING", 6: "POLYGON"}
# Longitude and latitude: a feature reprojected outside them is misplaced, not imported.
# The margin (~1 cm) keeps a polygon that touches the antimeridian and comes back from
# PROJ at 180.00000000000003.
LONLAT = "ST_MakeEnvelope(-180.0000001, -90.0000001, 180.0000001, 90.0000001, 4326)"
# `@` compares the boxes in C, where every comparison with NaN is false, so a point PROJ
# could not reproject (POINT(NaN NaN), which PostGIS also calls valid) would pass it.
# PostgreSQL orders NaN above every number: these two comparisons turn it away.
FINITE = "ST_XMax({g}) <= 180.0000001 AND ST_YMax({g}) <= 90.0000001"


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
    extent: tuple[float, float, float, float] | None  # xmin, ymin, xmax, ymax


# ST_MakeValid may turn a polygon into a collection of a polygon and a stray line: keep
# the parts of the geometry's own dimension, so a polygon layer stays polygons.
REPAIR = """CASE WHEN GeometryType(g) LIKE '%%POLYGON' THEN ST_CollectionExtract(ST_MakeValid(g), 3)
                 WHEN GeometryType(g) LIKE '%%LINESTRING' THEN ST_CollectionExtract(ST_MakeValid(g), 2)
                 ELSE ST_MakeValid(g) END"""  # noqa: E501


def _parsed(stage_table: str, layer: SourceLayer, geometry: str, where: str = "") -> str:
    """The SELECT giving n, g (parsed, reprojected), ok (valid), fixed (repaired) and
    the attribute columns of the staged rows. OFFSET 0 keeps PostgreSQL from inlining
    the subqueries, which would parse each geometry again for every use."""
    columns = "".join(f", c{i}" for i in range(len(layer.columns)))
    return f'''
        SELECT n, g, ok, CASE WHEN ok THEN g ELSE {REPAIR} END AS fixed{columns}
          FROM (SELECT n, g, ST_IsValid(g) AS ok{columns}
                  FROM (SELECT n, {geometry} AS g{columns} FROM "{stage_table}" s
                         WHERE wkb IS NOT NULL {where} OFFSET 0) parsed
                OFFSET 0) checked
        OFFSET 0'''


def build(stage_table: str, part: str, layer: SourceLayer, *, layer_id: int,
          srid: int) -> Built:
    """Fill the new partition `part` (already created) from the staging table.

    One INSERT … SELECT parses each geometry once, reprojects it (PROJ applies datum
    shifts with Debian's proj-data grids, never the network), repairs the invalid ones,
    and skips the empty ones and those that land outside longitude/latitude. The staging
    table is read in the order it was written, so feature ids follow the source's order.

    Raises ReadError when `srid` is unknown to PostGIS, and NothingPlaced when the layer
    had geometries and none could be imported (a wrong CRS, most often): a "success"
    with no features would hide the problem.
    """
    if not srid_known(srid):
        raise ReadError(_(
            "The layer %(layer)s is said to be in EPSG:%(srid)s, which is not a coordinate "
            "reference system PostGIS knows. Give its EPSG code (e.g. 25831 for ETRS89 / "
            "UTM zone 31N) and import again.") % {"layer": layer.name, "srid": srid})
    geometry = _geometry_sql(layer, srid)
    props, names = properties_sql(layer)
    insert = f'''
        INSERT INTO "{part}" (layer_id, geometry, properties, number, repaired)
        SELECT %s, fixed, {props}, n, NOT ok OR n = ANY(%s::int[])
          FROM ({_parsed(stage_table, layer, geometry)}) repaired
         WHERE NOT ST_IsEmpty(fixed) AND fixed @ {LONLAT}
           AND {FINITE.format(g="fixed")}'''
    refused: dict[int, str] = {}
    mended: list[int] = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronize_seqscans = off")  # read from the first row
        # The fast path is one statement over the whole layer. PostGIS refuses the
        # whole statement for one ring of three points or one NaN that PROJ cannot
        # reproject; checking every geometry beforehand (in Python or row by row in
        # SQL) would cost more than the import itself on a clean file. So the
        # statement runs in a savepoint, and only when it fails are the culprits found
        # and mended (_mend), after which it runs again.
        try:
            with transaction.atomic():
                cursor.execute(insert, [layer_id, *names, [], srid])
        except (DataError, InternalError):
            refused, mended = _mend(cursor, stage_table, geometry, srid)
            try:
                with transaction.atomic():
                    cursor.execute(insert, [layer_id, *names, mended, srid])
            except (DataError, InternalError) as exc:
                raise ReadError(_("The layer %(layer)s could not be stored: %(exc)s") % {
                    "layer": layer.name, "exc": str(exc).strip()}) from exc
        cursor.execute(f'''SELECT count(*), count(*) FILTER (WHERE repaired),
                                  ST_XMin(ST_Extent(geometry)), ST_YMin(ST_Extent(geometry)),
                                  ST_XMax(ST_Extent(geometry)), ST_YMax(ST_Extent(geometry)),
                                  array_agg(DISTINCT GeometryType(geometry))
                             FROM "{part}"''')
        imported, repaired, *bounds, kinds = cursor.fetchone()
        # Numbers, not WKT: a text round trip of coordinates near zero or at the
        # edge of float precision can print a ring GEOS no longer sees as closed.
        extent = tuple(bounds) if None not in bounds else None
        skipped = _skipped(cursor, stage_table, part, layer, imported, geometry, srid,
                           refused)
        if imported == 0 and any(w is not None for w in layer.geometries):
            raise NothingPlaced(_nothing_placed(layer, srid),
                                [{**e, "layer": layer.name} for e in skipped])
        geometry_type = _geometry_type(cursor, part, kinds or [])
    return Built(geometry_type=geometry_type, imported=imported, repaired=repaired,
                 skipped=skipped, extent=extent)


def _geometry_sql(layer: SourceLayer, srid: int) -> str:
    """The SQL parsing `wkb` (srid as its one parameter) into 2D EPSG:4326."""
    types = geometry_types(layer.geometries)
    promote = len(types) == 1 and types[next(iter(types))] == {False, True}
    geometry = "ST_Force2D(ST_GeomFromWKB(wkb, %s))"
    if srid != 4326:
        geometry = f"ST_Transform({geometry}, 4326)"
    if promote:
        geometry = f"ST_Multi({geometry})"
    return geometry


def _mend(cursor, stage_table: str, geometry: str, srid: int) -> tuple[dict, list]:
    """Find the staged geometries PostGIS refuses, mend them or take them out.

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
                             FROM "{stage_table}" WHERE wkb IS NOT NULL) checked
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
        cursor.execute(f'''UPDATE "{stage_table}" s SET wkb = v.w
                             FROM unnest(%s::int[], %s::bytea[]) AS v(n, w)
                            WHERE s.n = v.n''',
                       [numbers, [candidates[n][0] for n in numbers]])
    if refused:
        cursor.execute(f'UPDATE "{stage_table}" SET wkb = NULL WHERE n = ANY(%s)',
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


def _skipped(cursor, stage_table: str, part: str, layer: SourceLayer, imported: int,
             geometry: str, srid: int, refused: dict[int, str]) -> list[dict]:
    """The features that were not imported, each with why (looked up only if any)."""
    skipped = [{"feature": n, "message": "No geometry: skipped."}
               for n, wkb in zip(layer.numbers, layer.geometries, strict=True) if wkb is None]
    skipped += [{"feature": n, "message": why} for n, why in refused.items()]
    if imported + len(skipped) == layer.total:
        return sorted(skipped, key=lambda e: e["feature"])
    where = f'AND NOT EXISTS (SELECT FROM "{part}" p WHERE p.number = s.n)'
    cursor.execute(f'''
        SELECT n, ST_IsEmpty(g), CASE WHEN NOT ok THEN ST_IsValidReason(g) END,
               fixed IS NULL OR ST_IsEmpty(fixed), ST_XMin(fixed), ST_YMin(fixed),
               ST_XMax(fixed), ST_YMax(fixed)
          FROM ({_parsed(stage_table, layer, geometry, where)}) left_out''', [srid])
    for n, empty, reason, nothing, *box in cursor.fetchall():
        if empty:
            message = "Empty geometry: skipped."
        elif nothing:
            message = f"Invalid ({reason}), and nothing was left once repaired: skipped."
        elif any(math.isnan(v) for v in box):
            message = (f"Its coordinates could not be reprojected from EPSG:{srid} (they "
                       "are not numbers once reprojected): skipped.")
        else:
            xmin, ymin, xmax, ymax = box
            message = ("Outside longitude -180…180 / latitude -90…90 once reprojected from "
                       f"EPSG:{srid} (x {xmin:g} to {xmax:g}, y {ymin:g} to {ymax:g}): "
                       "skipped.")
        skipped.append({"feature": n, "message": message})
    return sorted(skipped, key=lambda e: e["feature"])


def _nothing_placed(layer: SourceLayer, srid: int) -> str:
    """Why a layer with geometries imported none, and what to do: mostly a wrong CRS."""
    said = {"total": sum(w is not None for w in layer.geometries), "layer": layer.name,
            "srid": srid}
    box = geometry_mend.bounds(layer.geometries)
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
