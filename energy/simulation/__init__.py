"""Energy communities' hourly simulation over a year: PV by pvlib, demand by demandlib's
BDEW profiles, sharing by key inside groups, batteries, the grid (docs/energy-model.md).

Plain Python and numpy: nothing here imports Django, so a worker, a benchmark or a
notebook runs it alike.
"""

from energy.simulation.engine import Supply, prepare, simulate
from energy.simulation.inputs import (
    DEFAULT_CLEAR_SKY_INDEX,
    HOURS,
    KINDS,
    SHARING_KEYS,
    YEAR,
    Members,
    Site,
    Tariff,
)
from energy.simulation.results import Result
from energy.simulation.weather import clear_sky_index_from_irradiation

__all__ = ["DEFAULT_CLEAR_SKY_INDEX", "HOURS", "KINDS", "SHARING_KEYS", "YEAR", "Members",
           "Result", "Site", "Supply", "Tariff", "clear_sky_index_from_irradiation", "prepare",
           "simulate"]
