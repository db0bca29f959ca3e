"""Reading a budget vote's pabulib file (voting/pabulib.py writes it) back into numbers:
for Plaza's rules (voting/budget_rules.py) and for pabutools, the weight column of the
VOTES section becoming multiplicities (a voter of weight w counts as w voters).

    budget, costs, ballots = pabulib_election(text)
    instance, profile = pabulib_pabutools(text)
"""

from __future__ import annotations

from decimal import Decimal
from functools import reduce
from math import gcd

from pabutools.election import (
    ApprovalMultiProfile,
    FrozenApprovalBallot,
    Instance,
)
from pabutools.election.pabulib import parse_pabulib_from_string

from voting.budget_rules import exact


def _parsed(text: str):
    instance, profile = parse_pabulib_from_string(text)
    weighted = [(Decimal(ballot.meta.get("weight", "1")), list(ballot)) for ballot in profile]
    return instance, weighted


def pabulib_election(text: str) -> tuple[int, dict[int, int], list[tuple[Decimal, list[int]]]]:
    """(budget, proposal id → cost, [(weight, approved ids)]) from a .pb text whose
    project ids are numbers, as Plaza's are."""
    instance, weighted = _parsed(text)
    costs = {int(p.name): int(p.cost) for p in instance}
    return (int(instance.budget_limit), costs,
            [(weight, sorted(int(p.name) for p in projects)) for weight, projects in weighted])


def pabulib_pabutools(text: str) -> tuple[Instance, ApprovalMultiProfile]:
    """pabutools' instance as it parses the file, and its ballots as a multiprofile whose
    multiplicities are the weights made integers (× 1000, over their greatest common
    divisor): what pabutools' rules read to give Plaza's outcome."""
    instance, weighted = _parsed(text)
    units = []
    for weight, _ in weighted:
        unit = exact(weight) * 1000
        if unit.denominator != 1:
            raise ValueError(f"weight {weight} has more than three decimals")
        units.append(int(unit))
    divisor = reduce(gcd, units, 0) or 1
    profile = ApprovalMultiProfile(instance=instance)
    for unit, (_, projects) in zip(units, weighted, strict=True):
        ballot = FrozenApprovalBallot(sorted(projects, key=lambda p: int(p.name)))
        profile[ballot] = profile.get(ballot, 0) + unit // divisor
    return instance, profile
