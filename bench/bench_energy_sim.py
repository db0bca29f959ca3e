"""energy_sim: 5,000 members of an energy community over 8,760 hours, three sharing keys
at three scales, against a per-hour pandas implementation of the same rules.

Data: a seeded random city district (`community`): households mostly, then shops,
offices, schools, restaurants, workshops and public buildings, each with its kind's
range of yearly use; 45 % with a PV array (flat roofs at 10°, pitched ones at 25–45°
facing east to west), a fifth of those with a battery, a quarter of all members with
some flexible use, a few with a fixed-key coefficient. Members live in buildings of 2
to 6. Prague's latitude, the default clear-sky index.

Scales (docs/energy-model.md, "Scales"): building (each building shares inside itself),
district (one pool), city (one pool over the public grid: a sharing fee per kWh shared).
Keys: fixed, demand, equal. So 9 simulations on one `prepare`d supply.

Ours: energy.simulation.simulate, each run timed (the median of `--runs`); `prepare`
(weather, the PV of each orientation, the load shapes) is timed apart, once.
Reference: bench/energy_reference.py, pandas hour by hour, each run once, on the same
members and supply (the reference takes `prepare`'s PV and load shapes as given).
Each side runs in a process of its own; its peak resident memory is the kernel's
(ru_maxrss), beside its resident memory once the inputs are built.
Checks: every member's figures and the totals of the 9 runs equal on both sides
(relative 1e-9); the bench refuses to print a ratio otherwise.

The reference takes one to two minutes per run at 5,000 members over the year, 12.5
minutes for the 9 (measured, bench/README.md), so by default it runs on a community of
1,000 members (the same generator), where ours runs again for the ratio; ours runs at
5,000 members in any case, and the output says at which size each figure was measured.
`--reference-members 5000` runs the reference at the full size. Its time is mostly
pandas' cost per hour, which fewer members lower less than in proportion.

    .venv/bin/python -m bench.bench_energy_sim [--members 5000] [--days 365] [--runs 3]
        [--reference-members 1000] [--reference-days D] [--seed 22]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import numpy as np

from bench.common import fail, out

NAME = "energy_sim"
MEMBERS = 5_000
REFERENCE_MEMBERS = 1_000  # the reference's 9 runs over the year: ~12 minutes at 5,000
SEED = 22
FIRST_DAY = 0
ROOT = Path(__file__).resolve().parents[1]
KEYS = ("fixed", "demand", "equal")
SCALES = ("building", "district", "city")
SHARING_FEE = 0.03  # per kWh shared over the public grid (city scale)
TOLERANCE = 1e-9
# kind: share of members, yearly kWh range, kWp range if it has PV
MIX = {
    "household": (0.74, (1_500, 6_000), (3, 10)),
    "shop": (0.08, (5_000, 40_000), (5, 30)),
    "office": (0.05, (10_000, 100_000), (10, 60)),
    "school": (0.02, (30_000, 150_000), (20, 100)),
    "restaurant": (0.04, (20_000, 80_000), (5, 30)),
    "workshop": (0.04, (10_000, 60_000), (10, 50)),
    "public": (0.03, (20_000, 200_000), (10, 80)),
}


def community(members: int, seed: int = SEED):
    """(site, members, building label of each member), the same for the same seed."""
    from energy.simulation import KINDS, Members, Site

    rng = np.random.default_rng(seed)
    names = list(MIX)
    kind_name = rng.choice(names, size=members, p=[MIX[name][0] for name in names])
    kind = np.array([KINDS.index(name) for name in kind_name])
    low, high = (np.array([MIX[name][1][i] for name in kind_name]) for i in (0, 1))
    yearly = rng.uniform(low, high)
    has_pv = rng.random(members) < 0.45
    kwp_low, kwp_high = (np.array([MIX[name][2][i] for name in kind_name]) for i in (0, 1))
    kwp = np.where(has_pv, np.round(rng.uniform(kwp_low, kwp_high), 1), 0.0)
    flat = rng.random(members) < 0.3
    tilt = np.where(flat, 10.0, rng.integers(25, 46, members).astype(float))
    azimuth = np.where(flat, 180.0, rng.integers(90, 271, members).astype(float))
    has_battery = has_pv & (rng.random(members) < 0.2)
    battery_kwh = np.where(has_battery, rng.choice([5.0, 7.5, 10.0, 15.0], members), 0.0)
    flexible = np.where(rng.random(members) < 0.25, rng.choice([0.1, 0.2, 0.3], members),
                        0.0)
    coefficient = np.where(rng.random(members) < 0.05, rng.uniform(0.05, 0.3, members),
                           np.nan)
    sizes = rng.integers(2, 7, members)  # buildings of 2 to 6 members
    building = np.repeat(np.arange(members), sizes)[:members]
    site = Site(latitude=50.10, longitude=14.39, altitude_m=200)  # Prague
    return site, Members(kind=kind, yearly_kwh=yearly, kwp=kwp, tilt=tilt, azimuth=azimuth,
                         battery_kwh=battery_kwh, battery_kw=battery_kwh / 2,
                         flexible_share=flexible, coefficient=coefficient), building


def scales(building: np.ndarray) -> dict:
    """Scale: (groups, tariff)."""
    from energy.simulation import Tariff

    prices = {"import_price": 0.30, "export_price": 0.07, "internal_price": 0.15,
              "co2_kg_per_kwh": 0.25}
    one = np.zeros(len(building), dtype=int)
    return {"building": (building, Tariff(**prices)),
            "district": (one, Tariff(**prices)),
            "city": (one, Tariff(**prices, sharing_fee=SHARING_FEE))}


def inputs(members: int, days: int, seed: int):
    """(members, supply, scales) of the bench's community, over `days` from 1 January."""
    from energy.simulation import prepare

    site, people, building = community(members, seed)
    started = time.perf_counter()
    supply = prepare(site, people)
    seconds = time.perf_counter() - started
    if days < 365:
        supply = supply.days(FIRST_DAY, days)
    return people, supply, scales(building), seconds


def status_mb(field: str) -> float:
    """VmRSS (resident now) or VmHWM (the peak since the last reset), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_side(side: str, members: int, days: int, seed: int, runs: int, folder: str) -> dict:
    """One side's 9 simulations in this process: their seconds, each run's per-member
    figures saved in `folder`, the process's memory."""
    from energy.simulation.results import MEMBER_ARRAYS, MONTHLY

    people, supply, by_scale, prepare_seconds = inputs(members, days, seed)
    preparing_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        # Resets the peak (VmHWM, and ru_maxrss with it) to the current RSS: the peak
        # read after the runs is the simulations' own.
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    before = status_mb("VmRSS")
    seconds = {}
    for scale, (groups, tariff) in by_scale.items():
        for key in KEYS:
            times = []
            for _ in range(runs if side == "ours" else 1):
                started = time.perf_counter()
                figures = simulate_side(side, people, supply, key, groups, tariff)
                times.append(time.perf_counter() - started)
            seconds[f"{scale}/{key}"] = median(times)
            np.savez(Path(folder) / f"{scale}-{key}.npz",
                     **{name: figures[name] for name in MEMBER_ARRAYS},
                     **{f"monthly_{name}": figures["monthly"][name] for name in MONTHLY})
    simulating_peak = max(status_mb("VmHWM"),
                          resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return {"seconds": seconds, "prepare_seconds": prepare_seconds,
            "orientations": int(len(supply.orientations)), "before_mb": before,
            "simulating_peak_mb": simulating_peak,
            "peak_mb": max(preparing_peak, simulating_peak)}


def simulate_side(side: str, people, supply, key: str, groups, tariff) -> dict:
    if side == "reference":
        from bench.energy_reference import reference_simulate

        return reference_simulate(people, supply, key=key, groups=groups, tariff=tariff)
    from energy.simulation import simulate
    from energy.simulation.results import MEMBER_ARRAYS

    result = simulate(people, supply, key=key, groups=groups, tariff=tariff)
    return {**{name: getattr(result, name) for name in MEMBER_ARRAYS},
            "monthly": result.monthly}


def child(side: str, members: int, days: int, seed: int, runs: int, folder: str) -> dict:
    """Run one side in a process of its own, its figures saved in `folder` (made); its
    JSON answer."""
    Path(folder).mkdir(exist_ok=True)
    proc = subprocess.run(
        [sys.executable, "-m", "bench.bench_energy_sim", "--side", side,
         "--members", str(members), "--days", str(days), "--seed", str(seed),
         "--runs", str(runs), "--folder", folder],
        cwd=ROOT, capture_output=True, text=True, env=dict(os.environ), check=False)
    if proc.returncode != 0:
        fail(f"the {side} side failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def load(folder: str, scale: str, key: str) -> dict:
    with np.load(Path(folder) / f"{scale}-{key}.npz") as saved:
        return {name: saved[name] for name in saved.files}


def check(ours_folder: str, reference_folder: str) -> str:
    """Every member's figures, the months and the totals of the 9 runs equal on both
    sides, or the bench stops. Equal means to float rounding of the flows they come
    from: within 1e-9 of the member's (or the month's) generation plus demand, the
    largest of its figures (money too, at prices below 1 per kWh). A figure that is
    nearly 0 as a difference of large flows (a district's export) is only rounding on
    either side, and cannot be compared to its own size."""
    from energy.simulation.results import MEMBER_ARRAYS

    worst = 0.0
    for scale in SCALES:
        for key in KEYS:
            ours = load(ours_folder, scale, key)
            reference = load(reference_folder, scale, key)
            members = np.maximum(reference["generation"] + reference["demand"], 1.0)
            months = np.maximum(reference["monthly_generation"]
                                + reference["monthly_demand"], 1.0)
            for name in ours:
                a, b = ours[name], reference[name]
                if a.shape != b.shape:
                    fail(f"{scale}/{key}: {name} has shape {a.shape}, the reference's "
                         f"{b.shape}.")
                relative = np.abs(a - b) / (months if name.startswith("monthly_")
                                            else members)
                if (relative > TOLERANCE).any():
                    at = int(np.argmax(relative))
                    fail(f"{scale}/{key}: {name}[{at}] is {a[at]!r}, the reference's "
                         f"{b[at]!r}.")
                worst = max(worst, float(relative.max()))
            flows = float(members.sum())
            for name in MEMBER_ARRAYS:
                total, expected = float(ours[name].sum()), float(reference[name].sum())
                if abs(total - expected) > TOLERANCE * flows:
                    fail(f"{scale}/{key}: total {name} {total} against {expected}.")
    return (f"check: every member's figures, the months and the totals of the "
            f"{len(SCALES) * len(KEYS)} runs equal the reference's (largest difference "
            f"{worst:.1e} of the flows)")


def figures_line(folder: str) -> list[str]:
    """What each scale and key gives the community, for the reader's sense of it."""
    lines = []
    for scale in SCALES:
        parts = []
        for key in KEYS:
            saved = load(folder, scale, key)
            generation, demand = saved["generation"].sum(), saved["demand"].sum()
            used = (saved["self_consumed"].sum() + saved["shared_out"].sum()) / generation
            sufficient = (saved["self_consumed"].sum() + saved["received"].sum()) / demand
            parts.append(f"{key} {used:.1%} used locally, {sufficient:.1%} self-sufficient, "
                         f"{saved['shared_out'].sum() / 1000:,.0f} MWh shared, "
                         f"{saved['savings'].sum() / 1000:,.0f}k saved")
        lines.append(f"  {scale}: " + "; ".join(parts))
    return lines


def times_line(result: dict) -> str:
    return ", ".join(f"{name} {seconds:.2f}" for name, seconds in result["seconds"].items())


def memory(result: dict) -> str:
    return (f"process peak {result['peak_mb']:.0f} MB resident (ru_maxrss, imports and "
            f"`prepare` included); {result['before_mb']:.0f} MB with the inputs built, "
            f"peak {result['simulating_peak_mb']:.0f} MB while simulating")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench.bench_energy_sim")
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=3, help="ours' runs per simulation")
    parser.add_argument("--reference-members", type=int, default=REFERENCE_MEMBERS)
    parser.add_argument("--reference-days", type=int, default=None)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--side", choices=("ours", "reference"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.side:
        out(json.dumps(run_side(args.side, args.members, args.days, args.seed, args.runs,
                                args.folder)))
        return
    ref_members = min(args.reference_members, args.members)
    ref_days = args.reference_days or args.days
    full = (ref_members, ref_days) == (args.members, args.days)
    out(f"{NAME}: {args.members:,} members, {args.days * 24:,} hours, keys "
        f"{', '.join(KEYS)} at scales {', '.join(SCALES)}; the reference at "
        f"{ref_members:,} members and {ref_days * 24:,} hours")
    with tempfile.TemporaryDirectory(prefix="bench-energy-") as folder:
        ours_folder = same_folder = str(Path(folder) / "ours")
        ours = child("ours", args.members, args.days, args.seed, args.runs, ours_folder)
        out(f"prepare: {ours['prepare_seconds']:.2f} s ({ours['orientations']} roof "
            f"orientations' PV, the load shapes)")
        out(f"ours at {args.members:,} members: {sum(ours['seconds'].values()):.2f} s for "
            f"the 9 runs (median of {args.runs} each: {times_line(ours)}); {memory(ours)}")
        same = ours
        if not full:
            same_folder = str(Path(folder) / "ours-at-reference-size")
            same = child("ours", ref_members, ref_days, args.seed, args.runs, same_folder)
            out(f"ours at {ref_members:,} members, {ref_days * 24:,} hours: "
                f"{sum(same['seconds'].values()):.2f} s ({times_line(same)})")
        reference_folder = str(Path(folder) / "reference")
        reference = child("reference", ref_members, ref_days, args.seed, 1, reference_folder)
        out(f"reference at {ref_members:,} members, {ref_days * 24:,} hours: "
            f"{sum(reference['seconds'].values()):.1f} s ({times_line(reference)}); "
            f"{memory(reference)}")
        out(check(same_folder, reference_folder))
        out(f"what the scales give ({args.members:,} members):")
        for line in figures_line(ours_folder):
            out(line)
    ours_seconds = sum(same["seconds"].values())
    reference_seconds = sum(reference["seconds"].values())
    # The common summary line, with the ratio to three figures (it is a few hundredths).
    line = (f"{NAME}: ours {ours_seconds:.2f} s, reference {reference_seconds:.2f} s, "
            f"ratio {ours_seconds / reference_seconds:.3g}")
    if full:
        out(f"{line} (9 runs, {args.members:,} members × {args.days * 24:,} hours); "
            f"ours' peak {ours['peak_mb']:.0f} MB ({ours['simulating_peak_mb']:.0f} MB "
            f"while simulating)")
    else:
        out(f"{line} (9 runs at {ref_members:,} members × {ref_days * 24:,} hours, where "
            f"the reference ran); ours at {args.members:,} members: "
            f"{sum(ours['seconds'].values()):.2f} s, peak {ours['peak_mb']:.0f} MB "
            f"({ours['simulating_peak_mb']:.0f} MB while simulating)")


if __name__ == "__main__":
    main(sys.argv[1:])
