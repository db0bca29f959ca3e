"""The simulation's PV and demand are pvlib's and demandlib's own: a one-member community
that shares nothing yields exactly what pvlib's ModelChain gives for that array in the
same weather, and uses exactly its BDEW standard load profile."""

import warnings

import numpy as np
import pandas as pd
import pytest
from pvlib.modelchain import ModelChain
from pvlib.pvsystem import PVSystem
from pvlib.temperature import TEMPERATURE_MODEL_PARAMETERS

from energy.simulation import YEAR, Members, Site, Tariff, prepare, simulate
from energy.simulation.weather import clear_sky_index_from_irradiation, site_weather

TARIFF = Tariff(import_price=0.30, export_price=0.08, internal_price=0.15)


def pvlib_yield_kwh(site: Site, tilt: float, azimuth: float) -> np.ndarray:
    """Hourly AC kWh of a 1 kWp PVWatts array by pvlib's ModelChain, as the model says
    (docs/energy-model.md): built here, not by energy/simulation/pv.py."""
    system = PVSystem(
        surface_tilt=tilt, surface_azimuth=azimuth,
        module_parameters={"pdc0": 1000, "gamma_pdc": -0.004},
        inverter_parameters={"pdc0": 1000, "eta_inv_nom": 0.96},
        temperature_model_parameters=TEMPERATURE_MODEL_PARAMETERS["sapm"][
            "open_rack_glass_polymer"])
    weather = site_weather(site)
    chain = ModelChain(system, weather.location, aoi_model="physical",
                       spectral_model="no_loss", losses_model="pvwatts")
    chain.run_model(weather.frame)
    return chain.results.ac.to_numpy() / 1000.0


def one_member(site: Site, *, kwp: float, tilt: float, azimuth: float, kind: int = 0):
    member = Members.build(1, kind=kind, yearly_kwh=4000.0, kwp=kwp, tilt=tilt,
                           azimuth=azimuth)
    return simulate(member, prepare(site, member), key="equal", groups=np.zeros(1),
                    tariff=TARIFF, hourly=True)


PRAGUE = Site(latitude=50.10, longitude=14.39, altitude_m=200)
BARCELONA = Site(latitude=41.39, longitude=2.17, altitude_m=12,
                 clear_sky_index=(0.62, 0.66, 0.68, 0.70, 0.72, 0.75, 0.78, 0.76, 0.71,
                                  0.66, 0.62, 0.60),
                 temperature_c=(10, 11, 13, 15, 18, 22, 25, 25, 22, 19, 14, 11))
SANTIAGO = Site(latitude=-33.45, longitude=-70.67, altitude_m=570, utc_offset_hours=-4)


@pytest.mark.parametrize(("site", "kwp", "tilt", "azimuth"), [
    (PRAGUE, 7.5, 35, 180),
    (PRAGUE, 3.0, 0, 180),
    (BARCELONA, 12.0, 20, 95),
    (BARCELONA, 4.2, 90, 250),
    (SANTIAGO, 5.0, 30, 0),  # a southern roof faces north
])
def test_one_member_yields_what_pvlib_modelchain_gives_for_its_array(site, kwp, tilt,
                                                                      azimuth):
    expected = kwp * pvlib_yield_kwh(site, tilt, azimuth)
    result = one_member(site, kwp=kwp, tilt=tilt, azimuth=azimuth)
    assert expected.sum() > 100 * kwp  # a real yield, not two zeros
    assert result.generation[0] == pytest.approx(expected.sum(), rel=1e-9)
    np.testing.assert_allclose(result.hourly["generation"][0], expected, rtol=1e-9,
                               atol=1e-12)
    # Alone, it shares nothing: what it does not use goes to the grid.
    assert result.shared_out[0] == result.received[0] == 0.0
    assert result.grid_export[0] == pytest.approx(
        result.generation[0] - result.self_consumed[0], rel=1e-9)


def test_another_orientation_yields_differently():
    """The twin: the comparison tells orientations apart (east is not south)."""
    result = one_member(PRAGUE, kwp=7.5, tilt=35, azimuth=90)
    south = 7.5 * pvlib_yield_kwh(PRAGUE, 35, 180)
    assert result.generation[0] < 0.95 * south.sum()


def test_a_roof_is_taken_to_the_whole_degree():
    result = one_member(PRAGUE, kwp=2.0, tilt=34.6, azimuth=179.7)
    whole = 2.0 * pvlib_yield_kwh(PRAGUE, 35, 180)
    exact = 2.0 * pvlib_yield_kwh(PRAGUE, 34.6, 179.7)
    assert result.generation[0] == pytest.approx(whole.sum(), rel=1e-9)
    assert result.generation[0] != pytest.approx(exact.sum(), rel=1e-9)
    assert result.generation[0] == pytest.approx(exact.sum(), rel=1e-3)


def test_the_default_clear_sky_index_gives_central_europes_measured_irradiation():
    """docs/energy-model.md: Ineichen's clear sky at 50° N is ~1,600 kWh/m² a year, and
    the default index 0.69 brings it into the measured 1,000–1,200 kWh/m²."""
    weather = site_weather(PRAGUE)
    clear = weather.clear_sky_ghi.sum() / 1000
    ground = weather.frame["ghi"].sum() / 1000
    assert 1550 < clear < 1650
    assert 1000 < ground < 1200
    assert ground == pytest.approx(0.69 * clear, rel=1e-9)
    # A cloudier city's own values give less.
    cloudy = Site(latitude=50.10, longitude=14.39, clear_sky_index=(0.45,) * 12)
    assert site_weather(cloudy).frame["ghi"].sum() / 1000 < 800


def bdew_hourly(profile: str) -> np.ndarray:
    from demandlib import bdew

    with warnings.catch_warnings():
        quarters = bdew.ElecSlp(YEAR).get_profiles(profile)[profile]
    hourly = quarters.resample("h").sum().to_numpy()
    return hourly / hourly.sum()


@pytest.mark.parametrize(("kind", "profile"), [(0, "h0_dyn"), (1, "g4"), (2, "g1"),
                                               (3, "g1"), (4, "g2"), (5, "g0"),
                                               (6, "g3")])
def test_a_member_uses_its_kinds_bdew_profile_scaled_to_its_yearly_use(kind, profile):
    member = Members.build(1, kind=kind, yearly_kwh=4321.0)
    result = simulate(member, prepare(PRAGUE, member), key="demand", groups=[0],
                      tariff=TARIFF, hourly=True)
    assert result.demand[0] == pytest.approx(4321.0, rel=1e-12)
    np.testing.assert_allclose(result.hourly["demand"][0], 4321.0 * bdew_hourly(profile),
                               rtol=1e-9)
    # The twin: another profile is another shape.
    other = "g2" if profile != "g2" else "g0"
    assert not np.allclose(result.hourly["demand"][0], 4321.0 * bdew_hourly(other),
                           rtol=1e-3)


def test_preparing_leaves_the_process_warning_filters_as_they_were():
    """demandlib turns every warning into an error process-wide; prepare keeps that in."""
    from energy.simulation import demand

    demand._shapes.cache_clear()
    before = list(warnings.filters)
    prepare(PRAGUE, Members.build(1, yearly_kwh=1000.0))
    assert warnings.filters == before
    # The twin: demandlib unguarded does change them.
    from demandlib import bdew

    with warnings.catch_warnings():
        bdew.ElecSlp(YEAR)
        assert warnings.filters[0][0] == "error"
    assert warnings.filters == before


def test_hours_are_the_sites_standard_time_at_their_midpoints():
    times = site_weather(SANTIAGO).times
    assert len(times) == 8760
    assert times[0] == pd.Timestamp(f"{YEAR}-01-01 00:30", tz="Etc/GMT+4")
    assert times[-1] == pd.Timestamp(f"{YEAR}-12-31 23:30", tz="Etc/GMT+4")


def test_a_citys_measured_monthly_irradiation_becomes_its_clear_sky_indices():
    measured = (52, 72, 112, 145, 170, 175, 180, 160, 118, 85, 55, 45)  # kWh/m² a month
    index = clear_sky_index_from_irradiation(BARCELONA, measured)
    site = Site(latitude=BARCELONA.latitude, longitude=BARCELONA.longitude,
                altitude_m=BARCELONA.altitude_m, clear_sky_index=index,
                temperature_c=BARCELONA.temperature_c)
    weather = site_weather(site)
    monthly = np.bincount(weather.month, weights=weather.frame["ghi"].to_numpy()) / 1000
    np.testing.assert_allclose(monthly, measured, rtol=1e-9)


@pytest.mark.parametrize(("values", "message"), [
    ((150,) * 11, "12 numbers"),
    ((300,) * 12, "month 1 has 300 kWh/m², more than the clear sky's"),
    ((-1,) + (100,) * 11, "12 numbers"),
])
def test_measured_irradiation_that_cannot_be_right_is_refused(values, message):
    with pytest.raises(ValueError, match=message):
        clear_sky_index_from_irradiation(BARCELONA, values)


def test_a_subset_of_members_simulates_alike_on_the_taken_supply():
    members = Members.build(4, yearly_kwh=[3000.0, 5000.0, 2500.0, 9000.0],
                            kwp=[5.0, 0.0, 8.0, 12.0], tilt=[35, 30, 20, 10],
                            azimuth=[180, 180, 120, 250], kind=[0, 0, 1, 2])
    supply = prepare(PRAGUE, members)
    chosen = np.array([3, 0])
    taken = simulate(members.take(chosen), supply.take(chosen), key="demand",
                     groups=[0, 0], tariff=TARIFF)
    subset = members.take(chosen)
    fresh = simulate(subset, prepare(PRAGUE, subset), key="demand", groups=[0, 0],
                     tariff=TARIFF)
    np.testing.assert_allclose(taken.generation, fresh.generation, rtol=1e-12)
    np.testing.assert_allclose(taken.received, fresh.received, rtol=1e-12, atol=1e-12)
    # The twin: the whole supply is not the subset's.
    with pytest.raises(ValueError, match="prepared for 4 members, given 2"):
        simulate(subset, supply, key="demand", groups=[0, 0], tariff=TARIFF)
