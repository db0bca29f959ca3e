"""PV yield per orientation: the AC energy of 1 kWp each hour (docs/energy-model.md, "PV").

The model is pvlib's ModelChain with a PVWatts system: Hay–Davies transposition,
physical (Fresnel) incidence losses, no spectral loss, SAPM cell temperature of an open
rack glass–polymer module, PVWatts DC (γ −0.4 %/K), PVWatts' default 14 % system losses
and its inverter (nominal efficiency 0.96). A city has as many orientations as roofs,
and one ModelChain run costs ~45 ms here, most of it the solar position it computes
again for every array: 5,000 roofs would wait minutes. So this module makes the same
pvlib calls ModelChain makes, in the same order and with the same parameters, once for
a block of orientations at a time (numpy broadcasting: orientations × hours), on the one
solar position of the site. tests/energy/test_simulation_pvlib.py runs pvlib's own
ModelChain beside it and requires the same hourly energy.
"""

from __future__ import annotations

import numpy as np
from pvlib import iam, inverter, irradiance, pvsystem, temperature
from pvlib.temperature import TEMPERATURE_MODEL_PARAMETERS

from energy.simulation.weather import Weather

PDC0_W = 1000.0  # 1 kWp: a member's yield is its kWp times its orientation's row
GAMMA_PDC = -0.004  # per K: crystalline silicon modules' datasheets give −0.35 to −0.45 %
INVERTER_ETA = 0.96  # PVWatts' nominal inverter efficiency
ALBEDO = 0.25  # pvlib's default ground reflectance (an Array without a surface type)
CELL_TEMPERATURE = TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_polymer"]
# PVWatts' losses (soiling 2, shading 3, mismatch 2, wiring 2, connections 0.5, light-
# induced degradation 1.5, nameplate 1, availability 3 %), combined: 14.08 %.
LOSSES_PERCENT = float(pvsystem.pvwatts_losses())
BLOCK_ORIENTATIONS = 128  # orientations computed at once: ~4 MB per intermediate array


def module_parameters() -> dict:
    """The PVWatts module and inverter of 1 kWp, as a pvlib PVSystem takes them."""
    return {"module": {"pdc0": PDC0_W, "gamma_pdc": GAMMA_PDC},
            "inverter": {"pdc0": PDC0_W, "eta_inv_nom": INVERTER_ETA},
            "temperature": dict(CELL_TEMPERATURE)}


def orientation_key(tilt: np.ndarray, azimuth: np.ndarray) -> np.ndarray:
    """(tilt, azimuth) rounded to whole degrees, azimuth 360 read as 0: an array (M, 2).
    A degree changes a roof's yield by well under 1 %, and rounding lets neighbours
    with the same roof share one computation."""
    return np.column_stack([np.round(tilt), np.mod(np.round(azimuth), 360.0)])


def orientation_yields(weather: Weather, orientations: np.ndarray, *,
                       rows: int | None = None) -> np.ndarray:
    """kWh of AC energy per kWp for each orientation (rows: (tilt, azimuth) in degrees)
    and each hour of the year: an array (K, hours), or (rows, hours) with the rows past
    K left at zero (written in place: a city's K × 8,760 is tens of MB)."""
    orientations = np.asarray(orientations, dtype=np.float64).reshape(-1, 2)
    hours = len(weather.frame)
    yields = np.zeros((max(rows or 0, len(orientations)), hours))
    frame = weather.frame
    # Without light on the horizontal there is none on any plane: those hours are 0,
    # exactly as ModelChain's (its DC power is 0 and its AC is set to 0).
    lit = np.flatnonzero(frame["ghi"].to_numpy() > 0)
    if lit.size == 0 or len(orientations) == 0:
        return yields
    sun = weather.solar_position
    inputs = {
        "apparent_zenith": sun["apparent_zenith"].to_numpy()[lit],
        "azimuth": sun["azimuth"].to_numpy()[lit],
        "dni": frame["dni"].to_numpy()[lit],
        "ghi": frame["ghi"].to_numpy()[lit],
        "dhi": frame["dhi"].to_numpy()[lit],
        "dni_extra": weather.dni_extra()[lit],
        "temp_air": frame["temp_air"].to_numpy()[lit],
        "wind_speed": frame["wind_speed"].to_numpy()[lit],
    }
    for start in range(0, len(orientations), BLOCK_ORIENTATIONS):
        block = orientations[start:start + BLOCK_ORIENTATIONS]
        yields[start:start + len(block), lit] = _ac_kwh(block[:, :1], block[:, 1:], inputs)
    return yields


def _ac_kwh(tilt: np.ndarray, azimuth: np.ndarray, inputs: dict) -> np.ndarray:
    """ModelChain(aoi_model='physical', spectral_model='no_loss', losses_model='pvwatts',
    temperature_model='sapm') on a PVWatts system, for tilt and azimuth columns (K, 1)
    against the hours' rows: its prepare_inputs, then its run_model's steps."""
    zenith, sun_azimuth = inputs["apparent_zenith"], inputs["azimuth"]
    aoi = irradiance.aoi(tilt, azimuth, zenith, sun_azimuth)
    poa = irradiance.get_total_irradiance(
        tilt, azimuth, zenith, sun_azimuth, inputs["dni"], inputs["ghi"], inputs["dhi"],
        dni_extra=inputs["dni_extra"], albedo=ALBEDO, model="haydavies")
    aoi_modifier = iam.physical(aoi)
    spectral_modifier = 1.0
    effective = spectral_modifier * (poa["poa_direct"] * aoi_modifier + poa["poa_diffuse"])
    cell = temperature.sapm_cell(poa["poa_global"], inputs["temp_air"],
                                 inputs["wind_speed"], **CELL_TEMPERATURE)
    dc = pvsystem.pvwatts_dc(effective, cell, PDC0_W, GAMMA_PDC)
    dc = dc * ((100 - LOSSES_PERCENT) / 100.0)
    ac = inverter.pvwatts(dc, PDC0_W, eta_inv_nom=INVERTER_ETA)
    # Each value is the mean power over its hour, in W, so Wh: kWh per kWp.
    return np.nan_to_num(ac, nan=0.0) / 1000.0
