"""The report's energy section, for a project that is an energy community: the pledged
roofs on a map, each sharing option's simulated outcome beside the members' weighted
vote on it, what the building, district and city scales give, and the assumptions the
simulation rests on with their sources (docs/energy.md).

Read in the report's own snapshot (`snapshot.snapshot_read` calls `energy_read` inside
its transaction) through energy's selectors; the simulated figures are the latest
finished run's, which the report says when it was made and of how many members.
Aggregates only, as everywhere the public reads energy: the community's sums, never a
member's figures (member results are not read at all), and below three members (now or
in the run) no sums and no roofs, only that they are withheld.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from energy import selectors as energy
from energy.models import (
    DEFAULT_CLEAR_SKY_INDEX,
    DEFAULT_TEMPERATURE_C,
    SCALES,
    Community,
    Scope,
    SharingKey,
)
from proposals.models import Project

if TYPE_CHECKING:
    from reports.charts import Basemap

# The run's totals the section shows (energy/runs.py names them).
FIGURES = ("generation_kwh", "demand_kwh", "self_consumed_kwh", "shared_kwh",
           "grid_import_kwh", "grid_export_kwh", "self_consumption", "self_sufficiency",
           "savings", "co2_avoided_kg")
VOTE = ("supporters", "opponents", "abstentions", "support_weight", "oppose_weight",
        "score_weighted", "share", "rank_weighted")
# The 0.25 kg/kWh the model starts from (energy.models.Community.co2_kg_per_kwh).
CO2_DEFAULT = "0.250"


def _totals(simulated: dict | None) -> dict | None:
    if not simulated:
        return None
    return {name: simulated.get(name) for name in FIGURES} | (
        {"pool_members": simulated["pool_members"]} if "pool_members" in simulated else {})


def _area(community: Community):
    """What the map frames: the project's area, or the radius around the installation."""
    if community.scope == Scope.RADIUS:
        circle = community.anchor.transform(3035, clone=True).buffer(community.radius_m, 32)
        return circle.transform(4326, clone=True)
    return community.project.area


def energy_read(project: Project, proposals: list[dict]) -> dict | None:
    """The section's data, or None for a project that is no energy community.
    `proposals`: the report's ranking rows, where each option's vote is read."""
    community = energy.community_of(project)
    if community is None:
        return None
    run = energy.run_latest_done(community)
    public = energy.totals_public(active_members=community.active_members, run=run)
    simulated = run.results.get("totals", {}) if run and public else {}
    votes = {row["id"]: row for row in proposals}
    default = energy.option_default(community)
    options = []
    for option in community.options.select_related("proposal").order_by("pk"):
        vote = votes.get(option.proposal_id)
        outcome = simulated.get(str(option.pk), {})
        options.append({
            "id": option.pk, "proposal": option.proposal_id, "title": option.proposal.title,
            "key": option.key, "internal_price": option.internal_price,
            "chosen": option.pk == community.chosen_option_id,
            "vote": {name: vote[name] for name in VOTE} if vote else None,
            "scales": {scale: _totals(outcome.get(scale)) for scale in SCALES}})
    return {
        "scope": community.scope, "radius_m": community.radius_m,
        "members": community.active_members, "public": public,
        "pledged_kwp": round(community.pledged_kwp, 2) if public else None,
        "area": _area(community),
        "roofs": list(energy.pledges_active(community).order_by("pk")
                      .values_list("roof", flat=True)) if public else [],
        "currency": community.currency,
        "tariffs": {name: getattr(community, name) for name in (
            "import_price", "export_price", "internal_price", "sharing_fee")},
        "co2_kg_per_kwh": community.co2_kg_per_kwh,
        "clear_sky_index": [float(v) for v in community.clear_sky_index],
        "temperature_c": [float(v) for v in community.temperature_c],
        "run": None if run is None else {
            "id": run.pk, "finished_at": run.finished_at, "members": run.members,
            "pool_members": run.results.get("pool", {}).get("members")},
        "scale_option": default.pk if default else None,
        "options": options,
    }


# ------------------------------------------------------------------ the PDF's view


def _percent(share) -> str:
    return "—" if share is None else f"{share * 100:.0f} %"


def _kwh(value) -> str:
    return "—" if value is None else f"{value:,.0f}".replace(",", "\u202f")


def _money(value, currency: str) -> str:
    return "—" if value is None else f"{value:,.0f} {currency}".replace(",", "\u202f")


def _shown(totals: dict | None, currency: str) -> dict | None:
    if totals is None:
        return None
    return {**totals, "self_sufficiency_text": _percent(totals["self_sufficiency"]),
            "self_consumption_text": _percent(totals["self_consumption"]),
            **{f"{name}_text": _kwh(totals[name]) for name in (
                "generation_kwh", "demand_kwh", "shared_kwh", "grid_import_kwh",
                "grid_export_kwh", "co2_avoided_kg")},
            "savings_text": _money(totals["savings"], currency)}


def _scale_label(scale: str) -> str:
    return {"building": _("Building"), "district": _("District"), "city": _("City")}[scale]


def images_needed(energy_data: dict | None) -> int:
    """Maps and charts `energy_view` draws (the report's progress bar counts them)."""
    if not energy_data:
        return 0
    simulated = any(o["scales"]["district"] for o in energy_data["options"])
    return bool(energy_data["roofs"]) + simulated


def energy_view(data: dict, *, base: Basemap, image: Callable[[bytes], str],
                num: Callable) -> dict:
    """The template's section: texts of every figure, the roofs' map, the options'
    chart, the scale comparison of the chosen (else first) option."""
    # Here, not at the top: the snapshot (read by web processes too) needs no matplotlib.
    from reports import energy_charts

    currency = data["currency"]
    options = []
    for o in data["options"]:
        vote = o["vote"]
        options.append({
            **o, "key_label": SharingKey(o["key"]).label,
            "price_text": f"{num(o['internal_price'])} {currency}/kWh",
            "vote_text": None if vote is None else {
                **vote, "support_weight_text": num(vote["support_weight"]),
                "oppose_weight_text": num(vote["oppose_weight"]),
                "score_weighted_text": num(vote["score_weighted"]),
                "share_text": _percent(vote["share"])},
            "district": _shown(o["scales"]["district"], currency)})
    chosen = next((o for o in options if o["id"] == data["scale_option"]), None)
    scales = [] if chosen is None else [
        {"scale": s, "label": _scale_label(s), **(_shown(o, currency) or {}),
         "simulated": o is not None}
        for s, o in ((s, chosen["scales"][s]) for s in SCALES)]
    simulated = [o for o in options if o["district"]]
    return {
        **data, "options": options, "scale_option_title": chosen["title"] if chosen else "",
        "scales": scales if any(s["simulated"] for s in scales) else [],
        "tariffs_text": {name: num(value) for name, value in data["tariffs"].items()},
        "co2_text": num(data["co2_kg_per_kwh"]),
        "co2_default": str(data["co2_kg_per_kwh"]) == CO2_DEFAULT,
        "clear_sky_text": " · ".join(f"{v:g}" for v in data["clear_sky_index"]),
        "clear_sky_default": tuple(data["clear_sky_index"]) == DEFAULT_CLEAR_SKY_INDEX,
        "temperature_text": " · ".join(f"{v:g}" for v in data["temperature_c"]),
        "temperature_default": tuple(data["temperature_c"]) == DEFAULT_TEMPERATURE_C,
        "map": image(energy_charts.roofs_map(base=base, area=data["area"],
                                             roofs=data["roofs"])) if data["roofs"] else "",
        "chart": image(energy_charts.options_chart(simulated)) if simulated else "",
    }
