"""Members pledge their roof and what they use: picked on the building layer or drawn,
inside the community, with the array read from the roof when they leave it empty."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from energy import pledges
from energy.models import Pledge
from energy.roofs import KWP_PER_M2, USABLE_SHARE
from tests.energy.conftest import (
    BUILDING_LONS,
    LAT,
    anchor_at,
    community_make,
    features,
    layer_of,
    metres_east,
    pledge_make,
    rectangle,
)
from tests.factories import user_make

pytestmark = pytest.mark.django_db


def messages(exc) -> str:
    return " ".join(exc.value.messages)


def test_a_member_picks_their_building_and_the_array_is_read_from_its_roof(community, citizen,
                                                                           buildings):
    building = features(buildings)[1]
    pledge = pledge_make(community, citizen, building=building)
    assert pledge.building_id == building.pk and pledge.roof.equals(building.geometry)
    # A 20 m × 10 m footprint whose long sides run east–west: its sunny slope faces south.
    assert pledge.pv_kwp == pytest.approx(20 * 10 * USABLE_SHARE * KWP_PER_M2, rel=0.01)
    assert (pledge.pv_azimuth, pledge.pv_tilt) == (180.0, 30.0)
    assert pledge.status == "active" and pledge.kind == "household"


def test_what_the_member_says_about_the_array_is_kept(community, citizen, buildings):
    pledge = pledge_make(community, citizen, building=features(buildings)[0], pv_kwp=3.2,
                         pv_tilt=10, pv_azimuth=200)
    assert (pledge.pv_kwp, pledge.pv_tilt, pledge.pv_azimuth) == (3.2, 10, 200)
    no_array = pledge_make(community, building=features(buildings)[1], pv_kwp=0)
    assert no_array.pv_kwp == 0


@pytest.mark.parametrize(("bearing", "facing"), [
    (0, 90.0),      # long sides north–south: east and west alike, east then
    (45, 135.0),    # long sides to the north-east: the south-east slope
    (120, 210.0),   # long sides to the east-south-east: the south-south-west slope
])
def test_a_drawn_roof_faces_the_normal_of_its_longest_side_nearest_south(
        community, citizen, bearing, facing):
    roof = rectangle(2.151, LAT, along_m=30, across_m=12, bearing=bearing)
    pledge = pledge_make(community, citizen, roof=json.loads(roof.json))
    assert pledge.pv_azimuth == pytest.approx(facing, abs=0.5)
    assert pledge.building_id is None


def test_a_roof_holds_one_array_however_many_households_pledge_it(community, citizen,
                                                                  buildings):
    building = features(buildings)[0]
    roof_kwp = 20 * 10 * USABLE_SHARE * KWP_PER_M2
    first = pledge_make(community, citizen, building=building, pv_kwp=10)
    second = pledge_make(community, building=building)
    assert second.pv_kwp == pytest.approx(roof_kwp - 10, rel=0.02)
    assert pledge_make(community, building=building).pv_kwp == 0  # nothing left
    # Another building, or a drawn roof, has its own.
    assert pledge_make(community, building=features(buildings)[1]).pv_kwp == \
        pytest.approx(roof_kwp, rel=0.01)
    # Asked again, the first member's default counts the others' arrays, not their own:
    # the second took what the first's 10 kWp left, so 10 kWp are left for the first.
    again = pledges.pledge_update(pledge=first, member=citizen, pv_kwp=None)
    assert again.pv_kwp == pytest.approx(10, abs=0.011)


def test_a_drawn_roof_may_replace_the_buildings_footprint(community, citizen, buildings):
    building = features(buildings)[2]
    drawn = rectangle(BUILDING_LONS[2], LAT, along_m=12, across_m=8)
    pledge = pledge_make(community, citizen, building=building, roof=drawn)
    assert pledge.building_id == building.pk and pledge.roof.equals_exact(drawn, 1e-9)


def test_a_building_of_another_layer_is_refused(community, citizen):
    other = layer_of("other", [rectangle(BUILDING_LONS[0], LAT)])
    with pytest.raises(ValidationError) as refusal:
        pledge_make(community, citizen, building=features(other)[0])
    assert refusal.value.message_dict["building"] == ["Pick a building on the community's map."]
    with pytest.raises(ValidationError):
        pledge_make(community, citizen, building=10**12)
    assert not Pledge.objects.exists()


def test_a_community_without_buildings_takes_drawn_roofs_only(planner, citizen, buildings):
    community = community_make(planner)
    with pytest.raises(ValidationError) as refusal:
        pledge_make(community, citizen, building=features(buildings)[0])
    assert "draw your roof" in messages(refusal)
    assert pledge_make(community, citizen, roof=rectangle(BUILDING_LONS[0], LAT))


def test_a_roof_outside_the_projects_area_is_refused(community, citizen):
    with pytest.raises(ValidationError) as refusal:
        pledge_make(community, citizen, roof=rectangle(2.30, LAT))
    assert refusal.value.message_dict["roof"] == ["This roof lies outside the project's area."]


def test_a_radius_community_takes_roofs_within_its_radius(planner, citizen):
    community = community_make(planner, scope="radius", anchor=anchor_at(2.15), radius_m=500)
    near = 2.15 + 450 / metres_east(LAT)
    far = 2.15 + 560 / metres_east(LAT)
    assert pledge_make(community, citizen, roof=rectangle(near, LAT, along_m=10, across_m=6))
    with pytest.raises(ValidationError) as refusal:
        pledge_make(community, roof=rectangle(far, LAT, along_m=10, across_m=6))
    assert "more than 500 m from the community's installation" in messages(refusal)


def test_a_pledge_needs_a_roof(community, citizen):
    with pytest.raises(ValidationError) as refusal:
        pledges.pledge_submit(community=community, member=citizen, kind="shop",
                              yearly_kwh=9000)
    assert "Pick your building on the map or draw your roof." in messages(refusal)


def test_a_roof_is_a_valid_polygon(community, citizen):
    line = {"type": "LineString", "coordinates": [[2.15, LAT], [2.151, LAT]]}
    bow_tie = {"type": "Polygon", "coordinates": [[[2.150, 41.390], [2.151, 41.391],
                                                    [2.151, 41.390], [2.150, 41.391],
                                                    [2.150, 41.390]]]}
    for roof in (line, bow_tie, "not geojson"):
        with pytest.raises(ValidationError) as refusal:
            pledge_make(community, citizen, roof=roof)
        assert "roof" in refusal.value.message_dict


@pytest.mark.parametrize(("figures", "field"), [
    ({"yearly_kwh": 50}, "yearly_kwh"),
    ({"yearly_kwh": "lots"}, "yearly_kwh"),
    ({"kind": "castle"}, "kind"),
    ({"pv_kwp": 1001}, "pv_kwp"),
    ({"pv_tilt": 95}, "pv_tilt"),
    ({"pv_azimuth": -5}, "pv_azimuth"),
    ({"battery_kwh": 10}, "battery_kw"),
    ({"battery_kw": 3}, "battery_kw"),
    ({"battery_kwh": -1, "battery_kw": 1}, "battery_kwh"),
    ({"flexible_share": 0.6}, "flexible_share"),
    ({"coefficient": 0}, "coefficient"),
    ({"yearly_kwh": float("inf")}, "yearly_kwh"),
])
def test_a_figure_out_of_range_is_refused_by_name(community, citizen, figures, field):
    with pytest.raises(ValidationError) as refusal:
        pledge_make(community, citizen, **figures)
    assert field in refusal.value.message_dict
    assert not Pledge.objects.exists()


def test_every_problem_is_said_at_once(community, citizen):
    with pytest.raises(ValidationError) as refusal:
        pledge_make(community, citizen, roof=rectangle(2.30, LAT), kind="castle",
                    yearly_kwh=1)
    assert {"roof", "kind", "yearly_kwh"} <= set(refusal.value.message_dict)


def test_the_figures_in_range_are_taken(community, citizen):
    pledge = pledge_make(community, citizen, kind="school", yearly_kwh=100, battery_kwh=10,
                         battery_kw=5, flexible_share=0.5, coefficient=2.5)
    assert (pledge.kind, pledge.battery_kwh, pledge.flexible_share, pledge.coefficient) == (
        "school", 10, 0.5, 2.5)


def test_pledges_are_taken_while_the_ideation_phase_runs(planner, citizen):
    for phase in ("voting", None):
        closed = community_make(planner, slug=f"closed-{phase}", phase=phase)
        with pytest.raises(PermissionDenied) as refusal:
            pledge_make(closed, citizen)
        assert "ideation phase" in str(refusal.value)
    draft = community_make(planner, slug="draft", visibility="draft")
    with pytest.raises(PermissionDenied):
        pledge_make(draft, citizen)
    with pytest.raises(PermissionDenied):
        pledge_make(community_make(planner, slug="open"), AnonymousUser())
    assert not Pledge.objects.exists()


def test_a_member_pledges_once_and_pledges_again_after_withdrawing(community, citizen):
    first = pledge_make(community, citizen, yearly_kwh=3000)
    with pytest.raises(ValidationError) as refusal:
        pledge_make(community, citizen, yearly_kwh=4000)
    assert "already pledged" in messages(refusal)
    pledges.pledge_withdraw(pledge=first, member=citizen)
    again = pledge_make(community, citizen, yearly_kwh=4000)
    assert (again.pk, again.status, again.yearly_kwh) == (first.pk, "active", 4000)


def test_a_member_changes_what_they_give_and_the_rest_stays(community, citizen, buildings):
    pledge = pledge_make(community, citizen, building=features(buildings)[0], pv_tilt=15)
    kwp = pledge.pv_kwp
    changed = pledges.pledge_update(pledge=pledge, member=citizen, yearly_kwh=5200,
                                    battery_kwh=5, battery_kw=3)
    assert (changed.yearly_kwh, changed.battery_kwh, changed.pv_kwp, changed.pv_tilt) == (
        5200, 5, kwp, 15)
    assert changed.building_id == features(buildings)[0].pk


def test_another_building_brings_its_roof_and_none_reads_the_array_again(
        community, citizen, buildings):
    pledge = pledge_make(community, citizen, building=features(buildings)[0], pv_kwp=1.0)
    moved = pledges.pledge_update(pledge=pledge, member=citizen,
                                  building=features(buildings)[3], pv_kwp=None)
    assert moved.roof.equals(features(buildings)[3].geometry)
    assert moved.pv_kwp == pytest.approx(20 * 10 * USABLE_SHARE * KWP_PER_M2, rel=0.01)


def test_only_the_member_changes_or_withdraws_a_pledge(community, citizen):
    pledge = pledge_make(community, citizen)
    other = user_make("neighbour")
    with pytest.raises(PermissionDenied):
        pledges.pledge_update(pledge=pledge, member=other, yearly_kwh=9999)
    with pytest.raises(PermissionDenied):
        pledges.pledge_withdraw(pledge=pledge, member=other)
    pledge.refresh_from_db()
    assert (pledge.yearly_kwh, pledge.status) == (3500, "active")


def test_a_change_out_of_range_changes_nothing(community, citizen):
    pledge = pledge_make(community, citizen)
    with pytest.raises(ValidationError) as refusal:
        pledges.pledge_update(pledge=pledge, member=citizen, yearly_kwh=10, kind="castle")
    assert {"yearly_kwh", "kind"} <= set(refusal.value.message_dict)
    pledge.refresh_from_db()
    assert (pledge.yearly_kwh, pledge.kind) == (3500, "household")


def test_a_withdrawn_pledge_is_not_changed_and_not_withdrawn_twice(community, citizen):
    pledge = pledge_make(community, citizen)
    pledges.pledge_withdraw(pledge=pledge, member=citizen)
    with pytest.raises(ValidationError):
        pledges.pledge_update(pledge=pledge, member=citizen, yearly_kwh=9999)
    with pytest.raises(ValidationError) as refusal:
        pledges.pledge_withdraw(pledge=pledge, member=citizen)
    assert "already withdrawn" in messages(refusal)


def test_a_pledge_is_withdrawn_at_any_time(planner, citizen):
    community = community_make(planner)
    pledge = pledge_make(community, citizen)
    from proposals.models import Phase
    Phase.objects.filter(project=community.project).delete()  # no phase runs any more
    assert pledges.pledge_withdraw(pledge=pledge, member=citizen).status == "withdrawn"
