"""budget_outcome: a city's participatory budget, 500 projects and 100,000 weighted
ballots, from the database to stored outcomes.

Data: a public project of its own ("bench-budget-<ballots>") that votes by budget: one
city-wide budget of a tenth of the projects' total cost, 500 proposals assessed
feasible with costs of 5,000 to 200,000, and the ballots of as many voters (each picks 1
to 8 proposals, popular ones more often: a Pareto popularity), each with one of the six
bench roles' weights (0.5 to 2), inserted while voting is open through the database's
ballot checks (migration 0007). Seeded once, reused while the counts match.

Ours: `voting.outcomes.budget_outcomes_compute(project, final=False)`: reads the ballots,
computes the greedy rule and the Method of Equal Shares with its completion, each
weighted and with equal weights (four outcomes), and stores them.
Reference: pabutools 1.2.3 computing the same four outcomes from the budget's pabulib
file (`voting.pabulib.budget_pabulib`, read by `voting.pabulib_read.pabulib_pabutools`:
parse plus weights as multiplicities), with the same tie-breaking and completion
(`voting.budget_reference`). The funded projects, in order, must be identical.

Each side runs in a process of its own, once: its time, and its memory: resident before
computing and the peak while computing (Linux's VmHWM, reset just before).
pabutools takes minutes for a thousand ballots and its time grows with the ballots (its
Equal Shares walks every voter for every purchase, in every run of the completion), so
it runs at `--reference-ballots` (1,000 by default), where ours runs too for the ratio;
at the full size only ours runs, unless `--reference-full`.

    .venv/bin/python -m bench.bench_budget_outcome [--ballots 100000] [--projects 500]
        [--reference-ballots 1000] [--reference-full]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.common import bench_roles, bench_users, fail, out, setup_django, summary

NAME = "budget_outcome"
FULL_BALLOTS = 100_000
PROJECTS = 500
REFERENCE_BALLOTS = 1_000
SEED = 20
COSTS = [5_000, 10_000, 20_000, 50_000, 100_000, 200_000]
MAX_PICKS = 8
AREA = (2.05, 41.32, 2.23, 41.47)  # Barcelona, roughly


def status_mb(field: str) -> float:
    """VmRSS (resident now) or VmHWM (the peak) of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024


def measured(compute) -> dict:
    """Run `compute()` once: its seconds, the process's resident memory before, and its
    peak while computing (the kernel's high-water mark, reset first)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    except OSError:
        pass
    before = status_mb("VmRSS")
    started = time.perf_counter()
    funded = compute()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": status_mb("VmHWM"), "before_mb": before,
            "funded": funded}


def seed(projects: int, ballots: int, slug: str | None = None):
    """The budget project with `projects` proposals and `ballots` ballots: (project,
    budget). Reused when it is there with those counts."""
    from django.contrib.gis.geos import MultiPolygon, Point, Polygon
    from django.db import connection, transaction
    from django.utils import timezone

    from proposals.models import Category, Phase, PhaseKind, Project, Proposal, Visibility
    from voting.budget_models import (
        Assessment,
        Ballot,
        Budget,
        BudgetRule,
        Feasibility,
        VotingMethod,
    )
    from voting.models import ProjectVoting

    slug = slug or f"bench-budget-{ballots}"
    project = Project.objects.filter(slug=slug).first()
    if project is not None:
        budget = Budget.objects.get(project=project)
        if (Assessment.objects.filter(budget=budget).count() == projects
                and Ballot.objects.filter(budget=budget).count() == ballots):
            out(f"seed: reused project {project.pk}: {projects} proposals, {ballots:,} ballots")
            return project, budget
        out(f"seed: project {project.pk} does not have {projects} proposals and {ballots:,} "
            "ballots: seeding again")
        project.delete()  # its budget, proposals, assessments and ballots go with it

    started = time.perf_counter()
    rng = random.Random(SEED)  # noqa: S311 - repeatable test data, not a secret
    minx, miny, maxx, maxy = AREA
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")
        roles = bench_roles()
        from accounts.models import User

        author, _ = User.objects.get_or_create(
            username="bench-budget-author",
            defaults={"email": "bench-budget-author@example.invalid"})
        outline = Polygon.from_bbox((minx - 0.01, miny - 0.01, maxx + 0.01, maxy + 0.01))
        project = Project.objects.create(
            slug=slug, title="Benchmark: participatory budget",
            description=f"{projects} proposals and {ballots:,} ballots seeded by "
                        "bench/bench_budget_outcome.py.",
            area=MultiPolygon(outline, srid=4326), visibility=Visibility.PUBLIC)
        Phase.objects.create(project=project, kind=PhaseKind.IDEATION,
                             starts_at=now - timedelta(days=60), ends_at=now - timedelta(days=1))
        ProjectVoting.objects.create(project=project, method=VotingMethod.BUDGET,
                                     budget_rule=BudgetRule.EQUAL_SHARES, min_projects=1,
                                     max_projects=MAX_PICKS)
        costs = [rng.choice(COSTS) for _ in range(projects)]
        budget = Budget.objects.create(project=project, amount=sum(costs) // 10)
        category = Category.objects.create(project=project, slug="works", name="Works")
        made = Proposal.objects.bulk_create([
            Proposal(project=project, author=author, category=category, status="published",
                     title=f"Works {i + 1}", body=f"What works {i + 1} would change.",
                     geometry=Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy),
                                    srid=4326))
            for i in range(projects)])
        Assessment.objects.bulk_create([
            Assessment(proposal=p, budget=budget, cost=cost, feasibility=Feasibility.FEASIBLE)
            for p, cost in zip(made, costs, strict=True)])
        Phase.objects.create(project=project, kind=PhaseKind.VOTING,
                             starts_at=now - timedelta(hours=1),
                             ends_at=now + timedelta(days=3650))
        ids = [p.pk for p in made]
        cost_of = dict(zip(ids, costs, strict=True))
        popularity = [rng.paretovariate(1.2) for _ in ids]
        voters = bench_users("bench-budget-", ballots)
        weights = [(r.pk, r.default_weight) for r in roles]
        with connection.connection.cursor() as cursor, cursor.copy(
                "COPY voting_ballot (budget_id, project_id, user_id, proposals, role_id, "
                "weight, created_at, updated_at) FROM STDIN") as copy:
            for user in voters:
                picks, spent = set(), 0
                # Within the budget, as the database demands.
                for pick in rng.choices(ids, weights=popularity, k=rng.randint(1, MAX_PICKS)):
                    if pick not in picks and spent + cost_of[pick] <= budget.amount:
                        picks.add(pick)
                        spent += cost_of[pick]
                picks = sorted(picks)
                role, weight = rng.choice(weights)
                copy.write_row((budget.pk, project.pk, user, picks, role, weight, now, now))
    out(f"seed: project {project.pk}, {projects} proposals, {ballots:,} ballots inserted in "
        f"{time.perf_counter() - started:.1f} s, budget {budget.amount:,}")
    if not connection.in_atomic_block:  # a test's database runs in a transaction
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE voting_ballot")
    return project, budget


def ours_outcomes(project) -> dict[str, list[int]]:
    """What ours stores: "rule/weighted" → funded ids in order."""
    from voting.outcomes import budget_outcomes_compute

    return {f"{o.rule}/{'equal' if o.equal_weights else 'weighted'}": o.funded
            for o in budget_outcomes_compute(project, final=False)}


def reference_outcomes(text: str) -> dict[str, list[int]]:
    """pabutools' four outcomes from the pabulib text."""
    from pabutools.election.pabulib import parse_pabulib_from_string

    from voting.budget_reference import equal_shares_pabutools, greedy_pabutools
    from voting.pabulib_read import pabulib_pabutools

    instance, weighted = pabulib_pabutools(text)
    _, plain = parse_pabulib_from_string(text)  # every ballot once: equal weights
    return {"greedy/weighted": greedy_pabutools(instance, weighted),
            "greedy/equal": greedy_pabutools(instance, plain),
            "equalshares/weighted": equal_shares_pabutools(instance, weighted),
            "equalshares/equal": equal_shares_pabutools(instance, plain)}


def check(ours: dict[str, list[int]], reference: dict[str, list[int]]) -> str:
    """Every outcome identical, in funding order; exits (bench.common.fail) otherwise."""
    if set(ours) != set(reference):
        fail(f"outcomes differ in kind: {sorted(ours)} vs {sorted(reference)}")
    for key in sorted(ours):
        if ours[key] != reference[key]:
            fail(f"{key}: ours funds {ours[key]}, pabutools {reference[key]}")
    funded = ", ".join(f"{key} {len(ours[key])}" for key in sorted(ours))
    return f"check: the four outcomes equal pabutools' in funding order (funded: {funded})"


def side(args: list[str]) -> dict:
    """Run one side in a process of its own; its JSON answer."""
    proc = subprocess.run([sys.executable, "-m", "bench.bench_budget_outcome", *args],
                          cwd=Path(__file__).resolve().parents[1], capture_output=True,
                          text=True, env=dict(os.environ))
    if proc.returncode != 0:
        fail(f"side {args} failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_ours(project_id: int) -> None:
    setup_django()
    from proposals.models import Project

    project = Project.objects.get(pk=project_id)
    out(json.dumps(measured(lambda: ours_outcomes(project))))


def run_reference(path: str) -> None:
    text = Path(path).read_text()
    out(json.dumps(measured(lambda: reference_outcomes(text))))


def memory(result: dict) -> str:
    return (f"peak {result['peak_mb']:.0f} MB resident "
            f"({result['peak_mb'] - result['before_mb']:+.0f} MB over its start)")


def compare(project, budget, ballots: int) -> tuple[dict, dict]:
    from voting.pabulib import budget_pabulib

    with tempfile.NamedTemporaryFile("w", suffix=".pb", delete=False) as handle:
        handle.write(budget_pabulib(budget))
    try:
        ours = side(["--ours", str(project.pk)])
        out(f"ours at {ballots:,} ballots: {ours['seconds']:.2f} s, {memory(ours)}")
        reference = side(["--reference", handle.name])
        out(f"pabutools at {ballots:,} ballots: {reference['seconds']:.2f} s, "
            f"{memory(reference)}")
    finally:
        os.unlink(handle.name)
    out(check(ours["funded"], reference["funded"]))
    return ours, reference


def main(argv: list[str]) -> None:
    if argv[:1] == ["--ours"]:
        return run_ours(int(argv[1]))
    if argv[:1] == ["--reference"]:
        return run_reference(argv[1])
    parser = argparse.ArgumentParser(prog="bench.bench_budget_outcome")
    parser.add_argument("--ballots", type=int, default=FULL_BALLOTS)
    parser.add_argument("--projects", type=int, default=PROJECTS)
    parser.add_argument("--reference-ballots", type=int, default=REFERENCE_BALLOTS)
    parser.add_argument("--reference-full", action="store_true",
                        help="run pabutools at the full size too (hours)")
    args = parser.parse_args(argv)
    setup_django()
    out(f"{NAME}: {args.projects} projects, {args.ballots:,} weighted ballots; pabutools at "
        f"{args.ballots if args.reference_full else args.reference_ballots:,} ballots")
    small_project, small_budget = seed(args.projects, args.reference_ballots)
    project, budget = seed(args.projects, args.ballots)
    ours_small, reference_small = compare(small_project, small_budget, args.reference_ballots)
    if args.reference_full:
        ours, reference = compare(project, budget, args.ballots)
        out(summary(NAME, ours["seconds"], reference["seconds"], "s"))
        return None
    ours = side(["--ours", str(project.pk)])
    out(f"ours at {args.ballots:,} ballots: {ours['seconds']:.2f} s, {memory(ours)}; "
        f"pabutools not run at this size (--reference-full): at "
        f"{args.reference_ballots:,} ballots it took {reference_small['seconds']:.0f} s")
    out(summary(f"{NAME}", ours_small["seconds"], reference_small["seconds"], "s")
        + f" at {args.reference_ballots:,} ballots; ours at {args.ballots:,}: "
        f"{ours['seconds']:.2f} s")
    return None


if __name__ == "__main__":
    main(sys.argv[1:])
