"""A community's open data by building block: its active members' aggregates in the
cells of a 200 m metric grid, never one member's figure (docs/energy.md, "Open data by
building block").

**The grid.** Cells are 200 m squares of EPSG:3035 (ETRS89 / LAEA Europe), the grid of
Eurostat's and INSPIRE's statistical grids: it is equal-area, so every cell holds the
same 4 ha anywhere in Europe, and its cells nest in the published 1 km population grid
(25 to a square kilometre), so a reader can join the two. Where 3035 is not defined
(outside Europe) the community's UTM zone is used instead: conformal and accurate to
1 m in 2 km within a zone. A cell is named as INSPIRE names grid cells:
`CRS3035RES200mN2073000E3653000`, from its south-west corner in metres.

A member counts in the cell that holds their roof's point on surface, as a roof counts
in a community (energy/selectors.py).

**Suppression.** A cell with fewer than `MIN_PUBLIC_MEMBERS` (3) active members is not
published on its own: those members are summed into one "rest of the community" figure
without a place. When that rest would hold one or two members, it is not simply dropped:
the community's totals are public (the communities API, the simulation), so the rest
would be their difference with the published cells. The smallest published cells are
folded into the rest, one by one, until it holds none or at least three members; a
community of fewer than three publishes nothing.

**Self-sufficiency.** Of the cell's members, at district scale, under the option the
council chose (else the first), in the latest finished simulation: Σ(self-consumed +
received) / Σ demand over the members that simulation covered. Null where fewer than
three of the cell's members were simulated (pledged since), or nothing was.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

from energy.models import Community, PledgeStatus, SimulationRun
from energy.selectors import (
    MIN_PUBLIC_MEMBERS,
    community_centre,
    option_default,
    run_latest_done,
)

CELL_M = 200
LAEA_EUROPE = 3035
# EPSG:3035's area of use (west, south, east, north), in degrees.
LAEA_EXTENT = (-35.58, 24.60, 44.83, 84.73)
SCALE = "district"

BLOCKS_SQL = """
WITH members AS (
    SELECT p.pv_kwp, p.yearly_kwh,
           ST_Transform(ST_PointOnSurface(p.roof), %(srid)s) AS at,
           (r.results -> %(option)s -> %(scale)s ->> 'self_consumed_kwh')::float8 AS own,
           (r.results -> %(option)s -> %(scale)s ->> 'received_kwh')::float8 AS received,
           (r.results -> %(option)s -> %(scale)s ->> 'demand_kwh')::float8 AS demand
      FROM energy_pledge p
      LEFT JOIN energy_memberresult r ON r.pledge_id = p.id AND r.run_id = %(run)s
     WHERE p.community_id = %(community)s AND p.status = %(active)s
), cells AS (
    SELECT floor(ST_X(at) / %(size)s)::bigint AS e, floor(ST_Y(at) / %(size)s)::bigint AS n,
           pv_kwp, yearly_kwh, own, received, demand,
           own IS NOT NULL AND received IS NOT NULL AND demand > 0 AS simulated
      FROM members
)
SELECT e, n, count(*), sum(pv_kwp), sum(yearly_kwh),
       count(*) FILTER (WHERE simulated),
       coalesce(sum(own + received) FILTER (WHERE simulated), 0),
       coalesce(sum(demand) FILTER (WHERE simulated), 0),
       ST_AsGeoJSON(ST_Transform(ST_MakeEnvelope(e * %(size)s, n * %(size)s,
                                                 (e + 1) * %(size)s, (n + 1) * %(size)s,
                                                 %(srid)s), 4326), 7)
  FROM cells GROUP BY e, n ORDER BY n, e
"""


@dataclass
class Block:
    """One cell's sums (or the rest's, `code` None)."""

    code: str | None
    geometry: str | None  # GeoJSON text
    members: int = 0
    pledged_kwp: float = 0.0
    yearly_kwh: float = 0.0
    simulated: int = 0  # members with figures in the run
    supplied_kwh: float = 0.0  # their self-consumed + received
    demand_kwh: float = 0.0  # their simulated demand
    cells: int = 1

    def add(self, other: Block) -> None:
        self.members += other.members
        self.pledged_kwp += other.pledged_kwp
        self.yearly_kwh += other.yearly_kwh
        self.simulated += other.simulated
        self.supplied_kwh += other.supplied_kwh
        self.demand_kwh += other.demand_kwh
        self.cells += other.cells

    @property
    def self_sufficiency(self) -> float | None:
        if self.simulated < MIN_PUBLIC_MEMBERS or self.demand_kwh <= 0:
            return None
        return self.supplied_kwh / self.demand_kwh


@dataclass
class Blocks:
    srid: int
    option_id: int | None
    run: SimulationRun | None
    cells: list[Block] = field(default_factory=list)
    rest: Block | None = None  # None: nothing left over, or too few to publish
    withheld: int = 0  # members in no published figure (a community of fewer than 3)


def grid_srid(longitude: float, latitude: float) -> int:
    """EPSG:3035 in Europe, else the UTM zone of the point (module docstring)."""
    west, south, east, north = LAEA_EXTENT
    if west <= longitude <= east and south <= latitude <= north:
        return LAEA_EUROPE
    zone = min(int((longitude + 180) // 6) + 1, 60)
    return (32600 if latitude >= 0 else 32700) + zone


def cell_code(srid: int, east: int, north: int) -> str:
    return f"CRS{srid}RES{CELL_M}mN{north * CELL_M}E{east * CELL_M}"


def community_blocks(*, community: Community) -> Blocks:
    """The community's published cells and rest (module docstring)."""
    centre = community_centre(community)
    srid = grid_srid(centre.x, centre.y)
    option = option_default(community)
    run = run_latest_done(community)
    with connection.cursor() as cursor:
        cursor.execute(BLOCKS_SQL, {
            "srid": srid, "size": CELL_M, "community": community.pk,
            "active": PledgeStatus.ACTIVE.value, "run": run.pk if run else None,
            "option": str(option.pk) if option else None, "scale": SCALE})
        rows = cursor.fetchall()
    cells = [Block(code=cell_code(srid, e, n), geometry=shape, members=members,
                   pledged_kwp=kwp or 0.0, yearly_kwh=kwh or 0.0, simulated=simulated,
                   supplied_kwh=supplied, demand_kwh=demand)
             for e, n, members, kwp, kwh, simulated, supplied, demand, shape in rows]
    return _suppress(Blocks(srid=srid, option_id=option.pk if option else None, run=run),
                     cells)


def _suppress(blocks: Blocks, cells: list[Block]) -> Blocks:
    rest = Block(code=None, geometry=None, cells=0)
    published = []
    for cell in cells:
        if cell.members >= MIN_PUBLIC_MEMBERS:
            published.append(cell)
        else:
            rest.add(cell)
    # Secondary suppression: a rest of one or two would be the community's public totals
    # minus the published cells. Fold the smallest cells in (the last-listed first, on a
    # tie, so that the order of the others stays the grid's).
    while 0 < rest.members < MIN_PUBLIC_MEMBERS and published:
        smallest = min(range(len(published)),
                       key=lambda i: (published[i].members, -i))
        rest.add(published.pop(smallest))
    blocks.cells = published
    if rest.members >= MIN_PUBLIC_MEMBERS:
        blocks.rest = rest
    else:
        blocks.withheld = rest.members
    return blocks
