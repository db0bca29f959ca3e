"""A budget's pabulib file round-trips: pabutools reads the exported .pb and, with the
weight column as multiplicities, computes the outcomes Plaza stored."""

from decimal import Decimal

import pytest
from pabutools.election.pabulib import parse_pabulib_from_string

from tests.budget_factories import EAST_POINT, WEST_POINT, budget_project_make
from voting import budget_rules
from voting.budget_models import BudgetOutcome, BudgetRule
from voting.budget_reference import equal_shares_pabutools, greedy_pabutools
from voting.budget_services import ballot_submit
from voting.outcomes import budget_outcomes_compute
from voting.pabulib import budget_pabulib
from voting.pabulib_read import pabulib_election, pabulib_pabutools

pytestmark = pytest.mark.django_db

COSTS = {"Benches": (40, None, WEST_POINT), "Trees": (30, None, EAST_POINT),
         "Fountain": (30, None, WEST_POINT), "Bike racks": (50, None, EAST_POINT),
         "Library hours": (70, None, WEST_POINT),
         "Playground": (40, "D1", WEST_POINT), "Crossing": (25, "D1", WEST_POINT),
         "Garden": (35, "D1", WEST_POINT)}


@pytest.mark.quality("budget-pabulib-round-trip")
def test_pabutools_recomputes_the_stored_outcomes_from_the_pb_file(voters):
    # Participants without a verified role vote at weight 0.5 here.
    made = budget_project_make(city=120, districts={"D1": 60}, costs=COSTS,
                               unverified_weight=Decimal("0.5"))
    pk = {title: p.pk for title, p in made.proposals.items()}
    city, d1 = made.budgets[None], made.budgets["D1"]
    picks = {"expert": ["Bike racks", "Library hours"],          # weight 2
             "resident": ["Trees", "Fountain", "Benches"],       # weight 1
             "business": ["Trees", "Library hours"]}             # weight 1
    for who, titles in picks.items():
        ballot_submit(user=voters[who], budget=city, proposal_ids=[pk[t] for t in titles])
    ballot_submit(user=voters["nobody"], budget=d1, proposal_ids=[pk["Crossing"], pk["Garden"]])
    ballot_submit(user=voters["expert"], budget=d1, proposal_ids=[pk["Playground"]])
    outcomes = {(o.budget_id, o.rule, o.equal_weights): o.funded
                for o in budget_outcomes_compute(made.project, final=False)}
    assert len(outcomes) == 8

    for budget in (city, d1):
        text = budget_pabulib(budget, funded=outcomes[(budget.pk, BudgetRule.EQUAL_SHARES,
                                                       False)])
        instance, profile = pabulib_pabutools(text)
        assert greedy_pabutools(instance, profile) == outcomes[(budget.pk, "greedy", False)]
        assert (equal_shares_pabutools(instance, profile)
                == outcomes[(budget.pk, "equalshares", False)])
        # Without the weights, pabutools' own reading of the file gives the outcome with
        # every ballot at weight 1.
        instance, plain = parse_pabulib_from_string(text)
        assert greedy_pabutools(instance, plain) == outcomes[(budget.pk, "greedy", True)]
        assert (equal_shares_pabutools(instance, plain)
                == outcomes[(budget.pk, "equalshares", True)])
        # And Plaza's rules on the file's numbers give the same again.
        amount, costs, ballots = pabulib_election(text)
        assert amount == budget.amount and costs == {
            p.pk: p.assessment.cost for p in made.proposals.values()
            if p.assessment.budget_id == budget.pk}
        assert (budget_rules.equal_shares(amount, costs, ballots).funded
                == outcomes[(budget.pk, "equalshares", False)])

    # The weights mattered here: the expert's weight 2 makes the city's greedy outcome
    # differ from what equal weights fund.
    assert outcomes[(city.pk, "greedy", False)] != outcomes[(city.pk, "greedy", True)]
    assert BudgetOutcome.objects.count() == 8
