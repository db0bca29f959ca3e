"""Role weights per project, votes, and the project's voting rules.

A vote stores the role and weight it was cast with (snapshotted on the server at
cast time, docs/voting-weights.md), so a tally is a plain sum over the vote rows and
never changes because a claim expires later; the database keeps those sums per proposal
and role as the votes are written (`VoteTally`, migration 0004). The weights of a
project are frozen from the moment its voting phase opens: a database trigger refuses
changes then, whatever code path tries (migration 0002).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import MAX_WEIGHT, StakeholderRole
from core.tenancy import scoped_manager
from proposals.models import Project, Proposal
from voting.budget_models import (  # noqa: F401 - the app's models, found here
    Assessment,
    Assessor,
    Ballot,
    Budget,
    BudgetOutcome,
    BudgetRule,
    Feasibility,
    VotingMethod,
)

WEIGHT_FIELD = {"max_digits": 6, "decimal_places": 3,
                "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(MAX_WEIGHT)]}


class ProjectVoting(models.Model):
    """How a project votes: the weight of participants without a verified role, and who
    may see the results while and after voting runs."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="voting")
    unverified_weight = models.DecimalField(
        default=Decimal("0"), help_text=_("Weight of a vote by someone with no verified role; "
                                           "0 means they may not vote."), **WEIGHT_FIELD)
    results_public = models.BooleanField(
        default=False, help_text=_("Everyone may see the results page and the tallies; "
                                     "planners always can."))
    # A budget vote's rules (voting/budget_models.py); frozen with the weights.
    method = models.CharField(max_length=8, choices=VotingMethod.choices,
                              default=VotingMethod.VOTES)
    min_projects = models.PositiveSmallIntegerField(
        default=1, help_text=_("Fewest proposals a budget ballot may pick."))
    max_projects = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Most proposals a budget ballot may pick; "
                                           "empty: as many as the budget allows."))
    budget_rule = models.CharField(
        max_length=12, choices=BudgetRule.choices, default=BudgetRule.EQUAL_SHARES,
        help_text=_("The rule whose outcome the city adopts; both are published."))
    currency = models.CharField(max_length=3, default="EUR",
                                help_text=_("ISO 4217 code of the budget's currency."))

    class Meta:
        verbose_name = _("voting rules")
        verbose_name_plural = _("voting rules")
        permissions = [("view_results", "Can see voting results even when not public")]
        constraints = [
            models.CheckConstraint(
                condition=Q(unverified_weight__gte=0) & Q(unverified_weight__lte=MAX_WEIGHT),
                name="voting_unverified_weight_range"),
            models.CheckConstraint(
                condition=Q(max_projects__isnull=True) | Q(max_projects__gte=F("min_projects")),
                name="voting_projects_per_ballot"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"),
                                   name="voting_currency_code"),
        ]

    def __str__(self) -> str:
        return f"Voting rules of {self.project}"


class RoleWeight(models.Model):
    """A project's weight for one stakeholder role, overriding the role's default."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="role_weights")
    role = models.ForeignKey(StakeholderRole, on_delete=models.PROTECT, related_name="+")
    weight = models.DecimalField(**WEIGHT_FIELD)

    class Meta:
        ordering = ["role__position", "role__name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "role"], name="voting_weight_once"),
            models.CheckConstraint(condition=Q(weight__gte=0) & Q(weight__lte=MAX_WEIGHT),
                                   name="voting_weight_range"),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.weight}"


class VoteValue(models.IntegerChoices):
    SUPPORT = 1, _("Support")
    ABSTAIN = 0, _("Abstain")
    OPPOSE = -1, _("Oppose")


class Vote(models.Model):
    """One user's vote on one proposal. Never shown individually to anyone.

    `user` becomes NULL when the voter erases their account: the vote keeps counting,
    anonymised, so no tally changes.
    """

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             related_name="votes")
    value = models.SmallIntegerField(choices=VoteValue.choices)
    role = models.ForeignKey(StakeholderRole, on_delete=models.PROTECT, null=True,
                             related_name="+", help_text=_("The role the weight came from; "
                                         "empty for a participant without a verified role."))
    weight = models.DecimalField(**WEIGHT_FIELD)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager(path="proposal__project__municipality")

    class Meta:
        constraints = [
            # One vote per user and proposal; anonymised votes (NULL user) stay distinct.
            models.UniqueConstraint(fields=["user", "proposal"], name="voting_one_vote"),
            models.CheckConstraint(condition=Q(value__in=[-1, 0, 1]), name="voting_value"),
            models.CheckConstraint(condition=Q(weight__gt=0) & Q(weight__lte=MAX_WEIGHT),
                                   name="voting_vote_weight_range"),
        ]
        indexes = [models.Index(fields=["proposal", "value"], include=["weight", "role"],
                                name="voting_tally_idx")]

    def __str__(self) -> str:
        return f"Vote {self.pk} on proposal {self.proposal_id}"


class VoteTally(models.Model):
    """The sums of one proposal's votes cast with one role (NULL: no verified role),
    kept by the database in the same transaction as the votes (migration 0004's
    trigger), so that a ranking reads one row per proposal and role, never every vote.

    Read-only by convention: nothing in Python writes it, and it has no admin. A row
    whose counts fall to zero is deleted, so a role with no votes left is not listed.
    """

    # DO_NOTHING: deleting a proposal deletes its votes first, and the trigger their
    # rows; the collector must not delete tally rows before the votes they sum.
    proposal = models.ForeignKey(Proposal, on_delete=models.DO_NOTHING,
                                 related_name="tallies", db_index=False)
    role = models.ForeignKey(StakeholderRole, on_delete=models.DO_NOTHING, null=True,
                             related_name="+")
    supporters = models.IntegerField()
    opponents = models.IntegerField()
    abstentions = models.IntegerField()
    support_weight = models.DecimalField(max_digits=20, decimal_places=3)
    oppose_weight = models.DecimalField(max_digits=20, decimal_places=3)
    # When a vote last changed this row: the time of the writing transaction. What the
    # open-data pages' Last-Modified and version read, instead of every vote's.
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "voting_tally"
        constraints = [
            # One row per proposal and role, the votes without a role included (and the
            # index every read of a proposal's rows goes through).
            models.UniqueConstraint(fields=["proposal", "role"], nulls_distinct=False,
                                    name="voting_tally_once"),
            models.CheckConstraint(
                condition=Q(supporters__gte=0) & Q(opponents__gte=0) & Q(abstentions__gte=0)
                & Q(support_weight__gte=0) & Q(oppose_weight__gte=0),
                name="voting_tally_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Tally of proposal {self.proposal_id}, role {self.role_id}"
