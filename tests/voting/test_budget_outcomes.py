"""Budget outcomes from the database: the stored outcomes are the rules' on the ballots
that count, computed again they stay the same, the sweep finds closed votes, and only
planners may ask for them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from audit.models import AuditAction, AuditEntry
from proposals.models import Phase, PhaseKind
from tests.budget_factories import budget_project_make
from tests.factories import user_make
from voting import budget_reference
from voting.budget_models import Assessment, BudgetOutcome, BudgetRule, Feasibility
from voting.budget_services import ballot_submit, budget_outcomes_request
from voting.outcomes import budget_outcomes_compute, projects_lacking_final_outcomes

pytestmark = pytest.mark.django_db


def ids(made, *titles):
    return [made.proposals[t].pk for t in titles]


def close_voting(project, ago=timedelta(minutes=1)):
    """Move the voting phase's end (and the next phase's start) into the past."""
    end = timezone.now() - ago
    Phase.objects.filter(project=project, kind=PhaseKind.VOTING).update(ends_at=end)
    Phase.objects.filter(project=project, kind=PhaseKind.DECISION).update(starts_at=end)
    return end


@pytest.fixture
def voted(voters):
    """Benches 40, Trees 30, Fountain 30, Bike racks 50 in a budget of 100; the expert
    (weight 2) wants the bike racks and benches, two residents of weight 1 the rest."""
    made = budget_project_make()
    city = made.budgets[None]
    ballot_submit(user=voters["expert"], budget=city, proposal_ids=ids(made, "Bike racks",
                                                                       "Benches"))
    ballot_submit(user=voters["resident"], budget=city, proposal_ids=ids(made, "Trees",
                                                                         "Fountain"))
    ballot_submit(user=voters["business"], budget=city, proposal_ids=ids(made, "Trees",
                                                                         "Benches"))
    return made


def test_outcomes_are_the_rules_on_the_ballots_weighted_and_not(voted):
    made = voted
    stored = budget_outcomes_compute(made.project, final=False)
    assert len(stored) == 4
    outcomes = {(o.rule, o.equal_weights): o for o in BudgetOutcome.objects.all()}
    costs = {p.pk: p.assessment.cost for p in made.proposals.values()}
    weighted = [(Decimal(2), ids(made, "Bike racks", "Benches")),
                (Decimal(1), ids(made, "Trees", "Fountain")),
                (Decimal(1), ids(made, "Trees", "Benches"))]
    equal = [(1, b) for _, b in weighted]
    for (rule, equal_weights), outcome in outcomes.items():
        reference = (budget_reference.greedy if rule == BudgetRule.GREEDY
                     else budget_reference.equal_shares)
        assert outcome.funded == reference(100, costs, equal if equal_weights else weighted)
        assert outcome.spent == sum(costs[i] for i in outcome.funded) <= 100
        assert outcome.ballots == 3 and not outcome.final
    benches = str(made.proposals["Benches"].pk)
    assert outcomes[("greedy", False)].details[benches] == {"score": 3.0,
                                                                         "voters": 2}
    mes = outcomes[("equalshares", False)].details
    assert [r["id"] for r in mes["rounds"]] + mes["completed"] == outcomes[
        ("equalshares", False)].funded
    assert outcomes[("greedy", False)].total_weight == Decimal("4.000")
    assert outcomes[("greedy", True)].total_weight == Decimal("3.000")
    # Greedy, weighted: Benches has the most support (3).
    assert outcomes[("greedy", False)].funded[0] == made.proposals["Benches"].pk


def test_computing_again_leaves_the_same_rows_and_drops_what_is_no_longer_an_option(voted):
    made = voted
    first = {(o.rule, o.equal_weights): (o.pk, o.funded)
             for o in budget_outcomes_compute(made.project, final=False)}
    again = {(o.rule, o.equal_weights): (o.pk, o.funded)
             for o in budget_outcomes_compute(made.project, final=True)}
    assert first == again and BudgetOutcome.objects.filter(final=True).count() == 4
    # Benches hidden by moderation after the ballots: no longer a ballot option, it
    # counts for nobody and no rule funds it; the ballots still count.
    made.proposals["Benches"].is_hidden = True
    made.proposals["Benches"].hidden_reason = "Spam"
    made.proposals["Benches"].save(update_fields=["is_hidden", "hidden_reason"])
    for outcome in budget_outcomes_compute(made.project, final=True):
        assert made.proposals["Benches"].pk not in outcome.funded
        assert str(made.proposals["Benches"].pk) not in outcome.details
        assert outcome.ballots == 3


def test_the_sweep_finds_closed_votes_without_final_outcomes(voted):
    made = voted
    assert projects_lacking_final_outcomes() == []  # voting still open
    budget_outcomes_compute(made.project, final=False)
    close_voting(made.project)
    assert projects_lacking_final_outcomes() == [made.project.pk]
    budget_outcomes_compute(made.project, final=True)
    assert projects_lacking_final_outcomes() == []
    # Outcomes older than the close are stale, final or not.
    BudgetOutcome.objects.update(computed_at=timezone.now() - timedelta(hours=1))
    assert projects_lacking_final_outcomes() == [made.project.pk]


def test_only_planners_ask_for_outcomes_and_it_is_audited(
        voted, django_capture_on_commit_callbacks):
    made = voted
    with pytest.raises(PermissionDenied):
        budget_outcomes_request(project=made.project, planner=user_make("someone"))
    assert not AuditEntry.objects.filter(action=AuditAction.BUDGET_OUTCOME).exists()
    with django_capture_on_commit_callbacks() as callbacks:
        budget_outcomes_request(project=made.project, planner=made.planner)
    assert len(callbacks) == 1
    assert AuditEntry.objects.get(action=AuditAction.BUDGET_OUTCOME).project_id == made.project.pk


def test_an_unfeasible_proposal_is_not_an_option():
    made = budget_project_make(phase="ideation")
    Assessment.objects.filter(proposal=made.proposals["Trees"]).update(
        feasibility=Feasibility.UNFEASIBLE, unfeasible_reason="No room")
    for outcome in budget_outcomes_compute(made.project, final=False):
        assert made.proposals["Trees"].pk not in outcome.funded
        assert outcome.ballots == 0
