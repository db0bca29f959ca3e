"""What energy holds about a person, for their export and erasure
(accounts/privacy_registry.py): their pledges (roof, consumption, what they bring) and
their own figures in each simulation.

Erasure deletes both: a pledge is not part of the public debate, it describes a home
or a business. The community's published sums of runs made before then still include
the pledge, as any aggregate does, until the community is simulated again; they never
show one member's figures, and a community left with fewer than three members publishes
none (energy/selectors.py). Who requested a simulation is a planner's work record: the
run stays and loses the name (SET NULL). Registered by `EnergyConfig.ready()`.
"""

from __future__ import annotations

import json

from accounts.privacy_registry import PrivacySection, iso_or_none, privacy_section_register
from energy.models import MemberResult, Pledge


def _pledges_export(user) -> list:
    results: dict[int, list] = {}
    for row in (MemberResult.objects.filter(pledge__member=user)
                .select_related("run").order_by("run__created_at", "pk")):
        results.setdefault(row.pledge_id, []).append({
            "simulation": row.run_id, "finished_at": iso_or_none(row.run.finished_at),
            "results": row.results})
    return [
        {"community": p.community_id, "project": p.community.project.title,
         "building": p.building_id, "roof": json.loads(p.roof.json), "kind": p.kind,
         "yearly_kwh": p.yearly_kwh, "pv_kwp": p.pv_kwp, "pv_tilt": p.pv_tilt,
         "pv_azimuth": p.pv_azimuth, "battery_kwh": p.battery_kwh,
         "battery_kw": p.battery_kw, "flexible_share": p.flexible_share,
         "coefficient": p.coefficient, "status": p.status,
         "created_at": iso_or_none(p.created_at), "updated_at": iso_or_none(p.updated_at),
         "simulations": results.get(p.pk, [])}
        for p in Pledge.objects.filter(member=user).select_related("community__project")
        .order_by("pk")]


def _pledges_erase(user) -> None:
    MemberResult.objects.filter(pledge__member=user).delete()
    Pledge.objects.filter(member=user).delete()


privacy_section_register(PrivacySection(
    name="energy_pledges", order=66, export=_pledges_export, erase=_pledges_erase,
    covers=("energy.Pledge.member",)))
