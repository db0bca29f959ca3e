"""Random communities, every key: the energy balances close for each member, in total
and hour by hour, no flow is negative, and the engine gives what the straightforward
per-hour pandas implementation of the same rules gives (bench/energy_reference.py)."""

from functools import lru_cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.energy_reference import reference_simulate
from energy.simulation import KINDS, SHARING_KEYS, Members, Site, Tariff, prepare, simulate
from energy.simulation.results import MEMBER_ARRAYS, MONTHLY
from energy.simulation.weather import site_weather

SITE = Site(latitude=48.2, longitude=16.4, altitude_m=180)
TARIFF = Tariff(import_price=0.30, export_price=0.07, internal_price=0.14, sharing_fee=0.02)
RANDOM = settings(max_examples=40, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow])
TIGHT = {"rel": 1e-9, "abs": 1e-9}


@lru_cache(maxsize=1)
def weather():
    return site_weather(SITE)


def member_columns(draw, n):
    def column(strategy):
        return np.array(draw(st.lists(strategy, min_size=n, max_size=n)), dtype=float)

    has_pv = column(st.booleans())
    has_battery = column(st.booleans())
    return dict(
        kind=column(st.integers(0, len(KINDS) - 1)).astype(int),
        yearly_kwh=column(st.one_of(st.just(0.0), st.floats(100, 60_000))),
        kwp=has_pv * column(st.floats(0.5, 40)),
        tilt=column(st.floats(0, 90)),
        azimuth=column(st.floats(0, 360)),
        battery_kwh=has_battery * column(st.floats(1, 30)),
        battery_kw=has_battery * column(st.floats(0.5, 10)),
        flexible_share=column(st.sampled_from([0.0, 0.0, 0.1, 0.3, 0.5])),
        coefficient=column(st.one_of(st.just(np.nan), st.floats(0, 1))),
    )


@st.composite
def communities(draw, max_members=40):
    n = draw(st.integers(1, max_members))
    members = Members(**member_columns(draw, n))
    groups = np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    first = draw(st.integers(0, 360))
    days = draw(st.integers(1, min(4, 365 - first)))
    return members, groups, first, days


def supply_of(members):
    return prepare(SITE, members)


def assert_balances_close(result, groups):
    # Per member, and in total.
    for part in (slice(None), np.ones(len(result), dtype=bool)):
        generation = result.generation[part]
        assert generation == pytest.approx(
            result.self_consumed[part] + result.shared_out[part] + result.grid_export[part]
            + result.battery_losses[part], **TIGHT)
        assert result.demand[part] == pytest.approx(
            result.self_consumed[part] + result.received[part] + result.grid_import[part],
            **TIGHT)
    totals = result.totals()
    assert totals["generation_kwh"] == pytest.approx(
        totals["self_consumed_kwh"] + totals["shared_kwh"] + totals["grid_export_kwh"]
        + totals["battery_losses_kwh"], **TIGHT)
    assert totals["demand_kwh"] == pytest.approx(
        totals["self_consumed_kwh"] + totals["received_kwh"] + totals["grid_import_kwh"],
        **TIGHT)
    for label in np.unique(groups):
        inside = groups == label
        assert result.shared_out[inside].sum() == pytest.approx(
            result.received[inside].sum(), **TIGHT)
    for name in ("generation", "demand", "self_consumed", "shared_out", "received",
                 "grid_import", "grid_export", "battery_charged", "battery_discharged",
                 "battery_losses", "baseline_cost", "co2_avoided_kg"):
        assert (getattr(result, name) >= -1e-9).all(), name
    assert 0.0 <= totals["self_consumption"] <= 1.0
    assert 0.0 <= totals["self_sufficiency"] <= 1.0
    for name in MONTHLY:
        assert result.monthly[name].sum() == pytest.approx(
            getattr(result, name).sum(), **TIGHT)


def assert_hours_balance(result, groups):
    hours = result.hourly
    charged, discharged = hours["battery_charged"], hours["battery_discharged"]
    np.testing.assert_allclose(
        hours["generation"],
        hours["self_consumed"] + hours["shared_out"] + hours["grid_export"] + charged
        - discharged, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(
        hours["demand"], hours["self_consumed"] + hours["received"] + hours["grid_import"],
        rtol=1e-9, atol=1e-9)
    for name, values in hours.items():
        assert (values >= -1e-12).all(), name
    # Received at most the deficit, given at most the surplus, and given = received in
    # each group and hour.
    surplus = np.maximum(hours["generation"] - hours["demand"], 0.0)
    deficit = np.maximum(hours["demand"] - hours["generation"], 0.0)
    assert (hours["received"] <= deficit + 1e-9).all()
    assert (hours["shared_out"] <= surplus + 1e-9).all()
    for label in np.unique(groups):
        inside = groups == label
        np.testing.assert_allclose(hours["shared_out"][inside].sum(axis=0),
                                   hours["received"][inside].sum(axis=0),
                                   rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("key", SHARING_KEYS)
@RANDOM
@given(community=communities())
def test_every_balance_closes_for_random_communities(key, community):
    members, groups, first, days = community
    supply = supply_of(members).days(first, days)
    result = simulate(members, supply, key=key, groups=groups, tariff=TARIFF, hourly=True)
    assert_balances_close(result, groups)
    assert_hours_balance(result, groups)
    assert result.demand == pytest.approx(
        members.yearly_kwh * supply.demand_shape[members.kind].sum(axis=1), **TIGHT)


@pytest.mark.parametrize("key", SHARING_KEYS)
def test_every_balance_closes_each_hour_of_a_small_communitys_year(key):
    # Group 0 generates more than it uses at noon, so its batteries fill; group 1's
    # shop generates for its neighbours.
    members = Members.build(
        6, kind=[0, 0, 1, 2, 4, 6], yearly_kwh=[2500, 1500, 8000, 3000, 9000, 1200],
        kwp=[8.0, 0.0, 25.0, 0.0, 12.0, 4.0], tilt=[35, 30, 10, 30, 90, 20],
        azimuth=[180, 180, 135, 180, 225, 90], battery_kwh=[10, 0, 0, 15, 0, 5],
        battery_kw=[5, 0, 0, 4, 0, 2.5], flexible_share=[0.3, 0.2, 0, 0, 0.1, 0],
        coefficient=[np.nan, 0.2, np.nan, 0.3, np.nan, np.nan])
    groups = np.array([0, 0, 1, 1, 1, 0])
    result = simulate(members, supply_of(members), key=key, groups=groups, tariff=TARIFF,
                      hourly=True)
    assert_balances_close(result, groups)
    assert_hours_balance(result, groups)
    assert result.shared_out.sum() > 100 and result.battery_discharged.sum() > 100
    assert result.demand == pytest.approx(members.yearly_kwh, rel=1e-9)


def test_the_balance_check_notices_a_lost_kilowatt_hour():
    """The twin: the checks above fail when one member's export is off by a little."""
    members = Members.build(2, yearly_kwh=[3000.0, 4000.0], kwp=[6.0, 0.0])
    groups = np.zeros(2)
    result = simulate(members, supply_of(members), key="demand", groups=groups,
                      tariff=TARIFF)
    assert_balances_close(result, groups)
    result.grid_export[0] += 1e-3
    with pytest.raises(AssertionError):
        assert_balances_close(result, groups)


@pytest.mark.parametrize("key", SHARING_KEYS)
@settings(max_examples=15, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(community=communities(max_members=12))
def test_the_engine_equals_the_per_hour_pandas_reference(key, community):
    members, groups, first, days = community
    supply = supply_of(members).days(first, days)
    ours = simulate(members, supply, key=key, groups=groups, tariff=TARIFF)
    reference = reference_simulate(members, supply, key=key, groups=groups, tariff=TARIFF)
    for name in MEMBER_ARRAYS:
        np.testing.assert_allclose(getattr(ours, name), reference[name], rtol=1e-9,
                                   atol=1e-9, err_msg=name)
    for name in MONTHLY:
        np.testing.assert_allclose(ours.monthly[name], reference["monthly"][name],
                                   rtol=1e-9, atol=1e-9, err_msg=name)


def test_the_reference_comparison_notices_another_rule():
    """The twin: the reference tells the keys apart, so agreeing with it means something."""
    members = Members.build(3, yearly_kwh=[2000.0, 3000.0, 9000.0], kwp=[10.0, 0.0, 0.0],
                            coefficient=[0.0, 0.9, 0.1])
    groups = np.zeros(3)
    supply = supply_of(members).days(170, 2)
    fixed = simulate(members, supply, key="fixed", groups=groups, tariff=TARIFF)
    by_demand = reference_simulate(members, supply, key="demand", groups=groups,
                                   tariff=TARIFF)
    assert not np.allclose(fixed.received, by_demand["received"], rtol=1e-3)
