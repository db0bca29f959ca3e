"""The outcomes of a budget vote, computed from the ballots and stored
(`BudgetOutcome`): each budget, each rule, with the voters' weights and with every
ballot at weight 1 (what the weights changed). docs/budgeting.md.

Run by the worker (voting/tasks.py) when voting closes and when a planner asks; the
rules themselves are voting/budget_rules.py, on plain numbers.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone

from proposals.models import Phase, PhaseKind, Project
from voting import budget_rules
from voting.budget_models import Budget, BudgetOutcome, BudgetRule, VotingMethod
from voting.pabulib import budget_profile

RULES = {BudgetRule.GREEDY: budget_rules.greedy,
         BudgetRule.EQUAL_SHARES: budget_rules.equal_shares}
ONE = Decimal(1)
MILLI = Decimal("0.001")


def voting_closed_at(project: Project, at=None):
    """When the project's voting phase closed; None while it has not."""
    at = at or timezone.now()
    return (project.phases.filter(kind=PhaseKind.VOTING, ends_at__lte=at)
            .values_list("ends_at", flat=True).first())


def outcome_details(result: budget_rules.BudgetResult) -> dict:
    """Per proposal (its id as text) its weighted approvals and number of ballots, as
    the model says; then what the rule reports: Equal Shares' purchases of its last run
    with the price a unit of weight paid ("rounds"), what the greedy completion added
    ("completed") and how many times the shares were raised ("budget_rounds")."""
    details: dict = {str(pid): {"score": round(result.scores[pid], 3),
                                "voters": result.voters[pid]} for pid in result.scores}
    details.update(rounds=result.rounds, completed=result.completed,
                   budget_rounds=result.budget_rounds)
    return details


def budget_outcomes_compute(project: Project, *, final: bool) -> list[BudgetOutcome]:
    """Compute and store every outcome of the project's budgets: each rule, weighted
    and with equal weights. A ballot's proposal that is no longer an option (hidden,
    withdrawn) counts for nothing, and a ballot left with nothing is left out, as in the
    pabulib file. The outcomes are written in one transaction: running it again, or
    after a worker died half-way, leaves the same rows (one per budget, rule and
    weighting)."""
    computed = []
    for budget in Budget.objects.filter(project=project).order_by("pk"):
        # The numbers the budget's pabulib file publishes (voting/pabulib.py): the
        # ballot options' costs and the ballots that pick one of them, read as arrays.
        profile = budget_profile(budget)
        ballots = profile.ballots
        equal = [(ONE, ids) for _, ids in ballots]
        for rule, compute in RULES.items():
            for equal_weights, weighted in ((False, ballots), (True, equal)):
                computed.append((budget, rule, equal_weights,
                                 compute(budget.amount, profile.costs, weighted)))
    now = timezone.now()
    stored = []
    with transaction.atomic():
        for budget, rule, equal_weights, result in computed:
            outcome, _ = BudgetOutcome.objects.update_or_create(
                budget=budget, rule=rule, equal_weights=equal_weights, defaults={
                    "funded": result.funded, "spent": result.spent,
                    "ballots": result.ballots,
                    "total_weight": (Decimal(result.total_weight.numerator)
                                     / result.total_weight.denominator).quantize(MILLI),
                    "details": outcome_details(result), "final": final,
                    "computed_at": now})
            stored.append(outcome)
    return stored


def projects_lacking_final_outcomes(at=None) -> list[int]:
    """Budget projects whose voting has closed and where some budget lacks one of its
    four outcomes (two rules, weighted or not) final and computed after the close."""
    at = at or timezone.now()
    closes = Phase.objects.filter(project=OuterRef("project_id"), kind=PhaseKind.VOTING)
    stale = (Budget.objects.filter(project__voting__method=VotingMethod.BUDGET)
             .annotate(closed_at=Subquery(closes.values("ends_at")[:1]))
             .filter(closed_at__lte=at)
             .annotate(fresh=Count("outcomes", filter=Q(
                 outcomes__final=True, outcomes__computed_at__gte=F("closed_at"))))
             .filter(fresh__lt=len(RULES) * 2))
    return sorted(set(stale.values_list("project_id", flat=True)))
