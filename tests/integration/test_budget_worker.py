"""Budget outcomes computed by a real worker: killed while storing them, the task is
delivered again and the outcomes are computed and stored in full."""

import os
import signal
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import ClaimStatus
from proposals.models import Phase, PhaseKind
from tests.budget_factories import budget_project_make
from tests.factories import claim_make, role_make, user_make
from tests.integration.holds import held
from tests.integration.processes import wait_until
from voting import budget_rules
from voting.budget_models import BudgetOutcome
from voting.budget_services import ballot_submit
from voting.outcomes import budget_outcomes_compute
from voting.tasks import budget_outcomes_sweep_task, budget_outcomes_task

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def pool_children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def close_voting(project):
    """Voting closed a minute ago."""
    closed = timezone.now() - timedelta(minutes=1)
    Phase.objects.filter(project=project, kind=PhaseKind.VOTING).update(ends_at=closed)
    Phase.objects.filter(project=project, kind=PhaseKind.DECISION).update(starts_at=closed)
    return closed


def voted_project():
    """The factory's city budget of 100 (Benches 40, Trees 30, Fountain 30, Bike racks
    50) with three ballots, one of them of weight 2."""
    # The role first: one made after voting opened counts at the unverified weight.
    expert = role_make("expert", "2")
    planner = user_make("planner", planner=True)
    made = budget_project_make("budget-worker", planner=planner)
    pk = {title: p.pk for title, p in made.proposals.items()}
    picks = [("Bike racks", "Benches"), ("Trees", "Fountain"), ("Trees", "Benches")]
    for number, titles in enumerate(picks):
        voter = user_make(f"voter{number}")
        claim_make(voter, expert, status=ClaimStatus.VERIFIED, decided_by=planner)
        ballot_submit(user=voter, budget=made.budgets[None], proposal_ids=[pk[t] for t in titles])
    return made


@pytest.mark.quality("budget-outcome-worker-killed")
def test_a_worker_killed_while_storing_outcomes_leaves_them_to_be_computed_again(
        worker, trigger):
    made = voted_project()
    budget_outcomes_compute(made.project, final=False)  # provisional outcomes, as voting ran
    assert BudgetOutcome.objects.filter(final=False).count() == 4
    closed = close_voting(made.project)
    # The worker's first attempt stops at its first outcome made final, inside the
    # transaction that stores the four, and is killed there as the OOM killer would.
    with held(trigger, "voting_budgetoutcome", "NEW.final AND NOT OLD.final") as hold:
        budget_outcomes_task.delay(made.project.pk)
        hold.reached("the first attempt at the outcomes")
        assert BudgetOutcome.objects.filter(final=True).count() == 0
        for child in pool_children(worker.pid):
            os.kill(child, signal.SIGKILL)

    # Redelivered (acks_late, reject_on_worker_lost), the task computes them again.
    wait_until(lambda: BudgetOutcome.objects.filter(final=True).count() == 4, timeout=120,
               what="the outcomes computed again, final")
    costs = {p.pk: p.assessment.cost for p in made.proposals.values()}
    for outcome in BudgetOutcome.objects.all():
        assert outcome.ballots == 3 and outcome.computed_at >= closed
        rule = budget_rules.greedy if outcome.rule == "greedy" else budget_rules.equal_shares
        weight = 1 if outcome.equal_weights else 2
        ballots = [(weight, b.proposals) for b in made.budgets[None].ballots.all()]
        assert outcome.funded == rule(100, costs, ballots).funded


def test_beats_sweep_has_the_worker_compute_a_closed_votes_outcomes(worker):
    made = voted_project()
    closed = close_voting(made.project)
    assert BudgetOutcome.objects.count() == 0
    assert budget_outcomes_sweep_task() == 1  # what beat runs every five minutes
    wait_until(lambda: BudgetOutcome.objects.filter(final=True).count() == 4, timeout=120,
               what="the worker to store the final outcomes")
    assert all(o.computed_at >= closed for o in BudgetOutcome.objects.all())
    assert budget_outcomes_sweep_task() == 0  # nothing left to do
