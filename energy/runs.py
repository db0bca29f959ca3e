"""A simulation run, from the database to the engine and back: the one module that
calls `energy.simulation` (docs/energy.md, docs/energy-model.md).

For each sharing option and each scale the engine simulates a year, hour by hour:

- `building`: members of one building share among themselves (a drawn roof alone);
- `district`: every active member of the community shares with every other;
- `city`: the active members of every community of the municipality pool their
  surplus over the public grid, paying the community's `sharing_fee` per kWh shared.
  What is stored is the community's own members' sums, with the pool's size.

The run stores the community's totals and monthly figures per option and scale in
`SimulationRun.results`, and each member's own in a `MemberResult`. The engine is
imported when a run starts, in the worker: it brings pvlib, pandas and scipy, which no
web process needs.

A run is taken by one delivery of the task at a time (`simulation_claim`): the
delivery holds a PostgreSQL advisory lock on the run for as long as it works, on its
own session, so a worker that dies lets the lock go with its connection, and the
broker's next delivery (acks_late) takes the run over. After `MAX_ATTEMPTS` deliveries
the run fails, saying why, rather than loop on a community that kills its worker.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from energy.models import (
    ACTIVE_RUN,
    KINDS,
    Community,
    MemberResult,
    Pledge,
    PledgeStatus,
    RunStatus,
    SharingOption,
    SimulationRun,
)
from energy.selectors import community_centre

if TYPE_CHECKING:
    from energy import simulation as engine

# Advisory lock class of simulation runs ("PLER"); the run id is the second key.
RUN_LOCK = 0x504C4552
MAX_ATTEMPTS = 3
# The totals of a set of members: the engine's names, summed.
SUMS = {"generation_kwh": "generation", "demand_kwh": "demand",
        "self_consumed_kwh": "self_consumed", "shared_kwh": "shared_out",
        "received_kwh": "received", "grid_import_kwh": "grid_import",
        "grid_export_kwh": "grid_export", "battery_losses_kwh": "battery_losses",
        "cost": "cost", "baseline_cost": "baseline_cost", "savings": "savings",
        "co2_avoided_kg": "co2_avoided_kg"}
PLEDGE_FIELDS = ("pk", "community_id", "building_id", "kind", "yearly_kwh", "pv_kwp",
                 "pv_tilt", "pv_azimuth", "battery_kwh", "battery_kw", "flexible_share",
                 "coefficient")


# ------------------------------------------------------------------ who runs a run


def simulation_claim(run_id: int) -> bool:
    """Take the run for this delivery: False when another live delivery holds it or it
    has finished. A queued run, or a running one whose worker died (its lock is free),
    becomes running with one more attempt; past MAX_ATTEMPTS it fails instead. The
    caller releases the lock (`simulation_release`) once the run's status is final."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [RUN_LOCK, run_id])
        if not cursor.fetchone()[0]:
            return False
    now = timezone.now()
    claimed = SimulationRun.objects.filter(
        pk=run_id, status__in=ACTIVE_RUN, attempts__lt=MAX_ATTEMPTS).update(
        status=RunStatus.RUNNING, attempts=F("attempts") + 1, progress=0,
        started_at=now)
    if claimed:
        return True
    SimulationRun.objects.filter(pk=run_id, status__in=ACTIVE_RUN).update(
        status=RunStatus.FAILED, finished_at=now, error=_(
            "The simulation stopped its worker %(n)s times (memory or time): simulate "
            "fewer members, or ask the operators for a larger worker.") % {"n": MAX_ATTEMPTS})
    simulation_release(run_id)
    return False


def simulation_release(run_id: int) -> None:
    """Let go of the run's lock. On a connection lost meanwhile it went with the session."""
    if connection.connection is None or not connection.is_usable():
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RUN_LOCK, run_id])


def simulation_fail(run_id: int, error: str) -> None:
    """Record why a run failed; a run already finished is left as it is."""
    SimulationRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, finished_at=timezone.now(),
        error=(error or _("The simulation failed."))[:5000])


def simulations_stale(*, minutes: int = 10) -> list[int]:
    """Runs no worker is on: queued for `minutes` (their message was lost: the broker
    was down at commit), or running with their lock free (their worker died and the
    broker did not deliver the task again). Both would otherwise keep their community
    from being simulated ever again (one active run per community)."""
    since = timezone.now() - timedelta(minutes=minutes)
    with connection.cursor() as cursor:
        cursor.execute("SELECT objid FROM pg_locks WHERE locktype = 'advisory' "
                       "AND classid = %s AND objsubid = 2", [RUN_LOCK])
        held = {int(row[0]) for row in cursor.fetchall()}
    stale = SimulationRun.objects.filter(
        Q(status=RunStatus.QUEUED, created_at__lt=since)
        | Q(status=RunStatus.RUNNING, started_at__lt=since))
    return [pk for pk in stale.order_by("pk").values_list("pk", flat=True)[:100]
            if pk not in held]


def _progress(run_id: int, done: int, steps: int) -> None:
    SimulationRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        progress=min(99, done * 100 // steps))


# ------------------------------------------------------------------ the engine's inputs


def utc_offset_hours(zone: str | None = None, year: int = 2025) -> int:
    """The standard (winter) offset of the site's time zone, in whole hours: the
    engine's year has no daylight saving time."""
    tz = ZoneInfo(zone or settings.TIME_ZONE)
    moment = datetime(year, 1, 1, 12, tzinfo=tz)
    return round((moment.utcoffset() - moment.dst()).total_seconds() / 3600)


def _site(community: Community) -> engine.Site:
    from energy import simulation as engine

    centre = community_centre(community)
    return engine.Site(latitude=float(centre.y), longitude=float(centre.x),
                       utc_offset_hours=utc_offset_hours(),
                       clear_sky_index=tuple(float(v) for v in community.clear_sky_index),
                       temperature_c=tuple(float(v) for v in community.temperature_c))


def _members(rows: list[dict]) -> engine.Members:
    from energy import simulation as engine

    def column(name: str) -> np.ndarray:
        return np.array([float(r[name]) for r in rows], dtype=float)

    return engine.Members(
        kind=np.array([KINDS.index(r["kind"]) for r in rows], dtype=int),
        yearly_kwh=column("yearly_kwh"), kwp=column("pv_kwp"), tilt=column("pv_tilt"),
        azimuth=column("pv_azimuth"), battery_kwh=column("battery_kwh"),
        battery_kw=column("battery_kw"), flexible_share=column("flexible_share"),
        coefficient=np.array([np.nan if r["coefficient"] is None else float(r["coefficient"])
                              for r in rows], dtype=float))


def _tariff(community: Community, option: SharingOption, *, city: bool) -> engine.Tariff:
    from energy import simulation as engine

    return engine.Tariff(import_price=float(community.import_price),
                         export_price=float(community.export_price),
                         internal_price=float(option.internal_price),
                         sharing_fee=float(community.sharing_fee) if city else 0.0,
                         co2_kg_per_kwh=float(community.co2_kg_per_kwh))


def building_groups(building_ids: list[int | None]) -> np.ndarray:
    """One label per building; a member without one (a drawn roof) is alone."""
    labels: dict[tuple, int] = {}
    return np.array([labels.setdefault(("building", b) if b is not None else ("alone", i),
                                       len(labels))
                     for i, b in enumerate(building_ids)], dtype=int)


def _pledges(community: Community) -> tuple[list[dict], list[dict]]:
    """The community's active pledges, and those of the rest of its municipality's
    communities (the city pool beyond it), each in a stable order."""
    active = Pledge.objects.filter(status=PledgeStatus.ACTIVE).order_by("community_id", "pk")
    own = list(active.filter(community=community).values(*PLEDGE_FIELDS))
    others = list(active.filter(
        community__project__municipality_id=community.project.municipality_id)
        .exclude(community=community).values(*PLEDGE_FIELDS))
    return own, others


def inputs_digest(community: Community, options: list[SharingOption], own: list[dict],
                  others: list[dict]) -> str:
    """What the run simulated, as a SHA-256: a later run of the same inputs has the
    same digest, so a reader can tell whether the figures are current."""
    data = {"site": [str(community_centre(community).ewkt), list(community.clear_sky_index),
                     list(community.temperature_c)],
            "tariff": [str(community.import_price), str(community.export_price),
                       str(community.sharing_fee), str(community.co2_kg_per_kwh)],
            "options": [[o.pk, o.key, str(o.internal_price)] for o in options],
            "own": [[r[f] for f in PLEDGE_FIELDS] for r in own],
            "others": [[r[f] for f in PLEDGE_FIELDS] for r in others]}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


# ------------------------------------------------------------------ the engine's outputs


def subset_totals(result: engine.Result, index: np.ndarray) -> dict:
    """The totals of some members of a simulation (the community's own in the city
    pool), by the engine's rules for its totals."""
    totals = {key: float(np.sum(getattr(result, name)[index])) for key, name in SUMS.items()}
    generation, demand = totals["generation_kwh"], totals["demand_kwh"]
    totals["self_consumption"] = ((totals["self_consumed_kwh"] + totals["shared_kwh"])
                                  / generation if generation > 0 else 0.0)
    totals["self_sufficiency"] = ((totals["self_consumed_kwh"] + totals["received_kwh"])
                                  / demand if demand > 0 else 0.0)
    totals["members"] = len(index)
    return totals


def _plain(values: dict) -> dict:
    """Engine figures as JSON numbers."""
    return {key: int(value) if key == "members" else float(value)
            for key, value in values.items()}


def _monthly(result: engine.Result) -> dict:
    return {name: [float(v) for v in values] for name, values in result.monthly.items()}


# ------------------------------------------------------------------ the run


def simulation_execute(run_id: int) -> None:
    """Simulate a claimed run's community and store what it gives (module docstring).
    Raises what the engine raises (ValueError for inputs it refuses); the caller
    records the failure."""
    from energy import simulation as engine

    run = SimulationRun.objects.select_related("community__project").get(pk=run_id)
    community = run.community
    options = list(community.options.order_by("pk"))
    own, others = _pledges(community)
    if not own or not options:
        raise ValueError(_("Nothing to simulate: the community needs an active pledge and "
                           "a sharing option."))
    steps = 2 + 3 * len(options) + 1
    site = _site(community)
    members = _members(own)
    supply = engine.prepare(site, members)
    _progress(run_id, 1, steps)
    pool, pool_supply = members, supply
    if others:
        pool = _members(own + others)
        pool_supply = engine.prepare(site, pool)
    _progress(run_id, 2, steps)

    n = len(own)
    scales = {
        "building": (members, supply, building_groups([r["building_id"] for r in own])),
        "district": (members, supply, np.zeros(n, dtype=int)),
        "city": (pool, pool_supply, np.zeros(n + len(others), dtype=int)),
    }
    own_index = np.arange(n)
    totals, monthly = {}, {}
    per_member = [{} for _row in own]
    done = 2
    for option in options:
        key = str(option.pk)
        totals[key], monthly[key] = {}, {}
        for scale, (who, prepared, groups) in scales.items():
            result = engine.simulate(who, prepared, key=option.key, groups=groups,
                                     tariff=_tariff(community, option, city=scale == "city"))
            if scale == "city":
                totals[key][scale] = {**subset_totals(result, own_index),
                                      "pool_members": n + len(others)}
            else:
                totals[key][scale] = _plain(result.totals())
            monthly[key][scale] = _monthly(result)
            for i, member in enumerate(per_member):
                member.setdefault(key, {})[scale] = _plain(result.member_totals(i))
            done += 1
            _progress(run_id, done, steps)

    results = {"totals": totals, "monthly": monthly,
               "pool": {"members": n + len(others),
                        "communities": len({r["community_id"] for r in own + others})},
               "options": {str(o.pk): {"key": o.key, "internal_price": str(o.internal_price)}
                           for o in options}}
    with transaction.atomic():
        MemberResult.objects.filter(run_id=run_id).delete()
        MemberResult.objects.bulk_create(
            [MemberResult(run_id=run_id, pledge_id=row["pk"], results=figures)
             for row, figures in zip(own, per_member, strict=True)], batch_size=1000)
        stored = SimulationRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
            status=RunStatus.DONE, progress=100, finished_at=timezone.now(), members=n,
            results=results, error="",
            inputs_digest=inputs_digest(community, options, own, others))
        if not stored:  # failed or taken over meanwhile: keep what that says
            transaction.set_rollback(True)
