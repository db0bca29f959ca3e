"""Electricity use: standard load profiles per kind of member, and flexible use moved to
the sunny hours of its day (docs/energy-model.md, "Demand").
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np

from energy.simulation.inputs import HOURS, KINDS, YEAR

# The BDEW standard load profile of each kind, in KINDS' order; docs/energy-model.md
# says why each. The household's is H0 with the dynamisation the BDEW prescribes for it
# (its winter and summer levels), which demandlib names "h0_dyn".
PROFILES = {"household": "h0_dyn", "shop": "g4", "office": "g1", "school": "g1",
            "restaurant": "g2", "workshop": "g0", "public": "g3"}


@lru_cache(maxsize=1)
def _shapes() -> np.ndarray:
    # demandlib is imported only here: it takes half a second to build the profiles.
    from demandlib import bdew

    # ElecSlp turns every warning into an error for the whole process
    # (warnings.simplefilter("error") in create_bdew_load_profiles): keep that inside.
    with warnings.catch_warnings():
        quarters = bdew.ElecSlp(YEAR).get_profiles(*(PROFILES[kind] for kind in KINDS))
    values = quarters.to_numpy(dtype=np.float64)
    if values.shape != (HOURS * 4, len(KINDS)):
        raise RuntimeError(f"demandlib gave {values.shape} quarter-hours, not "
                           f"{(HOURS * 4, len(KINDS))}.")
    # Four quarter-hours (labelled by their start) make an hour; each row then sums to 1.
    hourly = values.reshape(HOURS, 4, len(KINDS)).sum(axis=1).T
    hourly /= hourly.sum(axis=1, keepdims=True)
    hourly.setflags(write=False)
    return hourly


def demand_shapes() -> np.ndarray:
    """(len(KINDS), 8760): each kind's share of its yearly use in each hour."""
    return _shapes().copy()


def shift_flexible(demand: np.ndarray, share: np.ndarray, own_pv: np.ndarray,
                   group_pv: np.ndarray) -> np.ndarray:
    """Each member's demand with `share` of each day's use moved into that day's hours
    in proportion to its own PV, or where it has none that day to its group's, or left
    where the group has none either. All arrays are (members, hours) over whole days,
    except `share` (members,); each day's total is kept."""
    members, hours = demand.shape
    days = hours // 24
    demand3 = demand.reshape(members, days, 24)
    own3 = own_pv.reshape(members, days, 24)
    group3 = group_pv.reshape(members, days, 24)
    day_demand = demand3.sum(axis=2)
    own_day = own3.sum(axis=2)
    group_day = group3.sum(axis=2)
    use_own = own_day > 0
    use_group = ~use_own & (group_day > 0)
    # The day's PV profile the moved use follows (zeros where there is none).
    with np.errstate(invalid="ignore", divide="ignore"):
        profile = np.where(use_own[:, :, None], own3 / own_day[:, :, None],
                           np.where(use_group[:, :, None], group3 / group_day[:, :, None],
                                    0.0))
    moved = np.where(use_own | use_group, share[:, None], 0.0)  # (members, days)
    shifted = (demand3 * (1.0 - moved)[:, :, None]
               + (moved * day_demand)[:, :, None] * profile)
    return shifted.reshape(members, hours)
