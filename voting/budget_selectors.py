"""Reads of a budget vote: its budgets, the proposals each ballot may pick, a voter's
ballots and who may assess (docs/budgeting.md)."""

from __future__ import annotations

from django.db.models import F, QuerySet

from proposals.models import Project, Proposal
from voting.budget_models import Assessor, Ballot, Budget, BudgetOutcome, Feasibility, VotingMethod
from voting.models import ProjectVoting
from voting.selectors import VOTABLE_STATUSES


def is_budget_vote(project: Project) -> bool:
    return ProjectVoting.objects.filter(project=project, method=VotingMethod.BUDGET).exists()


def project_budgets(project: Project) -> QuerySet[Budget]:
    """The project's budgets: the whole city's first, then the areas' by name."""
    return (Budget.objects.filter(project=project).select_related("area")
            .order_by(F("area__name").asc(nulls_first=True)))


def ballot_options(budget: Budget) -> QuerySet[Proposal]:
    """The proposals a ballot in `budget` may pick: assessed feasible, with a cost, in
    this budget, public and open to votes (the database's rule, migration 0007); the
    cost is `proposal.assessment.cost`."""
    return (Proposal.objects.filter(
        assessment__budget=budget, assessment__feasibility=Feasibility.FEASIBLE,
        assessment__cost__isnull=False, is_hidden=False, status__in=VOTABLE_STATUSES)
        .select_related("category", "assessment").order_by("pk"))


def user_ballots(*, user, project: Project) -> dict[int, Ballot]:
    """Budget id → the user's ballot there."""
    if not user.is_authenticated:
        return {}
    return {b.budget_id: b for b in Ballot.objects.filter(project=project, user=user)}


def can_assess(user, project: Project) -> bool:
    """Planners of the project's municipality, and the people they asked to assess it."""
    if not user.is_authenticated:
        return False
    return (user.has_perm("voting.change_assessment")
            or Assessor.objects.filter(project=project, user=user).exists())


def budget_outcomes(budget: Budget) -> dict[tuple[str, bool], BudgetOutcome]:
    """(rule, equal_weights) → the stored outcome. Read from the budget's prefetched
    outcomes when the caller asked for them (`project_budgets(…).prefetch_related(
    "outcomes")`: one query for every budget of a project), else queried."""
    return {(o.rule, o.equal_weights): o for o in budget.outcomes.all()}
