"""A loaded layer's last steps, in the background: checked, indexed, analysed.

Once a layer's features are in their table (gisdata/imports/load.py), `checked` makes one
pass over them (count, extent, the suspects the fast path let in taken out and listed)
while partitions.index builds the indexes; `Indexing` runs that in a thread of its own
while the next layer loads, and `Loaded.built()` waits for its outcome (`Built`), or
raises NothingPlaced when none of a layer's geometries could be placed.
"""

# The loaded tables' names are formatted into SQL (identifiers cannot be parameters);
# they come only from load.stage_name, built from integers, never from user input.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from django.db import connection
from django.utils import translation
from django.utils.translation import gettext as _

from gisdata.imports import geometry_mend, placing
from gisdata.imports.placing import LONLAT, PLACED, Loading
from gisdata.imports.reader import ReadError, SourceLayer


class NothingPlaced(ReadError):
    """A layer had geometries and none could be imported: the run fails, listing why."""

    def __init__(self, message: str, errors: list[dict]):
        super().__init__(message)
        self.errors = errors


@dataclass
class Built:
    geometry_type: str
    imported: int
    repaired: int
    skipped: list[dict]
    extent: tuple[float, float, float, float] | None  # xmin, ymin, xmax, ymax


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


def checked(state: Loading, layer: SourceLayer) -> Built:
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
            state.skipped += [{"feature": n,
                               "message": placing.why(state.srid, empty, None, False, box)}
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


def _nothing_placed(name: str, state: Loading, srid: int) -> str:
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
