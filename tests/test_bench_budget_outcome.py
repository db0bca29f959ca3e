"""bench/bench_budget_outcome.py at test size: its seed goes through the database's
ballot checks, and ours and pabutools fund the same projects in the same order."""

import pytest

from bench import bench_budget_outcome
from voting.budget_models import Ballot, BudgetOutcome
from voting.pabulib import budget_pabulib

pytestmark = pytest.mark.django_db


@pytest.mark.quality("budget-rules-match-pabutools")
def test_ours_and_pabutools_agree_on_the_seeded_budget():
    project, budget = bench_budget_outcome.seed(40, 150, slug="bench-budget-test")
    assert Ballot.objects.filter(budget=budget).count() == 150
    weights = set(Ballot.objects.values_list("weight", flat=True))
    assert len(weights) > 2  # the roles' weights, 0.5 to 2

    ours = bench_budget_outcome.ours_outcomes(project)
    reference = bench_budget_outcome.reference_outcomes(budget_pabulib(budget))
    line = bench_budget_outcome.check(ours, reference)
    assert "the four outcomes equal pabutools'" in line
    assert BudgetOutcome.objects.filter(budget=budget).count() == 4
    assert all(ours.values())
    # The check fails when one outcome differs.
    reference["equalshares/weighted"] = reference["equalshares/weighted"][::-1]
    with pytest.raises(SystemExit):
        bench_budget_outcome.check(ours, reference)
