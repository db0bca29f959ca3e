"""energy/runs.py, between the database and the engine: what it hands the engine for each
option and scale, and what it stores. The engine is a recording stand-in here (its own
rules are tests/energy/test_simulation_*'s); test_task.py runs the real one in a worker."""

from __future__ import annotations

import sys
from types import ModuleType, SimpleNamespace

import numpy as np
import pytest

import energy
from energy import runs
from energy.models import MemberResult, RunStatus, SimulationRun
from municipalities.models import Municipality
from tests.energy.conftest import (
    BUILDING_LONS,
    LAT,
    community_make,
    features,
    option_row,
    pledge_make,
    pledge_row,
    rectangle,
)

pytestmark = pytest.mark.django_db


class StubResult:
    """Each member uses what they make and trades the rest with the grid."""

    def __init__(self, members):
        self.generation = members.kwp * 1000.0
        self.demand = members.yearly_kwh.copy()
        self.self_consumed = np.minimum(self.generation, self.demand)
        zeros = np.zeros(len(self.demand))
        self.shared_out = self.received = zeros
        self.battery_charged = self.battery_discharged = self.battery_losses = zeros
        self.grid_import = self.demand - self.self_consumed
        self.grid_export = self.generation - self.self_consumed
        self.cost = self.baseline_cost = self.savings = self.co2_avoided_kg = zeros
        self.monthly = {"generation": np.full(12, self.generation.sum() / 12)}

    def totals(self) -> dict:
        return runs.subset_totals(self, np.arange(len(self.demand)))

    def member_totals(self, i: int) -> dict:
        return runs.subset_totals(self, np.array([i]))


@pytest.fixture
def stub(monkeypatch):
    """A stand-in `energy.simulation` that records what it is given."""
    calls = SimpleNamespace(prepared=[], simulated=[])
    module = ModuleType("energy.simulation")
    module.Site = module.Members = module.Tariff = SimpleNamespace

    def prepare(site, members):
        calls.prepared.append((site, members))
        return ("supply", len(members.kind))

    def simulate(members, supply, *, key, groups, tariff):
        assert supply == ("supply", len(members.kind))  # prepared for these members
        calls.simulated.append(SimpleNamespace(members=members, key=key,
                                               groups=groups.tolist(), tariff=tariff))
        return StubResult(members)

    module.prepare, module.simulate = prepare, simulate
    monkeypatch.setitem(sys.modules, "energy.simulation", module)
    monkeypatch.setattr(energy, "simulation", module, raising=False)
    return calls


def running(community) -> SimulationRun:
    return SimulationRun.objects.create(community=community, status=RunStatus.RUNNING,
                                        attempts=1)


@pytest.fixture
def made(planner, buildings):
    """Four members (two in one building, one in another, one drawn roof), two options."""
    community = community_make(planner, building_layer=buildings)
    first, second = features(buildings)[:2]
    members = [pledge_make(community, building=first, pv_kwp=3),
               pledge_make(community, building=first, pv_kwp=0, kind="shop"),
               pledge_make(community, building=second, pv_kwp=5, coefficient=2),
               pledge_make(community, roof=rectangle(BUILDING_LONS[3], LAT), pv_kwp=1)]
    options = [option_row(community, "demand", "0.10"), option_row(community, "fixed", "0.08")]
    return SimpleNamespace(community=community, members=members, options=options)


def test_each_option_is_simulated_at_three_scales_and_stored(stub, made):
    run = running(made.community)
    runs.simulation_execute(run.pk)
    run.refresh_from_db()
    assert (run.status, run.progress, run.members) == (RunStatus.DONE, 100, 4)
    assert len(run.inputs_digest) == 64 and run.finished_at
    assert len(stub.simulated) == 2 * 3 and len(stub.prepared) == 1  # no one else pledged
    generation = 1000.0 * (3 + 0 + 5 + 1)
    for option in made.options:
        by_scale = run.results["totals"][str(option.pk)]
        assert set(by_scale) == {"building", "district", "city"}
        assert all(t["generation_kwh"] == generation for t in by_scale.values())
        assert by_scale["city"]["pool_members"] == 4
        assert run.results["monthly"][str(option.pk)]["district"]["generation"] == \
            pytest.approx([generation / 12] * 12)
    assert run.results["pool"] == {"members": 4, "communities": 1}
    assert run.results["options"][str(made.options[1].pk)] == {"key": "fixed",
                                                              "internal_price": "0.0800"}


def test_each_member_gets_their_own_figures(stub, made):
    run = running(made.community)
    runs.simulation_execute(run.pk)
    rows = {r.pledge_id: r.results for r in MemberResult.objects.filter(run=run)}
    assert set(rows) == {p.pk for p in made.members}
    for pledge in made.members:
        figures = rows[pledge.pk][str(made.options[0].pk)]
        assert set(figures) == {"building", "district", "city"}
        assert figures["district"]["generation_kwh"] == pledge.pv_kwp * 1000
        assert figures["city"]["demand_kwh"] == pledge.yearly_kwh
        assert figures["district"]["members"] == 1


def test_the_scales_share_by_building_by_community_and_by_city(stub, made, planner):
    others = community_make(planner, slug="neighbours")
    pledge_make(others, roof=rectangle(BUILDING_LONS[2], LAT), pv_kwp=2)
    pledge_row(others, status="withdrawn")
    abroad = community_make(planner, slug="abroad")
    abroad.project.municipality = Municipality.objects.create(slug="b-town", name="B")
    abroad.project.save()
    pledge_row(abroad)
    run = running(made.community)
    runs.simulation_execute(run.pk)
    building, district, city = stub.simulated[:3]
    assert building.groups[0] == building.groups[1] != building.groups[2]
    assert len(set(building.groups)) == 3 and len(building.groups) == 4
    assert district.groups == [0, 0, 0, 0]
    assert city.groups == [0] * 5 and len(city.members.kind) == 5
    assert city.members.kwp.tolist()[:4] == [p.pv_kwp for p in made.members]  # own first
    assert (building.tariff.sharing_fee, district.tariff.sharing_fee) == (0.0, 0.0)
    assert city.tariff.sharing_fee == float(made.community.sharing_fee) > 0
    assert {c.tariff.internal_price for c in stub.simulated[:3]} == {0.10}
    assert {c.key for c in stub.simulated[3:]} == {"fixed"}
    run.refresh_from_db()
    assert run.results["pool"] == {"members": 5, "communities": 2}
    city_totals = run.results["totals"][str(made.options[0].pk)]["city"]
    assert (city_totals["members"], city_totals["pool_members"]) == (4, 5)
    assert city_totals["generation_kwh"] == 1000.0 * 9  # the community's own members only


def test_the_engine_gets_the_members_figures_and_the_sites_weather(stub, made):
    made.community.clear_sky_index = [0.6] * 12
    made.community.save()
    runs.simulation_execute(running(made.community).pk)
    site, members = stub.prepared[0]
    centre = made.community.project.area.point_on_surface
    assert (site.latitude, site.longitude) == pytest.approx((centre.y, centre.x))
    assert site.utc_offset_hours == 1 and site.clear_sky_index == (0.6,) * 12
    assert members.kind.tolist() == [0, 1, 0, 0]  # household, shop: indices into KINDS
    assert np.isnan(members.coefficient[0]) and members.coefficient[2] == 2.0
    tariff = stub.simulated[0].tariff
    assert (tariff.import_price, tariff.export_price, tariff.co2_kg_per_kwh) == (
        float(made.community.import_price), float(made.community.export_price), 0.25)


def test_a_run_failed_meanwhile_keeps_its_failure(stub, made, monkeypatch):
    run = running(made.community)
    simulate = sys.modules["energy.simulation"].simulate

    def fail_meanwhile(*args, **kwargs):
        SimulationRun.objects.filter(pk=run.pk).update(status="failed", error="Stopped.")
        return simulate(*args, **kwargs)

    monkeypatch.setattr(sys.modules["energy.simulation"], "simulate", fail_meanwhile)
    runs.simulation_execute(run.pk)
    run.refresh_from_db()
    assert (run.status, run.error, run.results) == ("failed", "Stopped.", {})
    assert not MemberResult.objects.filter(run=run).exists()


def test_the_digest_tells_whether_the_inputs_changed(stub, made):
    first = running(made.community)
    runs.simulation_execute(first.pk)
    second = running(made.community)  # the first is done
    runs.simulation_execute(second.pk)
    made.members[0].yearly_kwh = 4000
    made.members[0].save()
    third = running(made.community)
    runs.simulation_execute(third.pk)
    first, second, third = (SimulationRun.objects.get(pk=r.pk) for r in (first, second, third))
    assert first.inputs_digest == second.inputs_digest != third.inputs_digest


def test_nothing_to_simulate_is_refused_in_words(stub, planner):
    run = running(community_make(planner))
    with pytest.raises(ValueError, match="Nothing to simulate"):
        runs.simulation_execute(run.pk)
