"""Open data by building block: a community's active members summed in 200 m cells of
EPSG:3035, cells of fewer than three merged into one rest without a place, a rest of one
or two folded together with the smallest cells, never one member's figure."""

from __future__ import annotations

import json

import pytest
from django.contrib.gis.geos import GEOSGeometry, Point
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from energy.blocks import CELL_M, grid_srid
from energy.models import MemberResult, PledgeStatus, SimulationRun
from tests.energy.conftest import LAT, community_make, option_row, pledge_row, rectangle

pytestmark = pytest.mark.django_db
ORIGIN = Point(2.15, LAT, srid=4326)  # in the factory's project area


def cell_centre(dx: int, dy: int) -> Point:
    """The centre of the cell `dx` cells east and `dy` north of ORIGIN's, in WGS 84."""
    laea = ORIGIN.transform(3035, clone=True)
    east = (laea.x // CELL_M + dx) * CELL_M + CELL_M / 2
    north = (laea.y // CELL_M + dy) * CELL_M + CELL_M / 2
    return Point(east, north, srid=3035).transform(4326, clone=True)


def member_in(community, cell: tuple[int, int], **fields):
    centre = cell_centre(*cell)
    return pledge_row(community, roof=rectangle(centre.x, centre.y, along_m=12,
                                                 across_m=8), **fields)


def blocks(community, user=None) -> dict:
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    response = api.get(reverse("api:energy-community-blocks", args=[community.pk]))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    return response.json()


@pytest.fixture
def community(planner):
    return community_make(planner, slug="energy-blocks")


A, B, C = (0, 0), (1, 0), (0, 1)


def test_a_cell_of_three_members_is_published_with_their_sums(community):
    kwps, uses = (3.0, 4.5, 6.25), (2100.0, 3400.0, 5200.0)
    for kwp, use in zip(kwps, uses, strict=True):
        member_in(community, A, pv_kwp=kwp, yearly_kwh=use)
    body = blocks(community)
    assert body["grid"] == {"crs": "EPSG:3035", "size_m": CELL_M}
    [cell] = body["features"]
    props = cell["properties"]
    assert (props["members"], props["pledged_kwp"], props["yearly_demand_kwh"]) == (
        3, sum(kwps), sum(uses))
    assert props["rest"] is False and props["self_sufficiency"] is None
    laea = cell_centre(*A).transform(3035, clone=True)
    east, north = int(laea.x // CELL_M * CELL_M), int(laea.y // CELL_M * CELL_M)
    assert cell["id"] == props["block"] == f"CRS3035RES200mN{north}E{east}"
    # The cell's square holds its members' roofs.
    square = GEOSGeometry(json.dumps(cell["geometry"]), srid=4326)
    assert square.contains(cell_centre(*A))
    assert abs(square.transform(3035, clone=True).area - CELL_M ** 2) < 1


@pytest.mark.quality("energy-aggregates-only")
def test_cells_of_fewer_than_three_are_merged_into_the_rest(community):
    for _ in range(3):
        member_in(community, A, pv_kwp=4, yearly_kwh=3000)
    small = [member_in(community, B, pv_kwp=2.5, yearly_kwh=1234),
             member_in(community, B, pv_kwp=3.5, yearly_kwh=2345),
             member_in(community, C, pv_kwp=7.25, yearly_kwh=4567)]
    body = blocks(community)
    cells = [f for f in body["features"] if not f["properties"]["rest"]]
    [rest] = [f for f in body["features"] if f["properties"]["rest"]]
    assert [c["properties"]["members"] for c in cells] == [3]
    assert rest["geometry"] is None and rest["properties"]["block"] is None
    assert (rest["properties"]["members"], rest["properties"]["cells"]) == (3, 2)
    assert rest["properties"]["pledged_kwp"] == sum(p.pv_kwp for p in small)
    assert rest["properties"]["yearly_demand_kwh"] == sum(p.yearly_kwh for p in small)
    assert body["withheld_members"] == 0


def test_a_cell_of_three_is_published_on_its_own(community):
    """The negative twin: with a third member, cell B is a cell of its own."""
    for cell in (A, A, A, B, B, B):
        member_in(community, cell)
    body = blocks(community)
    assert [f["properties"]["members"] for f in body["features"]] == [3, 3]
    assert all(f["geometry"] is not None for f in body["features"])
    assert len({f["id"] for f in body["features"]}) == 2


def test_a_rest_of_one_takes_the_smallest_cell_with_it(community):
    """The rest's one member would be the community's public total minus the cells."""
    for cell in (A, A, A, A, B, B, B, C):
        member_in(community, cell, pv_kwp=4)
    body = blocks(community)
    members = {f["id"]: f["properties"]["members"] for f in body["features"]}
    assert sorted(members.values()) == [4, 4]  # A alone; B's three with C's one
    rest = next(f for f in body["features"] if f["properties"]["rest"])
    assert rest["properties"]["cells"] == 2
    assert sum(members.values()) == 8


@pytest.mark.quality("energy-aggregates-only")
def test_a_community_of_two_publishes_nothing(community):
    member_in(community, A)
    member_in(community, A)
    body = blocks(community)
    assert body["features"] == [] and body["withheld_members"] == 2


def test_withdrawn_pledges_are_not_counted(community):
    for _ in range(3):
        member_in(community, A)
    member_in(community, A, status=PledgeStatus.WITHDRAWN)
    [cell] = blocks(community)["features"]
    assert cell["properties"]["members"] == 3


def _run(community, option, figures: dict):
    run = SimulationRun.objects.create(community=community, status="done", progress=100,
                                       members=len(figures), finished_at=timezone.now())
    for pledge, (own, received, demand) in figures.items():
        MemberResult.objects.create(run=run, pledge=pledge, results={str(option.pk): {
            "district": {"self_consumed_kwh": own, "received_kwh": received,
                         "demand_kwh": demand}}})
    return run


def test_a_cells_self_sufficiency_is_its_members_under_the_first_option(community):
    first, second = option_row(community, "demand"), option_row(community, "equal")
    members = [member_in(community, A) for _ in range(3)]
    figures = {members[0]: (1000.0, 500.0, 3000.0), members[1]: (200.0, 300.0, 2000.0),
               members[2]: (0.0, 900.0, 4000.0)}
    run = _run(community, first, figures)
    body = blocks(community)
    supplied = sum(own + received for own, received, _demand in figures.values())
    demand = sum(d for _own, _received, d in figures.values())
    [cell] = body["features"]
    assert (body["option"], body["run"]) == (first.pk, run.pk)
    assert cell["properties"]["self_sufficiency"] == round(supplied / demand, 4)
    # The option the council chose comes first; it was not simulated here: no figure.
    community.chosen_option = second
    community.save(update_fields=["chosen_option"])
    body = blocks(community)
    assert body["option"] == second.pk
    assert body["features"][0]["properties"]["self_sufficiency"] is None


def test_no_self_sufficiency_where_fewer_than_three_members_were_simulated(community):
    option = option_row(community, "demand")
    members = [member_in(community, A) for _ in range(3)]
    _run(community, option, {members[0]: (1000.0, 500.0, 3000.0),
                             members[1]: (200.0, 300.0, 2000.0)})
    [cell] = blocks(community)["features"]
    assert cell["properties"]["members"] == 3
    assert cell["properties"]["self_sufficiency"] is None


def test_no_answer_carries_a_members_own_figure(community):
    option = option_row(community, "demand")
    marks = (7345.6781, 8456.7892, 9567.8903)
    members = [member_in(community, A, yearly_kwh=use) for use in marks]
    _run(community, option, {m: (1111.1111, 2222.2222, m.yearly_kwh) for m in members})
    text = json.dumps(blocks(community))
    assert not any(f"{v}" in text for v in (*marks, 1111.1111, 2222.2222))
    assert str(round(sum(marks), 1)) in text  # the twin: their sum is there


def test_a_draft_communitys_blocks_are_for_planners_only(planner):
    community = community_make(planner, slug="energy-draft", visibility="draft")
    for _ in range(3):
        member_in(community, A)
    url = reverse("api:energy-community-blocks", args=[community.pk])
    assert APIClient().get(url).status_code == 404
    assert len(blocks(community, planner)["features"]) == 1


@pytest.mark.parametrize(("lon", "lat", "srid"), [
    (2.15, 41.39, 3035),      # Barcelona
    (14.40, 50.10, 3035),     # Prague
    (-74.00, 40.71, 32618),   # New York: outside EPSG:3035, UTM zone 18 N
    (151.21, -33.87, 32756),  # Sydney: UTM zone 56 S
])
def test_the_grid_is_laea_europe_else_the_utm_zone(lon, lat, srid):
    assert grid_srid(lon, lat) == srid
