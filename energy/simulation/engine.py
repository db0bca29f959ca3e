"""The year of a community, hour by hour, for all members at once (docs/energy-model.md).

`prepare(site, members)` computes what does not depend on how the community shares:
the hourly PV yield of each roof orientation and the hourly load shape of each kind.
`simulate(members, supply, key=…, groups=…, tariff=…)` then runs the year for one
sharing key and one way of grouping the members (a scale), as often as the options to
compare need, on the same supply.

The year is processed in blocks of whole days inside one month, so that no array holds
more than (members × a block's hours) values: 5,000 members over 8,760 hours would be
350 MB per quantity, a block of three days is 2.9 MB. Within a block every step works on
all members and hours at once; only the batteries walk the hours, one after another.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from energy.simulation.battery import Batteries
from energy.simulation.demand import demand_shapes, shift_flexible
from energy.simulation.inputs import KINDS, SHARING_KEYS, Members, Site, Tariff
from energy.simulation.pv import orientation_key, orientation_yields
from energy.simulation.results import HOURLY, MEMBER_ARRAYS, MONTHLY, Result, priced
from energy.simulation.sharing import Groups, fixed_shares, received_by_key, shared_out
from energy.simulation.weather import site_weather

BLOCK_VALUES = 400_000  # members × hours per block: ~3 MB per array, within the caches


@dataclass(frozen=True)
class Supply:
    """What `simulate` needs besides the members, for every hour of the period.

    pv: (orientations + 1, hours) AC kWh per kWp; the last row is zeros, for members
    without an array. orientations: (orientations, 2) tilt and azimuth in whole degrees.
    orientation: (members,) each member's row of `pv`. demand_shape: (len(KINDS), hours)
    each kind's share of its yearly use per hour (each row sums to 1 over the year).
    month: (hours,) 0 to 11."""

    pv: np.ndarray
    orientations: np.ndarray
    orientation: np.ndarray
    demand_shape: np.ndarray
    month: np.ndarray

    @property
    def hours(self) -> int:
        return self.month.size

    def take(self, index: np.ndarray) -> Supply:
        """The supply of Members.take(index): the same hours, those members' rows."""
        return replace(self, orientation=self.orientation[index])

    def days(self, first: int, count: int) -> Supply:
        """`count` days from day `first` (0 = 1 January): a shorter period, with the
        year's shapes (a member uses there its share of its yearly use)."""
        if first < 0 or count < 1 or (first + count) * 24 > self.hours:
            raise ValueError(f"days {first} to {first + count - 1}: outside the "
                             f"{self.hours // 24} days of the supply.")
        hours = slice(first * 24, (first + count) * 24)
        return replace(self, pv=self.pv[:, hours], demand_shape=self.demand_shape[:, hours],
                       month=self.month[hours])


def prepare(site: Site, members: Members) -> Supply:
    """The site's weather, the PV yield of each distinct orientation among the members
    with an array, and the load shape of each kind."""
    weather = site_weather(site)
    has_pv = members.kwp > 0
    keys = orientation_key(members.tilt[has_pv], members.azimuth[has_pv])
    orientations, inverse = np.unique(keys, axis=0, return_inverse=True)
    orientations = orientations.reshape(-1, 2)
    pv = orientation_yields(weather, orientations, rows=len(orientations) + 1)
    orientation = np.full(len(members), len(orientations), dtype=np.intp)
    orientation[has_pv] = inverse.reshape(-1)
    return Supply(pv=pv, orientations=orientations, orientation=orientation,
                  demand_shape=demand_shapes(), month=weather.month.copy())


def simulate(members: Members, supply: Supply, *, key: str, groups: np.ndarray,
             tariff: Tariff, hourly: bool = False) -> Result:
    """The period for `members` sharing by `key` inside each group of `groups` (one
    label per member). `hourly` keeps every hourly flow per member (members × hours
    arrays: for small communities and tests)."""
    if key not in SHARING_KEYS:
        raise ValueError(f"key {key!r}: one of {', '.join(SHARING_KEYS)} expected.")
    n = len(members)
    groups = np.asarray(groups)
    if groups.shape != (n,):
        raise ValueError(f"groups: {n} labels expected (one per member), got shape "
                         f"{groups.shape}.")
    if supply.orientation.shape != (n,):
        raise ValueError(f"supply: prepared for {supply.orientation.size} members, "
                         f"given {n} (Supply.take selects members).")
    if supply.hours % 24 or supply.demand_shape.shape != (len(KINDS), supply.hours):
        raise ValueError("supply: whole days of hours and a shape per kind expected.")
    run = _Run(members, supply, key, Groups(groups), hourly)
    for start, stop in _blocks(supply.month, n):
        run.block(start, stop)
    return run.result(tariff)


def _blocks(month: np.ndarray, members: int) -> list[tuple[int, int]]:
    """(start, stop) hours of whole days, never across a month's end (so that the
    months' totals are the blocks' sums), about BLOCK_VALUES values each."""
    days = max(1, BLOCK_VALUES // (24 * max(members, 1)))
    blocks = []
    bounds = np.flatnonzero(np.diff(month)) + 1
    for start, stop in zip(np.r_[0, bounds], np.r_[bounds, month.size], strict=True):
        for first in range(int(start), int(stop), days * 24):
            blocks.append((first, min(first + days * 24, int(stop))))
    return blocks


class _Run:
    """One simulation's state: members sorted by group, sums so far, batteries."""

    def __init__(self, members: Members, supply: Supply, key: str, groups: Groups,
                 hourly: bool):
        order = groups.order
        self.supply, self.key, self.groups, self.order = supply, key, groups, order
        self.kwp = members.kwp[order]
        self.yearly = members.yearly_kwh[order]
        self.kind = members.kind[order]
        self.orientation = supply.orientation[order]
        self.flexible = members.flexible_share[order]
        self.flexible_rows = np.flatnonzero(self.flexible > 0)
        self.beta = (fixed_shares(groups, members.coefficient[order], self.yearly)
                     if key == "fixed" else None)
        capacity, power = members.battery_kwh[order], members.battery_kw[order]
        self.battery_rows = np.flatnonzero((capacity > 0) & (power > 0))
        self.batteries = Batteries(capacity[self.battery_rows], power[self.battery_rows])
        n = len(members)
        self.sums = {name: np.zeros(n) for name in
                     ("generation", "demand", "direct", "shared_out", "received",
                      "grid_import", "grid_export", "battery_charged",
                      "battery_discharged")}
        self.monthly = {name: np.zeros(12) for name in MONTHLY}
        self.hourly = ({name: np.zeros((n, supply.hours)) for name in HOURLY}
                       if hourly else None)

    def block(self, start: int, stop: int) -> None:
        groups, rows = self.groups, self.battery_rows
        generation = self.kwp[:, None] * self.supply.pv[:, start:stop][self.orientation]
        demand = self.yearly[:, None] * self.supply.demand_shape[:, start:stop][self.kind]
        if self.flexible_rows.size:
            flex = self.flexible_rows
            group_pv = groups.spread(groups.sum(generation))
            group_pv = np.broadcast_to(group_pv, generation.shape)[flex]
            demand[flex] = shift_flexible(demand[flex], self.flexible[flex],
                                          generation[flex], group_pv)
        direct = np.minimum(generation, demand)
        surplus = generation - direct
        deficit = demand - direct
        surplus_total, deficit_total = groups.sum(surplus), groups.sum(deficit)
        received = received_by_key(self.key, groups, deficit, surplus_total, deficit_total,
                                   self.beta)
        shared, _ = shared_out(groups, surplus, surplus_total, received)
        export = surplus - shared  # what is left of the surplus, before the battery
        imported = deficit - received
        charged = discharged = None
        if rows.size:
            charged, discharged = self.batteries.run(export[rows], imported[rows])
            export[rows] -= charged
            imported[rows] -= discharged
        self._add(start, stop, generation=generation, demand=demand, direct=direct,
                  shared_out=shared, received=received, grid_export=export,
                  grid_import=imported, charged=charged, discharged=discharged)

    def _add(self, start: int, stop: int, *, charged, discharged, **flows) -> None:
        month = int(self.supply.month[start])
        rows = self.battery_rows
        for name, values in flows.items():
            per_member = values.sum(axis=1)
            self.sums[name] += per_member
            # What is used at once is self-consumed, with the batteries' output below.
            in_month = "self_consumed" if name == "direct" else name
            if in_month in self.monthly:
                self.monthly[in_month][month] += per_member.sum()
        if charged is not None:
            self.sums["battery_charged"][rows] += charged.sum(axis=1)
            out = discharged.sum(axis=1)
            self.sums["battery_discharged"][rows] += out
            self.monthly["self_consumed"][month] += out.sum()
        if self.hourly is not None:
            self._keep_hours(start, stop, charged, discharged, flows)

    def _keep_hours(self, start, stop, charged, discharged, flows) -> None:
        hours, rows = self.hourly, self.battery_rows
        for name in ("generation", "demand", "shared_out", "received", "grid_import",
                     "grid_export"):
            hours[name][:, start:stop] = flows[name]
        hours["self_consumed"][:, start:stop] = flows["direct"]
        if charged is not None:
            hours["battery_charged"][rows, start:stop] = charged
            hours["battery_discharged"][rows, start:stop] = discharged
            hours["self_consumed"][rows, start:stop] += discharged

    def result(self, tariff: Tariff) -> Result:
        sums = self.sums
        flows = {
            "generation": sums["generation"], "demand": sums["demand"],
            "self_consumed": sums["direct"] + sums["battery_discharged"],
            "shared_out": sums["shared_out"], "received": sums["received"],
            "grid_import": sums["grid_import"], "grid_export": sums["grid_export"],
            "battery_charged": sums["battery_charged"],
            "battery_discharged": sums["battery_discharged"],
            # Includes what is still stored at the end of the period.
            "battery_losses": sums["battery_charged"] - sums["battery_discharged"],
        }
        flows.update(priced(flows, tariff))
        arrays = {name: self._unsorted(flows[name]) for name in MEMBER_ARRAYS}
        hourly = ({name: self._unsorted(values) for name, values in self.hourly.items()}
                  if self.hourly is not None else None)
        return Result(**arrays, monthly=self.monthly, hourly=hourly)

    def _unsorted(self, values: np.ndarray) -> np.ndarray:
        """Rows in the members' own order again."""
        original = np.empty_like(values)
        original[self.order] = values
        return original
