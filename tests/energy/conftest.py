"""An energy community in the factory's project area (a part of Barcelona): a building
layer of a few rectangles, a community on an ideation project, and members' pledges."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from django.contrib.gis.geos import Point, Polygon

from energy import pledges, services
from energy.models import Community, Pledge, SharingOption
from gisdata.models import Dataset, Feature, Layer
from tests.factories import project_make, proposal_make, user_make

LAT = 41.39  # inside tests.factories.AREA_BBOX
METRES_PER_DEGREE_LAT = 111_200.0


def metres_east(lat: float) -> float:
    """Metres per degree of longitude at `lat` (a sphere: enough for a test's shapes)."""
    return METRES_PER_DEGREE_LAT * math.cos(math.radians(lat))


def rectangle(lon: float, lat: float, *, along_m: float = 20.0, across_m: float = 10.0,
              bearing: float = 90.0) -> Polygon:
    """A rectangle centred at (lon, lat) whose long side (`along_m`) runs towards
    `bearing` (degrees from north; 90: east–west) and short side `across_m`."""
    b = math.radians(bearing)
    ux, uy = math.sin(b), math.cos(b)     # along, as (east, north)
    vx, vy = math.cos(b), -math.sin(b)    # across, at a right angle
    corners = []
    for sa, sv in ((-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)):
        east = sa * along_m / 2 * ux + sv * across_m / 2 * vx
        north = sa * along_m / 2 * uy + sv * across_m / 2 * vy
        corners.append((lon + east / metres_east(lat), lat + north / METRES_PER_DEGREE_LAT))
    return Polygon(corners, srid=4326)


def layer_of(name: str, shapes, *, published: bool = True, geometry_type="Polygon",
             municipality=None) -> Layer:
    dataset = Dataset.objects.create(name=f"Buildings {name}", slug=f"buildings-{name}",
                                     source_url="https://example.org/buildings.gpkg",
                                     **({"municipality": municipality} if municipality else {}))
    layer = Layer.objects.create(dataset=dataset, name=name, title=name.title(),
                                 geometry_type=geometry_type, is_published=published)
    Feature.objects.bulk_create([Feature(layer=layer, geometry=shape, properties={"n": i})
                                 for i, shape in enumerate(shapes)])
    return layer


# Four buildings along a street of the project's area, 60 m apart.
BUILDING_LONS = (2.150, 2.1507, 2.1514, 2.1521)


@pytest.fixture(scope="session")
def engine():
    """The simulation engine, or the test is skipped where it is not installed. Session
    scoped, and named before `worker`, so that a skipped test starts no worker."""
    return pytest.importorskip("energy.simulation")


@pytest.fixture
def buildings(db) -> Layer:
    return layer_of("buildings", [rectangle(lon, LAT) for lon in BUILDING_LONS])


def features(layer: Layer) -> list[Feature]:
    return list(Feature.objects.filter(layer=layer).order_by("pk"))


def community_make(planner, *, slug: str = "energy-now", phase: str | None = "ideation",
                   building_layer=None, visibility: str = "public", **settings) -> Community:
    """A community on a new project whose `phase` runs now (tests.factories)."""
    project = project_make(slug, phase=phase, visibility=visibility)
    return services.community_create(project=project, planner=planner,
                                     building_layer=building_layer, **settings)


@pytest.fixture
def community(planner, buildings) -> Community:
    return community_make(planner, building_layer=buildings)


def pledge_make(community: Community, member=None, *, building=None, roof=None,
                **figures) -> Pledge:
    member = member or user_make()
    figures.setdefault("kind", "household")
    figures.setdefault("yearly_kwh", 3500)
    if building is None and roof is None:
        roof = rectangle(BUILDING_LONS[0], LAT)
    return pledges.pledge_submit(community=community, member=member, building=building,
                                 roof=roof, **figures)


def option_make(community: Community, planner, key: str = "demand",
                price: str = "0.1000") -> SharingOption:
    """An option made by the service (the project's ideation phase must run)."""
    return services.option_create(community=community, planner=planner, key=key,
                                  internal_price=Decimal(price))


def option_row(community: Community, key: str = "demand", price: str = "0.1000",
               author=None) -> SharingOption:
    """An option written straight to the database, in any phase."""
    proposal = proposal_make(community.project, author or user_make(),
                             title=f"{key} at {price}")
    return SharingOption.objects.create(community=community, proposal=proposal, key=key,
                                        internal_price=Decimal(price))


def pledge_row(community: Community, member=None, **fields) -> Pledge:
    """A pledge written straight to the database, in any phase."""
    fields.setdefault("roof", rectangle(BUILDING_LONS[0], LAT))
    fields.setdefault("kind", "household")
    fields.setdefault("yearly_kwh", 3500)
    fields.setdefault("pv_kwp", 4.0)
    return Pledge.objects.create(community=community, member=member or user_make(),
                                 **fields)


def anchor_at(lon: float, lat: float = LAT) -> Point:
    return Point(lon, lat, srid=4326)
