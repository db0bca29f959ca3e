"""Home batteries behind the member's meter (docs/energy-model.md, "Batteries").

After sharing, a battery stores what is left of its member's own surplus and gives it
back into its member's own remaining deficit, within its capacity and its power, losing
10 % on the round trip. Its charge depends on the hour before, so this is the one loop
over hours; it runs over the members that have a battery, all at once.
"""

from __future__ import annotations

import numpy as np

ROUND_TRIP_EFFICIENCY = 0.90
ONE_WAY = float(np.sqrt(ROUND_TRIP_EFFICIENCY))  # the loss split evenly between in and out


class Batteries:
    """The batteries' state of charge (kWh stored), carried from one block of hours to
    the next; empty on 1 January."""

    def __init__(self, capacity_kwh: np.ndarray, power_kw: np.ndarray):
        self.capacity = np.asarray(capacity_kwh, dtype=np.float64)
        self.power = np.asarray(power_kw, dtype=np.float64)
        self.stored = np.zeros_like(self.capacity)

    def run(self, surplus: np.ndarray, deficit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Charge from `surplus` and discharge into `deficit` ((batteries, hours), kWh
        at the meter), hour after hour: (charged, discharged), both at the meter, each
        at most the battery's power in an hour."""
        surplus_t = np.ascontiguousarray(surplus.T)
        deficit_t = np.ascontiguousarray(deficit.T)
        charged = np.empty_like(surplus_t)
        discharged = np.empty_like(deficit_t)
        stored, capacity, power = self.stored, self.capacity, self.power
        room = np.empty_like(stored)
        for hour in range(surplus_t.shape[0]):
            # What may go in: the surplus, the power, the room left (before the loss).
            np.subtract(capacity, stored, out=room)
            np.maximum(room, 0.0, out=room)
            room /= ONE_WAY
            into = np.minimum(np.minimum(surplus_t[hour], power), room)
            stored += into * ONE_WAY
            # What may come out: the deficit, the power, what is stored (after the loss).
            out = np.minimum(np.minimum(deficit_t[hour], power), stored * ONE_WAY)
            stored -= out / ONE_WAY
            np.maximum(stored, 0.0, out=stored)  # no rounding below empty
            charged[hour] = into
            discharged[hour] = out
        return charged.T, discharged.T
