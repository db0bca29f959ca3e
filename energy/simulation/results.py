"""What a simulation gives back: each member's year, the community's months, and the
figures pages and reports show (docs/energy-model.md, "Results")."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from energy.simulation.inputs import Tariff

# Per member, kWh over the simulated period (money in the tariff's currency, CO2 in kg).
MEMBER_ARRAYS = ("generation", "demand", "self_consumed", "shared_out", "received",
                 "grid_import", "grid_export", "battery_charged", "battery_discharged",
                 "battery_losses", "cost", "baseline_cost", "savings", "co2_avoided_kg")
# Community totals per month.
MONTHLY = ("generation", "demand", "self_consumed", "shared_out", "grid_import",
           "grid_export")
# Hourly flows per member, kept only when asked (simulate(..., hourly=True)).
HOURLY = ("generation", "demand", "self_consumed", "shared_out", "received",
          "grid_import", "grid_export", "battery_charged", "battery_discharged")


@dataclass(frozen=True)
class Result:
    generation: np.ndarray
    demand: np.ndarray
    self_consumed: np.ndarray
    shared_out: np.ndarray
    received: np.ndarray
    grid_import: np.ndarray
    grid_export: np.ndarray
    battery_charged: np.ndarray
    battery_discharged: np.ndarray
    battery_losses: np.ndarray
    cost: np.ndarray
    baseline_cost: np.ndarray
    savings: np.ndarray
    co2_avoided_kg: np.ndarray
    monthly: dict[str, np.ndarray] = field(default_factory=dict)
    hourly: dict[str, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.generation)

    def totals(self) -> dict:
        """The community's figures: kWh, the two rates (0 to 1), money, CO2, members."""
        return _figures({name: float(np.sum(getattr(self, name))) for name in MEMBER_ARRAYS},
                        members=len(self))

    def member_totals(self, index: int) -> dict:
        """The same figures for one member (its position in Members)."""
        return _figures({name: float(getattr(self, name)[index]) for name in MEMBER_ARRAYS},
                        members=1)


def _ratio(part: float, whole: float) -> float:
    # Clipped: the parts are sums of the whole's parts and may exceed it by rounding.
    return min(max(part / whole, 0.0), 1.0) if whole > 0 else 0.0


def _figures(sums: dict[str, float], *, members: int) -> dict:
    return {
        "generation_kwh": sums["generation"],
        "demand_kwh": sums["demand"],
        "self_consumed_kwh": sums["self_consumed"],
        "shared_kwh": sums["shared_out"],
        "received_kwh": sums["received"],
        "grid_import_kwh": sums["grid_import"],
        "grid_export_kwh": sums["grid_export"],
        "battery_losses_kwh": sums["battery_losses"],
        # Of what the members generate, the share used in the community, at once or
        # through a battery; of what they use, the share that came from the community.
        "self_consumption": _ratio(sums["self_consumed"] + sums["shared_out"],
                                   sums["generation"]),
        "self_sufficiency": _ratio(sums["self_consumed"] + sums["received"], sums["demand"]),
        "cost": sums["cost"],
        "baseline_cost": sums["baseline_cost"],
        "savings": sums["savings"],
        "co2_avoided_kg": sums["co2_avoided_kg"],
        "members": members,
    }


def priced(flows: dict[str, np.ndarray], tariff: Tariff) -> dict[str, np.ndarray]:
    """Each member's money and CO2 from its energy flows.

    Baseline: every kWh bought from the grid. With the community: imports bought,
    exports sold, what a member receives paid at the internal price plus the grid's
    sharing fee, what it gives paid to it at the internal price."""
    baseline = flows["demand"] * tariff.import_price
    cost = (flows["grid_import"] * tariff.import_price
            - flows["grid_export"] * tariff.export_price
            + flows["received"] * (tariff.internal_price + tariff.sharing_fee)
            - flows["shared_out"] * tariff.internal_price)
    return {"cost": cost, "baseline_cost": baseline, "savings": baseline - cost,
            "co2_avoided_kg": (flows["demand"] - flows["grid_import"]) * tariff.co2_kg_per_kwh}
