"""The straightforward way to simulate an energy community: pandas, one hour at a time.

The same rules as energy/simulation (docs/energy-model.md), written the way they read:
for each day, move the flexible use; for each hour, a table of the members, the groups'
sums by `groupby`, the key's allocation, the batteries, the sums. The equal key is
computed the textbook way, by sorting each group's deficits (the engine finds the same
level without sorting). It takes the engine's inputs, the members and the supply that
`prepare` computed (the PV and load shapes are pvlib's and demandlib's on both sides), and
gives the engine's per-member figures. Used by bench/bench_energy_sim.py as the
reference, and by tests/energy as a second, independent reading of the rules.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from energy.simulation import Members, Supply, Tariff
from energy.simulation.results import MEMBER_ARRAYS, MONTHLY

ONE_WAY = math.sqrt(0.90)  # the battery's efficiency each way: 0.90 round trip


def reference_simulate(members: Members, supply: Supply, *, key: str, groups: np.ndarray,
                       tariff: Tariff) -> dict:
    """{name: per-member array} for every name of Result, and "monthly"."""
    table = pd.DataFrame({
        "group": np.asarray(groups), "kwp": members.kwp, "yearly": members.yearly_kwh,
        "kind": members.kind, "orientation": supply.orientation,
        "flexible": members.flexible_share, "capacity": members.battery_kwh,
        "power": members.battery_kw, "coefficient": members.coefficient,
    })
    group = table["group"]
    beta = fixed_beta(table) if key == "fixed" else None
    with_battery = table.index[(table["capacity"] > 0) & (table["power"] > 0)]
    batteries = table.loc[with_battery, ["capacity", "power"]]
    stored = pd.Series(0.0, index=with_battery)
    names = ("generation", "demand", "direct", "shared_out", "received", "grid_import",
             "grid_export", "charged", "discharged")
    sums = pd.DataFrame(0.0, index=table.index, columns=list(names))
    hourly_totals = []  # the community's flows each hour, summed by month at the end
    for day in range(supply.hours // 24):
        hours = list(range(day * 24, day * 24 + 24))
        pv = supply.pv[:, hours][table["orientation"].to_numpy()]
        generation = pd.DataFrame(pv * table["kwp"].to_numpy()[:, None], columns=hours)
        shape = supply.demand_shape[:, hours][table["kind"].to_numpy()]
        demand = pd.DataFrame(shape * table["yearly"].to_numpy()[:, None], columns=hours)
        demand = flexible_day(table, generation, demand)
        for hour in hours:
            flows = hour_flows(table, group, generation[hour], demand[hour], key, beta)
            if len(with_battery):
                charge, discharge = battery_hour(batteries, stored,
                                                 flows["surplus_left"][with_battery],
                                                 flows["deficit_left"][with_battery])
                stored = stored + charge * ONE_WAY
                stored = (stored - discharge / ONE_WAY).clip(lower=0.0)
            else:
                charge = discharge = pd.Series(0.0, index=with_battery)
            hour_sums = pd.DataFrame({
                "generation": generation[hour], "demand": demand[hour],
                "direct": flows["direct"], "shared_out": flows["shared_out"],
                "received": flows["received"],
                "grid_import": flows["deficit_left"].sub(discharge, fill_value=0.0),
                "grid_export": flows["surplus_left"].sub(charge, fill_value=0.0),
                "charged": charge.reindex(table.index, fill_value=0.0),
                "discharged": discharge.reindex(table.index, fill_value=0.0),
            })
            sums += hour_sums
            hourly_totals.append(hour_sums.sum())
    community = pd.DataFrame(hourly_totals)
    community["self_consumed"] = community["direct"] + community["discharged"]
    monthly = (community[list(MONTHLY)].groupby(supply.month[:len(community)]).sum()
               .reindex(range(12), fill_value=0.0))
    return figures(sums, monthly, tariff)


def fixed_beta(table: pd.DataFrame) -> pd.Series:
    """Each member's share of its group's surplus: its coefficient; members without one
    share what is left in proportion to their yearly use; normalised per group."""
    by = table.groupby("group")
    given = table["coefficient"].notna()
    weight = table["coefficient"].fillna(0.0)
    left = (1.0 - weight.groupby(table["group"]).transform("sum")).clip(lower=0.0)
    open_use = table["yearly"].where(~given, 0.0)
    open_total = open_use.groupby(table["group"]).transform("sum")
    weight = weight + (left * open_use / open_total).where(open_total > 0, 0.0)
    total = weight.groupby(table["group"]).transform("sum")
    size = by["group"].transform("size")
    return (weight / total).where(total > 0, 1.0 / size)


def flexible_day(table: pd.DataFrame, generation: pd.DataFrame,
                 demand: pd.DataFrame) -> pd.DataFrame:
    """The day's demand with each member's flexible share of it moved to follow its own
    PV that day, else its group's, else left."""
    own_day = generation.sum(axis=1)
    group_generation = generation.groupby(table["group"]).transform("sum")
    group_day = group_generation.sum(axis=1)
    profile = generation.div(own_day, axis=0).where(own_day > 0, axis=0)
    profile = profile.fillna(group_generation.div(group_day, axis=0)
                             .where((own_day <= 0) & (group_day > 0), axis=0))
    moves = (table["flexible"] > 0) & ((own_day > 0) | (group_day > 0))
    share = table["flexible"].where(moves, 0.0)
    day_total = demand.sum(axis=1)
    moved = profile.fillna(0.0).mul(share * day_total, axis=0)
    return demand.mul(1.0 - share, axis=0) + moved


def hour_flows(table: pd.DataFrame, group: pd.Series, generation: pd.Series,
               demand: pd.Series, key: str, beta: pd.Series | None) -> dict:
    direct = np.minimum(generation, demand)
    surplus = generation - direct
    deficit = demand - direct
    surplus_total = surplus.groupby(group).transform("sum")
    deficit_total = deficit.groupby(group).transform("sum")
    if key == "demand":
        ratio = (surplus_total / deficit_total).clip(upper=1.0).where(deficit_total > 0, 0.0)
        received = deficit * ratio
    elif key == "fixed":
        received = np.minimum(deficit, beta * surplus_total)
    else:
        received = np.minimum(deficit, equal_level(group, deficit, surplus_total))
    received_total = received.groupby(group).transform("sum")
    factor = (received_total / surplus_total).clip(upper=1.0).where(surplus_total > 0, 0.0)
    shared = surplus * factor
    return {"direct": direct, "received": received, "shared_out": shared,
            "surplus_left": surplus - shared, "deficit_left": deficit - received}


def equal_level(group: pd.Series, deficit: pd.Series, surplus_total: pd.Series) -> pd.Series:
    """Each member's group's water level λ: with the group's deficits sorted, the first
    position k where giving everyone from k on as much as the k-th needs would use up
    the surplus S sets λ = (S − what those before k need) / (members from k on); if
    none does, there is enough for all (λ infinite)."""
    frame = pd.DataFrame({"group": group, "deficit": deficit, "surplus": surplus_total})
    frame = frame.sort_values(["group", "deficit"], kind="stable")
    by = frame.groupby("group")
    position = by.cumcount()
    size = by["deficit"].transform("size")
    before = by["deficit"].cumsum() - frame["deficit"]
    remaining = size - position
    fill = before + remaining * frame["deficit"]
    reached = frame[fill >= frame["surplus"]]
    first = reached.groupby("group").head(1)
    level = pd.Series(
        ((first["surplus"] - before[first.index]) / remaining[first.index]).to_numpy(),
        index=first["group"].to_numpy())
    return group.map(level).fillna(np.inf)


def battery_hour(batteries: pd.DataFrame, stored: pd.Series, surplus: pd.Series,
                 deficit: pd.Series) -> tuple[pd.Series, pd.Series]:
    power = batteries["power"]
    room = (batteries["capacity"] - stored).clip(lower=0.0) / ONE_WAY
    charge = np.minimum(np.minimum(surplus, power), room)
    after = stored + charge * ONE_WAY
    discharge = np.minimum(np.minimum(deficit, power), after * ONE_WAY)
    return charge, discharge


def figures(sums: pd.DataFrame, monthly: pd.DataFrame, tariff: Tariff) -> dict:
    result = {
        "generation": sums["generation"], "demand": sums["demand"],
        "self_consumed": sums["direct"] + sums["discharged"],
        "shared_out": sums["shared_out"], "received": sums["received"],
        "grid_import": sums["grid_import"], "grid_export": sums["grid_export"],
        "battery_charged": sums["charged"], "battery_discharged": sums["discharged"],
        "battery_losses": sums["charged"] - sums["discharged"],
    }
    result["baseline_cost"] = result["demand"] * tariff.import_price
    result["cost"] = (result["grid_import"] * tariff.import_price
                      - result["grid_export"] * tariff.export_price
                      + result["received"] * (tariff.internal_price + tariff.sharing_fee)
                      - result["shared_out"] * tariff.internal_price)
    result["savings"] = result["baseline_cost"] - result["cost"]
    result["co2_avoided_kg"] = ((result["demand"] - result["grid_import"])
                                * tariff.co2_kg_per_kwh)
    answer = {name: result[name].to_numpy() for name in MEMBER_ARRAYS}
    answer["monthly"] = {name: monthly[name].to_numpy() for name in MONTHLY}
    return answer
