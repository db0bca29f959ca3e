"""The reference for voting/budget_rules.py: the same rules computed by pabutools, the
reference implementation of participatory budgeting rules, on the same numbers.

The weights (up to three decimals) become integer multiplicities of an
`ApprovalMultiProfile` (weight × 1000, divided by their greatest common divisor: a
voter of weight w counts as w identical voters); projects are named by their proposal
id, and ties go to the lower id (pabutools' default order compares names as text and
would put "10" before "9"). Slow at city scale (bench/bench_budget_outcome.py), used by
the tests, the bench and anyone recomputing a published .pb file.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from functools import reduce
from math import gcd

from pabutools.election import (
    ApprovalMultiProfile,
    Cost_Sat,
    FrozenApprovalBallot,
    Instance,
    Project,
)
from pabutools.fractions import frac
from pabutools.rules import (
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)
from pabutools.tiebreaking import TieBreakingRule

from voting.budget_rules import COMPLETION_BOUND, COMPLETION_STEP, exact

by_lower_id = TieBreakingRule(lambda instance, profile, project: int(project.name))


def pabutools_election(budget: int, costs: Mapping[int, int],
                       ballots: Sequence[tuple[object, Collection[int]]]
                       ) -> tuple[Instance, ApprovalMultiProfile]:
    """A pabutools instance (one project per proposal, named by its id) and the ballots
    as an approval multiprofile whose multiplicities are the weights made integers."""
    instance = Instance(budget_limit=budget)
    projects = {pid: Project(str(pid), int(cost)) for pid, cost in costs.items()}
    instance.update(projects.values())
    weights = [exact(weight) for weight, _ in ballots]
    for w in weights:
        # Plaza's weights have three decimals; anything finer is not a weight we store.
        if (w * 1000).denominator != 1:
            raise ValueError(f"weight {w} has more than three decimals")
    units = [int(w * 1000) for w in weights]
    divisor = reduce(gcd, units, 0) or 1
    profile = ApprovalMultiProfile(instance=instance)
    for unit, (_, approved) in zip(units, ballots, strict=True):
        ballot = FrozenApprovalBallot(sorted((projects[p] for p in set(approved) if p in projects),
                                             key=lambda p: int(p.name)))
        profile[ballot] = profile.get(ballot, 0) + unit // divisor
    return instance, profile


def ids(allocation) -> list[int]:
    return [int(p.name) for p in allocation]


def greedy_pabutools(instance: Instance, profile) -> list[int]:
    return ids(greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat,
                                          tie_breaking=by_lower_id))


def equal_shares_pabutools(instance: Instance, profile) -> list[int]:
    """Equal Shares with cost utilities, its shares raised by 1% of the budget per run
    over the approved projects until exhaustive or over budget (at most to three times
    the budget), completed by the greedy rule: voting.budget_rules.equal_shares."""
    approved = {p for ballot in profile for p in ballot}
    mes_instance = Instance(approved, budget_limit=instance.budget_limit)
    step = frac(COMPLETION_STEP.numerator, COMPLETION_STEP.denominator)
    outcome = exhaustion_by_budget_increase(
        mes_instance, profile, method_of_equal_shares,
        rule_params={"sat_class": Cost_Sat, "tie_breaking": by_lower_id},
        budget_step=instance.budget_limit * step,
        budget_bound=instance.budget_limit * COMPLETION_BOUND)
    return ids(greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat,
                                          tie_breaking=by_lower_id,
                                          initial_budget_allocation=outcome))


def greedy(budget: int, costs: Mapping[int, int],
           ballots: Sequence[tuple[object, Collection[int]]]) -> list[int]:
    """pabutools' greedy (utilitarian welfare, cost utilities): funded ids in order."""
    return greedy_pabutools(*pabutools_election(budget, costs, ballots))


def equal_shares(budget: int, costs: Mapping[int, int],
                 ballots: Sequence[tuple[object, Collection[int]]]) -> list[int]:
    """pabutools' Method of Equal Shares with our completion: funded ids in order."""
    return equal_shares_pabutools(*pabutools_election(budget, costs, ballots))

