"""The database keeps every energy rule on every path: each check refuses a bad value
written straight to the table, and takes the good value beside it."""

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.db import IntegrityError, transaction

from energy.models import (
    DEFAULT_CLEAR_SKY_INDEX,
    KINDS,
    SHARING_KEYS,
    Community,
    MemberKind,
    MemberResult,
    Pledge,
    SharingKey,
    SharingOption,
    SimulationRun,
)
from tests.energy.conftest import community_make, option_row, pledge_row
from tests.factories import user_make

pytestmark = pytest.mark.django_db


def refused(model, pk, **values) -> bool:
    """Whether the database refuses to write `values` to the row."""
    try:
        with transaction.atomic():
            model.objects.filter(pk=pk).update(**values)
    except IntegrityError:
        return True
    return False


def test_the_kinds_and_keys_are_the_engines():
    assert tuple(MemberKind.values) == KINDS
    assert tuple(SharingKey.values) == SHARING_KEYS
    assert DEFAULT_CLEAR_SKY_INDEX == (0.69,) * 12


COMMUNITY_CASES = [
    # (what, good values, bad values)
    ("radius needs its anchor", {"scope": "radius", "radius_m": 2000,
                                 "anchor": Point(2.15, 41.39, srid=4326)},
     {"scope": "radius", "radius_m": 2000, "anchor": None}),
    ("radius at most 5 km", {"scope": "radius", "radius_m": 5000,
                             "anchor": Point(2.15, 41.39, srid=4326)},
     {"scope": "radius", "radius_m": 5001, "anchor": Point(2.15, 41.39, srid=4326)}),
    ("radius at least 100 m", {"scope": "radius", "radius_m": 100,
                               "anchor": Point(2.15, 41.39, srid=4326)},
     {"scope": "radius", "radius_m": 99, "anchor": Point(2.15, 41.39, srid=4326)}),
    ("a district has no radius", {"scope": "district", "radius_m": None, "anchor": None},
     {"scope": "district", "radius_m": 2000, "anchor": None}),
    ("unknown scope", {"scope": "district"}, {"scope": "planet"}),
    ("internal price under import", {"import_price": "0.2", "internal_price": "0.2"},
     {"import_price": "0.2", "internal_price": "0.21"}),
    ("internal price over export", {"export_price": "0.1", "internal_price": "0.1"},
     {"export_price": "0.11", "internal_price": "0.1"}),
    ("no negative fee", {"sharing_fee": "0"}, {"sharing_fee": "-0.01"}),
    ("no negative CO2 factor", {"co2_kg_per_kwh": "0"}, {"co2_kg_per_kwh": "-0.1"}),
    ("a currency code", {"currency": "CZK"}, {"currency": "Kč"}),
    ("twelve months of clear sky", {"clear_sky_index": [0.5] * 12},
     {"clear_sky_index": [0.5] * 11}),
    ("clear sky from 0.05", {"clear_sky_index": [0.05] * 12},
     {"clear_sky_index": [0.05] * 11 + [0.04]}),
    ("clear sky up to 1", {"clear_sky_index": [1.0] * 12},
     {"clear_sky_index": [1.0] * 11 + [1.01]}),
    ("twelve months of temperature", {"temperature_c": [10.0] * 12},
     {"temperature_c": [10.0] * 13}),
    ("temperatures of this planet", {"temperature_c": [-50.0] * 12},
     {"temperature_c": [-50.0] * 11 + [-51.0]}),
]


@pytest.mark.parametrize(("what", "good", "bad"), COMMUNITY_CASES,
                         ids=[c[0] for c in COMMUNITY_CASES])
def test_a_community_check(what, good, bad, planner):
    community = community_make(planner)
    assert not refused(Community, community.pk, **good), what
    assert refused(Community, community.pk, **bad), what


PLEDGE_CASES = [
    ("yearly use from 100 kWh", {"yearly_kwh": 100}, {"yearly_kwh": 99.9}),
    ("yearly use up to 10 GWh", {"yearly_kwh": 10_000_000}, {"yearly_kwh": 10_000_001}),
    ("no negative array", {"pv_kwp": 0}, {"pv_kwp": -1}),
    ("an array up to 1 MWp", {"pv_kwp": 1000}, {"pv_kwp": 1000.5}),
    ("tilt up to upright", {"pv_tilt": 90}, {"pv_tilt": 91}),
    ("no negative tilt", {"pv_tilt": 0}, {"pv_tilt": -1}),
    ("azimuth up to 360", {"pv_azimuth": 360}, {"pv_azimuth": 361}),
    ("no negative azimuth", {"pv_azimuth": 0}, {"pv_azimuth": -1}),
    ("a battery has both figures", {"battery_kwh": 5, "battery_kw": 2.5},
     {"battery_kwh": 5, "battery_kw": 0}),
    ("a battery's power needs capacity", {"battery_kwh": 0, "battery_kw": 0},
     {"battery_kwh": 0, "battery_kw": 2}),
    ("flexible up to half", {"flexible_share": 0.5}, {"flexible_share": 0.51}),
    ("no negative flexibility", {"flexible_share": 0}, {"flexible_share": -0.1}),
    ("a fixed share above zero", {"coefficient": 0.001}, {"coefficient": 0}),
    ("a known kind", {"kind": "school"}, {"kind": "castle"}),
    ("a known status", {"status": "withdrawn"}, {"status": "maybe"}),
    ("a valid roof", {"roof": Polygon(((0, 0), (1, 0), (1, 1), (0, 1), (0, 0)), srid=4326)},
     {"roof": Polygon(((0, 0), (1, 1), (1, 0), (0, 1), (0, 0)), srid=4326)}),  # a bow tie
]


@pytest.mark.parametrize(("what", "good", "bad"), PLEDGE_CASES,
                         ids=[c[0] for c in PLEDGE_CASES])
def test_a_pledge_check(what, good, bad, planner):
    pledge = pledge_row(community_make(planner))
    assert not refused(Pledge, pledge.pk, **good), what
    assert refused(Pledge, pledge.pk, **bad), what


def test_one_pledge_per_member_and_community(planner, citizen):
    community = community_make(planner)
    pledge_row(community, citizen)
    pledge_row(community_make(planner, slug="another"), citizen)  # another community: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        pledge_row(community, citizen)


def test_an_option_has_a_known_key_and_a_price_of_zero_or_more(planner):
    option = option_row(community_make(planner))
    assert not refused(SharingOption, option.pk, key="equal", internal_price="0")
    assert refused(SharingOption, option.pk, key="lottery")
    assert refused(SharingOption, option.pk, internal_price="-0.01")


def test_an_option_is_offered_once_per_key_and_price(planner):
    community = community_make(planner)
    option_row(community, "demand", "0.10")
    option_row(community, "demand", "0.12")
    option_row(community, "equal", "0.10")
    with pytest.raises(IntegrityError), transaction.atomic():
        option_row(community, "demand", "0.1000")


def test_an_options_proposal_is_of_its_own_communitys_project(planner):
    community = community_make(planner)
    other = community_make(planner, slug="other")
    option = option_row(community)
    elsewhere = option_row(other, "equal")
    assert refused(SharingOption, option.pk, proposal=elsewhere.proposal)
    assert not refused(SharingOption, option.pk, proposal=option.proposal)


def test_a_chosen_option_is_the_communitys_own(planner):
    community = community_make(planner)
    other = community_make(planner, slug="other")
    own, foreign = option_row(community), option_row(other)
    assert refused(Community, community.pk, chosen_option=foreign)
    assert not refused(Community, community.pk, chosen_option=own)
    assert not refused(Community, community.pk, chosen_option=None)


def test_one_queued_or_running_simulation_per_community(planner):
    community = community_make(planner)
    first = SimulationRun.objects.create(community=community)
    with pytest.raises(IntegrityError), transaction.atomic():
        SimulationRun.objects.create(community=community)
    SimulationRun.objects.filter(pk=first.pk).update(status="done", progress=100)
    second = SimulationRun.objects.create(community=community)  # the first has finished
    assert refused(SimulationRun, second.pk, status="running") is False
    SimulationRun.objects.create(community=community_make(planner, slug="other"))


def test_a_run_reports_its_progress_its_failure_and_its_end(planner):
    run = SimulationRun.objects.create(community=community_make(planner))
    assert not refused(SimulationRun, run.pk, progress=100)
    assert refused(SimulationRun, run.pk, progress=101)
    assert refused(SimulationRun, run.pk, status="failed", error="")
    assert not refused(SimulationRun, run.pk, status="failed", error="The engine refused.")
    assert refused(SimulationRun, run.pk, status="done", progress=99)
    assert not refused(SimulationRun, run.pk, status="done", progress=100)
    assert refused(SimulationRun, run.pk, status="lost")


def test_a_member_has_one_result_per_run(planner):
    community = community_make(planner)
    pledge = pledge_row(community, user_make())
    run = SimulationRun.objects.create(community=community, status="done", progress=100)
    MemberResult.objects.create(run=run, pledge=pledge, results={})
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberResult.objects.create(run=run, pledge=pledge, results={})
    MemberResult.objects.create(run=run, pledge=pledge_row(community, user_make()),
                                results={})
