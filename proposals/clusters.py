"""The map's view of a project at any scale: exact counts per cell of a grid, or the
proposals themselves when few enough are in view.

A busy city has more proposals than a browser can draw or a page of the API can hold.
Rather than send the first page and let the map count only those, PostGIS counts every
proposal that the view and the filters select, grouped into square cells of about
`CELL_PIXELS` screen pixels at the map's zoom: each cell's count is exact, and the cells
add up to the number of matching proposals in the view, the number the list beside the
map pages through (the same visibility rules and the same bbox test, `proposals_filter`).

A proposal counts in one cell, the one that holds its point on surface (`Proposal.point`,
the rule of proposals/districts.py: a long line is counted once, not in every cell it
crosses). The cell is a grid of the longitude and latitude snapped at their origin, its
height in degrees the width times the cosine of the view's latitude, so that a cell is
square on the Web Mercator map at that latitude (within a city the difference across
the view is well under a pixel). `point` is a stored column: grouping a million
proposals then reads it rather than working out each one's point on surface again
(bench/bench_map_clusters.py measures ours against the bare `GROUP BY`).

The cells of a view are the same for every anonymous reader until a proposal changes,
and counting a whole city of a million takes a second: so they are cached (Redis) under
the project's map version, which the database changes in the same transaction as any
write that changes what the map counts (proposals.models.MapVersion). A cached answer is
therefore exact for as long as it is read. Signed-in readers may see proposals others do
not (their own unpublished ones; planners, hidden ones): theirs are counted each time.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.contrib.gis.geos import Polygon
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet

from core import geojson, tenancy
from core.db_router import read_connection
from proposals.models import MapVersion, Proposal
from proposals.selectors import proposals_feature_collection

# Above this many proposals in view the map gets cells; at or below, the proposals.
CLUSTER_THRESHOLD = 500
# A cell's side on the screen: about a bubble's width and the gap to the next one.
CELL_PIXELS = 60
TILE_PIXELS = 256  # Web Mercator: the world is 256 · 2**zoom pixels wide
MAX_ZOOM = 22
# A cached view is dropped after a day unread; a new map version makes it unread at once.
CACHE_SECONDS = 24 * 3600


def cell_size(zoom: int, latitude: float) -> tuple[float, float]:
    """The (width, height) in degrees of a cell `CELL_PIXELS` wide at `zoom`, square on
    a Web Mercator map at `latitude`."""
    width = 360 / (TILE_PIXELS * 2 ** zoom) * CELL_PIXELS
    return width, width * max(math.cos(math.radians(latitude)), 0.01)


# One row per cell: its exact count, the mean of its proposals' points (where the bubble
# stands) and their extent (what a click zooms to). The cell is ST_SnapToGrid's (origin
# 0, 0): PostgreSQL's round() of a double rounds as ST_SnapToGrid does (rint, half to
# even), on the same quotient, and reading each point's x and y once rather than
# grouping by a snapped geometry takes about half the time at a city's scale.
CELLS_SQL = """
SELECT coalesce(sum(c.n), 0), count(*), coalesce(json_agg(json_build_object(
         'type', 'Feature',
         'geometry', ST_AsGeoJSON(ST_SetSRID(ST_MakePoint(c.x, c.y), 4326), {precision})::json,
         'properties', json_build_object(
             'cluster', true, 'count', c.n,
             'bounds', json_build_array(round(c.w::numeric, {precision}),
                                        round(c.s::numeric, {precision}),
                                        round(c.e::numeric, {precision}),
                                        round(c.nn::numeric, {precision}))))
       ORDER BY c.i, c.j), '[]')::text
FROM (SELECT round(t.x / %s) AS i, round(t.y / %s) AS j, count(*) AS n,
             avg(t.x) AS x, avg(t.y) AS y, min(t.x) AS w, min(t.y) AS s,
             max(t.x) AS e, max(t.y) AS nn
      FROM (SELECT ST_X(u.point) AS x, ST_Y(u.point) AS y FROM ({inner}) u) t
      GROUP BY 1, 2) c
"""


@dataclass(frozen=True)
class MapView:
    """What the map draws: `features` (a JSON array's text) are cells when `clustered`,
    else the proposals as the proposals endpoint gives them; `matched` is how many
    proposals they stand for, all of them."""

    features: str
    returned: int
    matched: int
    clustered: bool


def _sql(qs: QuerySet[Proposal], *fields: str) -> tuple[str, tuple]:
    return qs.order_by().values(*fields).query.sql_with_params()


def proposals_map_view(qs: QuerySet[Proposal], *, zoom: int, latitude: float,
                       threshold: int | None = None) -> MapView:
    """The proposals of `qs` (visible to the reader, filtered, the view's bbox included)
    as the map shows them at `zoom`: themselves when at most `threshold` match, else the
    cells of the grid, square at `latitude` (the view's centre).

    Whether there are more than `threshold` is read with a LIMIT (at most one row past
    it), so a city-wide view is grouped in one pass and a small one never is."""
    threshold = CLUSTER_THRESHOLD if threshold is None else threshold
    try:
        inner, params = _sql(qs, "id")
    except EmptyResultSet:  # a filter no row can meet
        return MapView("[]", 0, 0, False)
    with read_connection().cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({inner} LIMIT %s) t",  # noqa: S608
                       [*params, threshold + 1])
        (some,) = cursor.fetchone()
        if some <= threshold:
            features, returned, _more = proposals_feature_collection(qs, limit=threshold)
            return MapView(features, returned, returned, False)
        width, height = cell_size(zoom, latitude)
        inner, params = _sql(qs, "point")
        cursor.execute(CELLS_SQL.format(precision=geojson.PRECISION, inner=inner),
                       [width, height, *params])
        matched, cells, features = cursor.fetchone()
    return MapView(features, cells, int(matched), True)


def map_version(project_id: int) -> str:
    """The project's map version (proposals.models.MapVersion); "0" until its map first
    changes after the version was introduced."""
    version = MapVersion.objects.filter(project_id=project_id).values_list(
        "version", flat=True).first()
    return str(version) if version else "0"


def proposals_map_view_shared(qs: QuerySet[Proposal], *, project_id: int, zoom: int,
                              bbox: Polygon | None, latitude: float,
                              filters: tuple[Iterable[str], ...]) -> MapView:
    """proposals_map_view for a reader who sees what every anonymous reader sees, its
    cells cached under the project's map version. `filters` are the values `qs` was
    filtered by (categories, statuses): with the view, they name the cached answer.

    The version is read before the cells are counted: cells counted after a later
    write are then kept under the older version, which no reader asks for any more;
    never older cells under a newer version."""
    version = map_version(project_id)
    box = ",".join(repr(v) for v in bbox.extent) if bbox is not None else ""
    # The municipality served is part of the name too: the cells are counted from `qs`,
    # whose manager keeps to it, so one municipality's never answer another's request.
    named = "|".join([str(tenancy.current_id()), str(project_id), version, str(zoom), box,
                      *(",".join(sorted(values)) for values in filters)])
    digest = hashlib.sha256(named.encode()).hexdigest()
    key = f"map-cells:{digest}"
    cached = cache.get(key)
    if cached is not None:
        return MapView(**cached)
    view = proposals_map_view(qs, zoom=zoom, latitude=latitude)
    if view.clustered:  # the proposals themselves carry titles, which this key ignores
        cache.set(key, asdict(view), CACHE_SECONDS)
    return view
