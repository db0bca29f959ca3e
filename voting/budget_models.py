"""Participatory budgeting: a project's budgets, the proposals' costs and feasibility,
the voters' ballots and the outcomes computed from them (docs/budgeting.md).

A project votes either proposal by proposal (for, against, abstain: `Vote`) or with a
budget (`ProjectVoting.method`). In a budget vote the city sets one budget for the whole
city and/or one per district or neighbourhood (`Budget`); planners, or the experts they
assign, give each proposal a cost, a feasibility answer and the budget it competes in
(`Assessment`); a voter fills one ballot per budget (`Ballot`), at most one of them in a
district's budget, with the weight of their verified role snapshotted as a vote's is.

What holds on every path lives in the database (migration 0006): a ballot lists
distinct proposals of its own budget that are feasible, costed and open to votes, within
the allowed count and the budget's amount; it is written only while voting is open and
with the weight that applies; assessments, budgets and the method are frozen once voting
has opened, as the weights are.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import MAX_WEIGHT, StakeholderRole
from core.tenancy import scoped_manager
from proposals.models import Project, Proposal


class VotingMethod(models.TextChoices):
    VOTES = "votes", _("For, against or abstain on each proposal")
    BUDGET = "budget", _("Participatory budget: pick projects within a budget")


class BudgetRule(models.TextChoices):
    # The values are the rule's name in a pabulib file's META section.
    GREEDY = "greedy", _("Greedy: most support first, skipping what no longer fits")
    EQUAL_SHARES = "equalshares", _("Method of Equal Shares: proportional")


class Feasibility(models.TextChoices):
    PENDING = "pending", _("Not assessed yet")
    FEASIBLE = "feasible", _("Feasible")
    UNFEASIBLE = "unfeasible", _("Unfeasible")


class Budget(models.Model):
    """Money set aside for proposals: the whole city's (`area` empty) or one district's
    or neighbourhood's. Amounts and costs are in whole units of the project's currency."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budgets")
    area = models.ForeignKey("municipalities.Area", on_delete=models.PROTECT, null=True,
                             blank=True, related_name="budgets",
                             help_text=_("Empty: the budget of the whole city."))
    amount = models.PositiveBigIntegerField(help_text=_("In whole units of the currency."))

    objects = scoped_manager(path="project__municipality")

    class Meta:
        ordering = ["project", "area__name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "area"], nulls_distinct=False,
                                    name="voting_budget_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="voting_budget_amount"),
        ]

    def __str__(self) -> str:
        return str(self.area.name) if self.area_id else str(_("Whole city"))


class Assessment(models.Model):
    """A proposal's cost, whether it can be done (and why not, shown publicly) and the
    budget it competes in. Only feasible proposals with a cost and a budget enter the
    ballot."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, primary_key=True,
                                    related_name="assessment")
    budget = models.ForeignKey(Budget, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="assessments")
    cost = models.PositiveBigIntegerField(null=True, blank=True)
    feasibility = models.CharField(max_length=10, choices=Feasibility.choices,
                                   default=Feasibility.PENDING)
    unfeasible_reason = models.TextField(blank=True, max_length=2000)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager(path="proposal__project__municipality")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(cost__isnull=True) | Q(cost__gt=0),
                                   name="voting_assessment_cost_positive"),
            models.CheckConstraint(
                condition=~Q(feasibility=Feasibility.UNFEASIBLE) | ~Q(unfeasible_reason=""),
                name="voting_assessment_unfeasible_reasoned"),
        ]

    def __str__(self) -> str:
        return f"Assessment of proposal {self.proposal_id}"


class Assessor(models.Model):
    """Someone a planner asked to assess a project's proposals (an expert, a technician):
    they may set costs and feasibility in that project only."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assessors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="assessing")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"],
                                               name="voting_assessor_once")]

    def __str__(self) -> str:
        return f"{self.user} assesses {self.project}"


class Ballot(models.Model):
    """One voter's selection in one budget. Never shown individually to anyone; the
    pabulib file publishes it without the voter.

    `project` and `area` are copied from the budget by the database, so that a voter
    holds at most one district's ballot per project (`voting_ballot_one_district`).
    `user` becomes NULL when the voter erases their account: the ballot keeps counting.
    """

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="ballots")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+",
                                editable=False)
    area = models.ForeignKey("municipalities.Area", on_delete=models.CASCADE, null=True,
                             related_name="+", editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             related_name="ballots")
    proposals = ArrayField(models.BigIntegerField())
    role = models.ForeignKey(StakeholderRole, on_delete=models.PROTECT, null=True,
                             related_name="+")
    weight = models.DecimalField(max_digits=6, decimal_places=3)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager(path="project__municipality")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["budget", "user"], name="voting_ballot_once"),
            models.UniqueConstraint(fields=["project", "user"],
                                    condition=Q(area__isnull=False),
                                    name="voting_ballot_one_district"),
            models.CheckConstraint(condition=Q(weight__gt=0) & Q(weight__lte=MAX_WEIGHT),
                                   name="voting_ballot_weight_range"),
        ]

    def __str__(self) -> str:
        return f"Ballot {self.pk} in budget {self.budget_id}"


class BudgetOutcome(models.Model):
    """What one rule funds in one budget, from the ballots as they stood at
    `computed_at`; `equal_weights` is the same rule with every ballot at weight 1 (what
    the weights changed). `final` once computed after voting closed."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="outcomes")
    rule = models.CharField(max_length=12, choices=BudgetRule.choices)
    equal_weights = models.BooleanField(default=False)
    funded = ArrayField(models.BigIntegerField(), help_text="Proposal ids, in the order "
                        "the rule funded them.")
    spent = models.PositiveBigIntegerField()
    ballots = models.PositiveIntegerField()
    total_weight = models.DecimalField(max_digits=20, decimal_places=3)
    # Per proposal: {"id": {"score": weighted approvals, "voters": count}} and what the
    # rule reports (e.g. Equal Shares' rounds), for the results page and the report.
    details = models.JSONField(default=dict, blank=True)
    final = models.BooleanField(default=False)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["budget", "rule", "equal_weights"],
                                    name="voting_outcome_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} in budget {self.budget_id}"

