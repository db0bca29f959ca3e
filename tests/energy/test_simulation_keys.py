"""Each rule of docs/energy-model.md on small communities whose every hour is known: a
hand-made supply of one or two days, so the expected figures follow from the rule."""

import numpy as np
import pytest

from energy.simulation import KINDS, Members, Supply, Tariff, simulate

TARIFF = Tariff(import_price=0.30, export_price=0.08, internal_price=0.15)
NOON = 12
EVENING = 19


def supply(pv_rows, orientation, *, days=1, shape=None) -> Supply:
    """PV rows (kWh per kWp per hour) and every kind using its yearly use evenly over
    the hours (1 kWh an hour for a yearly use of 24 a day), or `shape` for all kinds."""
    hours = 24 * days
    rows = np.array([np.resize(row, hours) for row in pv_rows] + [np.zeros(hours)])
    shape = np.full(hours, 1.0 / hours) if shape is None else np.asarray(shape) / np.sum(shape)
    return Supply(pv=rows, orientations=np.zeros((len(pv_rows), 2)),
                  orientation=np.asarray(orientation, dtype=np.intp),
                  demand_shape=np.tile(shape, (len(KINDS), 1)),
                  month=np.zeros(hours, dtype=np.intp))


def at_noon(kwh: float) -> np.ndarray:
    row = np.zeros(24)
    row[NOON] = kwh
    return row


def run(members, supply_, key, groups=None, tariff=TARIFF):
    groups = np.zeros(len(members)) if groups is None else np.asarray(groups)
    return simulate(members, supply_, key=key, groups=groups, tariff=tariff, hourly=True)


def giver_and_two_takers(coefficient=(np.nan, np.nan, np.nan)):
    """A member generating 3 kWh at noon and using 1 kWh every hour (a surplus of 2 at
    noon), and two members without PV who need 1 and 3 kWh at noon."""
    members = Members.build(3, yearly_kwh=[24.0, 24.0, 72.0], kwp=[3.0, 0.0, 0.0],
                            coefficient=list(coefficient))
    return members, supply([at_noon(1.0)], [0, 1, 1])


def noon(result, name):
    return result.hourly[name][:, NOON]


def test_the_demand_key_gives_each_the_same_share_of_its_deficit():
    members, supply_ = giver_and_two_takers()
    result = run(members, supply_, "demand")
    surplus, deficits = 2.0, np.array([1.0, 3.0])
    assert noon(result, "received")[1:] == pytest.approx(deficits * surplus / deficits.sum())
    assert noon(result, "shared_out")[0] == pytest.approx(surplus)


def test_the_equal_key_levels_the_takers():
    members, supply_ = giver_and_two_takers()
    result = run(members, supply_, "equal")
    # 2 kWh for deficits of 1 and 3: one each (the level λ = 1).
    assert noon(result, "received")[1:] == pytest.approx([1.0, 1.0])
    # The twin: a small deficit is served in full and the rest goes to the other.
    small = Members.build(3, yearly_kwh=[24.0, 12.0, 72.0], kwp=[3.0, 0.0, 0.0])
    result = run(small, supply_, "equal")
    assert noon(result, "received")[1:] == pytest.approx([0.5, 1.5])


def test_the_fixed_key_does_not_pass_on_an_allocation_its_member_cannot_use():
    members, supply_ = giver_and_two_takers(coefficient=(0.0, 0.8, 0.2))
    result = run(members, supply_, "fixed")
    # β × S: 1.6 for a deficit of 1, 0.4 for a deficit of 3; the unused 0.6 is exported.
    assert noon(result, "received")[1:] == pytest.approx([1.0, 0.4])
    assert noon(result, "shared_out")[0] == pytest.approx(1.4)
    assert noon(result, "grid_export")[0] == pytest.approx(0.6)
    # The twin: by demand, the same surplus all reaches the takers.
    assert noon(run(members, supply_, "demand"), "grid_export")[0] == pytest.approx(0.0)


def test_fixed_shares_without_coefficients_follow_yearly_use():
    members, supply_ = giver_and_two_takers()  # yearly use 24, 24 and 72
    result = run(members, supply_, "fixed")
    assert noon(result, "received")[1:] == pytest.approx([2.0 * 24 / 120, 2.0 * 72 / 120])
    # Given coefficients keep their share; the others share what is left by use.
    mixed, _ = giver_and_two_takers(coefficient=(np.nan, 0.25, np.nan))
    result = run(mixed, supply_, "fixed")
    rest = 0.75 * 72 / (24 + 72)
    assert noon(result, "received")[1:] == pytest.approx([min(1.0, 0.5), 2.0 * rest])


def test_sharing_stays_inside_each_group():
    members, supply_ = giver_and_two_takers()
    apart = run(members, supply_, "demand", groups=[1, 2, 2])
    assert apart.received.sum() == apart.shared_out.sum() == 0.0
    assert apart.grid_export[0] == pytest.approx(2.0)
    together = run(members, supply_, "demand", groups=[1, 1, 2])
    assert together.received.tolist() == pytest.approx([0.0, 1.0, 0.0])
    assert together.shared_out[0] == pytest.approx(1.0)


def test_the_sharing_fee_changes_money_only():
    members, supply_ = giver_and_two_takers()
    free = run(members, supply_, "equal")
    fee = Tariff(import_price=0.30, export_price=0.08, internal_price=0.15, sharing_fee=0.04)
    paid = run(members, supply_, "equal", tariff=fee)
    for name in ("generation", "demand", "self_consumed", "shared_out", "received",
                 "grid_import", "grid_export"):
        assert getattr(paid, name).tolist() == getattr(free, name).tolist()
    assert paid.cost - free.cost == pytest.approx(0.04 * free.received)
    assert paid.totals()["savings"] < free.totals()["savings"]


def test_money_and_co2_follow_the_flows():
    members, supply_ = giver_and_two_takers()
    result = run(members, supply_, "demand")
    assert result.baseline_cost == pytest.approx(members.yearly_kwh * 0.30)
    assert result.cost == pytest.approx(result.grid_import * 0.30 - result.grid_export * 0.08
                                        + result.received * 0.15 - result.shared_out * 0.15)
    assert result.savings == pytest.approx(result.baseline_cost - result.cost)
    assert result.co2_avoided_kg == pytest.approx(
        (result.demand - result.grid_import) * 0.25)


def test_flexible_use_follows_the_sun_and_keeps_each_days_total():
    morning_sun = np.zeros(24)
    morning_sun[9:15] = 1.0
    supply_ = supply([morning_sun], [0], days=2)
    rigid = run(Members.build(1, yearly_kwh=48.0, kwp=3.0), supply_, "equal")
    flexible = run(Members.build(1, yearly_kwh=48.0, kwp=3.0, flexible_share=0.5),
                   supply_, "equal")
    daily = flexible.hourly["demand"][0].reshape(2, 24).sum(axis=1)
    assert daily == pytest.approx(rigid.hourly["demand"][0].reshape(2, 24).sum(axis=1))
    # 3 kWh of sun in each of 6 hours: 1 used each hour without flexibility; with half
    # of the day's 24 kWh moved into those hours, 0.5 + 12 / 6 = 2.5 used in each.
    assert flexible.hourly["demand"][0][10] == pytest.approx(0.5 + 0.5 * 24 / 6)
    assert rigid.self_consumed[0] == pytest.approx(2 * 6 * 1.0)
    assert flexible.self_consumed[0] == pytest.approx(2 * 6 * 2.5)


def test_flexible_use_without_own_pv_follows_the_groups_and_else_stays():
    supply_ = supply([at_noon(1.0)], [0, 1])
    pair = Members.build(2, yearly_kwh=[0.0, 24.0], kwp=[2.0, 0.0], flexible_share=[0, 0.5])
    result = run(pair, supply_, "demand")
    assert result.hourly["demand"][1][NOON] == pytest.approx(0.5 + 12.0)
    assert result.received[1] == pytest.approx(2.0)
    # The twin: alone, without PV in its group, nothing moves.
    apart = run(pair, supply_, "demand", groups=[0, 1])
    assert apart.hourly["demand"][1] == pytest.approx(np.ones(24))


def test_a_battery_stores_its_own_surplus_for_the_evening_and_loses_a_tenth():
    supply_ = supply([at_noon(1.0)], [0])
    member = Members.build(1, yearly_kwh=24.0, kwp=5.0, battery_kwh=10.0, battery_kw=3.0)
    result = run(member, supply_, "equal")
    # Noon: 5 generated, 1 used, 3 charged (the power limit), 1 exported.
    assert result.hourly["battery_charged"][0][NOON] == pytest.approx(3.0)
    assert result.grid_export[0] == pytest.approx(1.0)
    # Afterwards 1 kWh an hour out of 2.7 stored: 2.7 kWh given back in all.
    assert result.battery_discharged[0] == pytest.approx(3.0 * 0.9)
    assert result.hourly["battery_discharged"][0][NOON + 1] == pytest.approx(1.0)
    assert result.battery_losses[0] == pytest.approx(0.3)
    assert result.self_consumed[0] == pytest.approx(1.0 + 2.7)


def test_a_battery_charges_only_from_its_own_members_surplus():
    members, supply_ = giver_and_two_takers(coefficient=(0.0, 0.8, 0.2))
    battery = Members.build(3, yearly_kwh=[24.0, 24.0, 72.0], kwp=[3.0, 0.0, 0.0],
                            coefficient=[0.0, 0.8, 0.2], battery_kwh=[0, 10, 10],
                            battery_kw=[0, 5, 5])
    result = run(battery, supply_, "fixed")
    # The unused allocation is exported, not stored in a neighbour's battery.
    assert result.battery_charged.tolist() == [0.0, 0.0, 0.0]
    assert noon(result, "grid_export")[0] == pytest.approx(0.6)
    # The twin: the giver's own battery stores its leftover.
    own = Members.build(3, yearly_kwh=[24.0, 24.0, 72.0], kwp=[3.0, 0.0, 0.0],
                        coefficient=[0.0, 0.8, 0.2], battery_kwh=[10, 0, 0],
                        battery_kw=[5, 0, 0])
    result = run(own, supply_, "fixed")
    assert result.battery_charged[0] == pytest.approx(0.6)
    assert result.grid_export[0] == pytest.approx(0.0)


def test_a_member_with_a_battery_that_has_no_surplus_never_charges():
    member = Members.build(1, yearly_kwh=24.0, kwp=0.0, battery_kwh=10.0, battery_kw=5.0)
    result = run(member, supply([at_noon(1.0)], [1]), "equal")
    assert result.battery_charged[0] == result.battery_discharged[0] == 0.0
    assert result.grid_import[0] == pytest.approx(24.0)


def test_totals_and_member_totals_give_the_published_figures():
    members, supply_ = giver_and_two_takers()
    result = run(members, supply_, "demand")
    totals = result.totals()
    assert totals["members"] == 3
    assert totals["shared_kwh"] == pytest.approx(totals["received_kwh"])
    assert totals["self_consumption"] == pytest.approx(
        (result.self_consumed.sum() + result.shared_out.sum()) / result.generation.sum())
    assert totals["self_sufficiency"] == pytest.approx(
        (result.self_consumed.sum() + result.received.sum()) / result.demand.sum())
    giver = result.member_totals(0)
    assert giver["members"] == 1 and giver["received_kwh"] == 0.0
    assert giver["shared_kwh"] == pytest.approx(2.0)
    taker = result.member_totals(1)
    assert taker["self_consumption"] == 0.0  # no generation: 0, not a division by zero
    assert set(giver) == set(totals)
    assert result.monthly["shared_out"][0] == pytest.approx(totals["shared_kwh"])
    assert result.monthly["shared_out"][1:].sum() == 0.0
