"""A typical year's weather at the site, from pvlib's clear-sky model scaled by the
months' clear-sky indices (docs/energy-model.md, "Weather").

No weather file and no network: pvlib's Ineichen model with its bundled Linke turbidity
climatology gives the clear-sky irradiance anywhere, and the planner's monthly
clear-sky index (or the stated default) says how much of it reaches the ground.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pvlib.irradiance import erbs, get_extra_radiation
from pvlib.location import Location

from energy.simulation.inputs import HOURS, YEAR, Site

WIND_SPEED = 1.0  # m/s: a calm roof; only the cell temperature uses it


@dataclass(frozen=True)
class Weather:
    """Hourly values over the year, at each hour's midpoint (a year of 8,760 hours).

    `frame` holds what pvlib's ModelChain.run_model takes (ghi, dni, dhi, temp_air,
    wind_speed); `solar_position` is pvlib's, computed as ModelChain computes it (with
    the hour's air temperature for refraction), so both see the same sun."""

    location: Location
    frame: pd.DataFrame
    solar_position: pd.DataFrame
    month: np.ndarray  # 0..11 for each hour
    clear_sky_ghi: np.ndarray  # W/m², before the clear-sky index

    @property
    def times(self) -> pd.DatetimeIndex:
        return self.frame.index

    def dni_extra(self) -> np.ndarray:
        return np.asarray(get_extra_radiation(self.times), dtype=np.float64)


def year_times(site: Site) -> pd.DatetimeIndex:
    """The midpoints of the year's hours in the site's standard time: 00:30 is the value
    for 00:00–01:00. An hour's energy is its mean power, which the power at its middle
    approaches far better than the power at its start."""
    return pd.date_range(f"{YEAR}-01-01 00:30", periods=HOURS, freq="h", tz=site.timezone)


def site_location(site: Site) -> Location:
    return Location(site.latitude, site.longitude, tz=site.timezone,
                    altitude=site.altitude_m)


def site_weather(site: Site) -> Weather:
    times = year_times(site)
    location = site_location(site)
    month = np.asarray(times.month, dtype=np.intp) - 1
    temp_air = np.asarray(site.temperature_c, dtype=np.float64)[month]
    solar_position = location.get_solarposition(
        times, temperature=pd.Series(temp_air, index=times))
    clear = location.get_clearsky(times, model="ineichen", solar_position=solar_position)
    clear_ghi = np.asarray(clear["ghi"], dtype=np.float64)
    ghi = clear_ghi * np.asarray(site.clear_sky_index, dtype=np.float64)[month]
    split = erbs(pd.Series(ghi, index=times), solar_position["zenith"], times)
    frame = pd.DataFrame({"ghi": ghi, "dni": np.asarray(split["dni"], dtype=np.float64),
                          "dhi": np.asarray(split["dhi"], dtype=np.float64),
                          "temp_air": temp_air, "wind_speed": WIND_SPEED}, index=times)
    return Weather(location=location, frame=frame, solar_position=solar_position,
                   month=month, clear_sky_ghi=clear_ghi)


def clear_sky_monthly_kwh_m2(site: Site) -> tuple[float, ...]:
    """The model's clear-sky irradiation on the horizontal for each month, kWh/m²."""
    times = year_times(site)
    month = np.asarray(times.month, dtype=np.intp) - 1
    location = site_location(site)
    temp_air = pd.Series(np.asarray(site.temperature_c)[month], index=times)
    clear = location.get_clearsky(times, model="ineichen", solar_position=(
        location.get_solarposition(times, temperature=temp_air)))
    sums = np.bincount(month, weights=np.asarray(clear["ghi"], dtype=np.float64),
                       minlength=12)
    return tuple(float(v) / 1000.0 for v in sums)


def clear_sky_index_from_irradiation(site: Site, monthly_kwh_m2) -> tuple[float, ...]:
    """The monthly clear-sky indices that make the model's irradiation equal a measured
    one: a city's monthly global horizontal irradiation in kWh/m² (PVGIS's monthly
    data, NASA POWER's ALLSKY_SFC_SW_DWN times the month's days) divided by the
    model's clear sky there. A month above the clear sky is refused: wrong units or
    place, most likely."""
    measured = np.asarray([float(v) for v in monthly_kwh_m2])
    if measured.shape != (12,) or not np.all(np.isfinite(measured)) or (measured < 0).any():
        raise ValueError("monthly irradiation: 12 numbers of kWh/m² (0 or more) expected.")
    clear = np.asarray(clear_sky_monthly_kwh_m2(site))
    index = measured / clear
    for month, (value, sky) in enumerate(zip(index, clear, strict=True), start=1):
        if value > 1.0:
            raise ValueError(f"monthly irradiation: month {month} has "
                             f"{measured[month - 1]:.0f} kWh/m², more than the clear sky's "
                             f"{sky:.0f} there; kWh/m² for the month expected.")
    # The index is bounded below as Site requires (polar nights, a month of fog).
    return tuple(float(v) for v in np.maximum(index, 0.05))
