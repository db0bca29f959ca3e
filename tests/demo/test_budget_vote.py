"""The demo's participatory budget: Barcelona's neighbourhoods project votes by budget
now, with costs, a few unfeasible ideas with their reasons, a budget per district and a
few hundred ballots by neighbours with verified roles, each within its budget, one per
voter; the demo's citizen has none, so that a visitor can fill one."""

from collections import Counter

import pytest

from accounts.models import RoleClaim, User
from audit.models import AuditEntry
from demo.loader import demo_load
from demo.neighbourhoods import PROJECT_SLUG
from municipalities.models import AreaLevel
from proposals.models import Project
from voting.budget_models import Assessment, Ballot, Budget, BudgetOutcome, Feasibility
from voting.budget_selectors import ballot_options, is_budget_vote
from voting.models import ProjectVoting
from voting.selectors import project_weights

pytestmark = pytest.mark.django_db


def barcelona() -> Project:
    return Project.objects.get(slug=PROJECT_SLUG, municipality__slug="barcelona")


@pytest.fixture
def loaded(demo_loaded, db):
    """The demo, loaded once for the module."""


def test_barcelonas_project_votes_by_budget_with_voting_open_now(loaded):
    project = barcelona()
    assert is_budget_vote(project)
    assert project.current_phase().kind == "voting"
    rules = ProjectVoting.objects.get(project=project)
    assert (rules.min_projects, rules.max_projects, rules.currency) == (1, 5, "EUR")
    budgets = list(Budget.objects.filter(project=project).select_related("area"))
    # A budget per district that holds proposals: at least six of the ten.
    assert len(budgets) >= 6
    assert all(b.area.level == AreaLevel.DISTRICT
               and b.area.municipality_id == project.municipality_id for b in budgets)


def test_every_proposal_has_a_cost_and_a_few_are_unfeasible_with_their_reason(loaded):
    project = barcelona()
    assessments = list(Assessment.objects.filter(proposal__project=project)
                       .select_related("proposal", "budget"))
    assert len(assessments) >= 36
    assert all(a.cost and a.cost > 0 for a in assessments)
    unfeasible = [a for a in assessments if a.feasibility == Feasibility.UNFEASIBLE]
    assert len(unfeasible) == 3
    assert all(len(a.unfeasible_reason) > 20 for a in unfeasible)
    for a in assessments:  # each in its own district's budget
        assert a.budget.area_id == a.proposal.district_id
    options = {p.pk for b in Budget.objects.filter(project=project) for p in ballot_options(b)}
    assert options == {a.proposal_id for a in assessments
                       if a.feasibility == Feasibility.FEASIBLE}
    # Assessed through the service: each one in the audit log.
    assert AuditEntry.objects.filter(action="proposal.assess").count() >= len(assessments)


def test_a_few_hundred_ballots_each_within_its_budget_and_one_per_voter(loaded):
    project = barcelona()
    ballots = list(Ballot.objects.filter(project=project).select_related("budget", "role"))
    assert 200 <= len(ballots) <= 400
    costs = dict(Assessment.objects.filter(proposal__project=project)
                 .values_list("proposal_id", "cost"))
    options = {b.pk: {p.pk for p in ballot_options(b)}
               for b in Budget.objects.filter(project=project)}
    for ballot in ballots:
        assert 1 <= len(ballot.proposals) <= 5
        assert set(ballot.proposals) <= options[ballot.budget_id]
        assert sum(costs[pk] for pk in ballot.proposals) <= ballot.budget.amount
    # One ballot per voter (and so per budget): a voter votes in one district.
    assert max(Counter(b.user_id for b in ballots).values()) == 1
    # Each with its verified role's weight; the roles weigh differently.
    weights = project_weights(project)
    verified = set(RoleClaim.objects.filter(status="verified")
                   .values_list("user_id", "role_id"))
    for ballot in ballots:
        assert ballot.role is not None and (ballot.user_id, ballot.role_id) in verified
        assert ballot.weight == weights[ballot.role_id]
    assert len({b.weight for b in ballots}) >= 3
    # Every district's budget got ballots.
    assert {b.budget_id for b in ballots} == set(options)


def test_personas_resident_and_expert_voted_the_citizen_has_a_ballot_to_fill(loaded):
    project = barcelona()
    voted = set(Ballot.objects.filter(project=project)
                .values_list("user__username", flat=True))
    assert {"resident", "expert"} <= voted
    assert not {"citizen", "business"} & voted
    # The citizen, without a verified role, may vote: unverified ballots count half.
    assert ProjectVoting.objects.get(project=project).unverified_weight > 0


def test_loading_again_adds_no_ballot_assessment_or_user(loaded):
    project = barcelona()
    before = (Ballot.objects.count(), Assessment.objects.count(), User.objects.count(),
              RoleClaim.objects.count(), AuditEntry.objects.count(), Budget.objects.count())
    demo_load()
    assert before == (Ballot.objects.count(), Assessment.objects.count(),
                      User.objects.count(), RoleClaim.objects.count(),
                      AuditEntry.objects.count(), Budget.objects.count())
    assert project.current_phase().kind == "voting"


def test_the_provisional_outcomes_are_stored_for_every_budget_and_rule(loaded):
    project = barcelona()
    budgets = Budget.objects.filter(project=project).count()
    outcomes = BudgetOutcome.objects.filter(budget__project=project)
    assert outcomes.count() == budgets * 4  # two rules, with the weights and without
    assert not outcomes.filter(final=True).exists()
    for outcome in outcomes.select_related("budget"):
        assert outcome.spent <= outcome.budget.amount
