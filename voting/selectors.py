"""Reads of weights, votes and results. Every number of a result is read from the
tally the database keeps with the votes (voting/tally.py), so it always equals the sum
over the vote rows committed when it is read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import F, QuerySet, Window
from django.db.models.functions import Rank
from django.utils import timezone

from accounts.models import StakeholderRole
from proposals.models import PhaseKind, Project, Proposal
from voting.groups import RoleBreakdown, min_group_size, role_groups_merge
from voting.models import ProjectVoting, RoleWeight, Vote
from voting.tally import TALLY_SQL, tally_aggregates, tally_scores

VOTABLE_STATUSES = ("published", "shortlisted")


def voting_rules(project: Project) -> ProjectVoting:
    """The project's voting rules; an unsaved default (unverified weight 0) if none."""
    return ProjectVoting.objects.filter(project=project).first() or ProjectVoting(
        project=project)


def project_weights(project: Project) -> dict[int, Decimal]:
    """Role id → weight for this project: its own weights over the roles' defaults."""
    weights = {role.pk: role.default_weight for role in StakeholderRole.objects.all()}
    weights.update(RoleWeight.objects.filter(project=project).values_list("role_id", "weight"))
    return weights


def weights_table(project: Project) -> list[dict]:
    """What the project page publishes: each active role with the weight that applies."""
    own = dict(RoleWeight.objects.filter(project=project).values_list("role_id", "weight"))
    return [{"role": role, "weight": own.get(role.pk, role.default_weight),
             "default": role.pk not in own}
            for role in StakeholderRole.objects.active()]


def weights_frozen(project: Project, at: datetime | None = None) -> bool:
    """True once the voting phase has opened or a vote was cast (the database refuses
    changes then too: voting/migrations/0003)."""
    return (project.phases.filter(kind=PhaseKind.VOTING,
                                  starts_at__lte=at or timezone.now()).exists()
            or Vote.objects.filter(proposal__project=project).exists())


def voting_open_until(project: Project, at: datetime | None = None) -> datetime | None:
    """When the voting phase that is open at `at` closes; None when voting is not open.
    Results read before then are provisional, and every page and file says so."""
    phase = project.phases.filter(kind=PhaseKind.VOTING).first()
    at = at or timezone.now()
    if phase is not None and phase.starts_at <= at < phase.ends_at:
        return phase.ends_at
    return None


def ballot_progress(*, user, project: Project) -> tuple[int, int]:
    """(proposals `user` has voted on, proposals open to votes) in `project`: what the
    voter still has before them."""
    votable = Proposal.objects.public().filter(project=project,
                                               status__in=VOTABLE_STATUSES)
    voted = Vote.objects.filter(user=user, proposal__in=votable).count()
    return voted, votable.count()


def results_visible(user, project: Project) -> bool:
    if user.is_authenticated and user.has_perm("voting.view_results"):
        return True
    return voting_rules(project).results_public


def user_votes(*, user, project: Project | None = None) -> QuerySet[Vote]:
    """A user's own votes: the only individual ballots anyone is ever shown."""
    qs = Vote.objects.filter(user=user).select_related("proposal", "role")
    return qs.filter(proposal__project=project) if project else qs


def ranking_queryset(project: Project) -> QuerySet[Proposal]:
    """The project's public proposals with their tallies and both ranks, best first.

    `rank_weighted` orders by weighted score (weighted support − weighted opposition);
    `rank_equal` by the same score with every vote weighing 1. Ties share a rank.
    """
    return (
        Proposal.objects.public().filter(project=project)
        .annotate(**tally_aggregates())
        .annotate(**tally_scores())
        .annotate(
            rank_weighted=Window(Rank(), order_by=[F("score_weighted").desc()]),
            rank_equal=Window(Rank(), order_by=[F("score_equal").desc()]),
        )
        .select_related("category")
        .order_by("rank_weighted", "rank_equal", "pk")
    )


@dataclass
class RoleTally:
    role: str
    voters: int
    supporters: int
    opponents: int
    abstentions: int
    support_weight: Decimal
    oppose_weight: Decimal


@dataclass
class RoleTallies:
    """A proposal's tallies by role as they may be shown (see voting/groups.py): small
    groups merged into "Other roles", or none at all when `withheld`."""

    tallies: list[RoleTally]
    merged: list[str] = field(default_factory=list)
    withheld: bool = False
    min_size: int = 0

    def as_json(self) -> dict:
        return {"min_size": self.min_size, "merged": self.merged, "withheld": self.withheld}


# A proposal's tally rows, one per role (the role NULL: no verified role), in the roles'
# order: the proposal is in the project, and its rows are summed as every surface does.
ROLE_TALLY_SQL = """
SELECT t.proposal_id, r.name,""" + TALLY_SQL + """
FROM voting_tally t
JOIN proposals_proposal p ON p.id = t.proposal_id
LEFT JOIN accounts_stakeholderrole r ON r.id = t.role_id
WHERE p.project_id = %(project)s {proposal}
GROUP BY t.proposal_id, r.name, r.position
ORDER BY t.proposal_id, r.position, r.name
"""  # noqa: S608 - constant SQL put together; every value is a parameter


def role_tally_rows(project: Project, *, proposal_id: int | None = None
                    ) -> dict[int, list[dict]]:
    """Per proposal, per role (None: no verified role), in the roles' order: a dict of
    "role" and the counts and weighted sums of a `RoleTally`, every group however small.
    Not to be shown as such: `role_breakdowns` and `role_tallies` are what is shown."""
    # In SQL (voting/tally.py's sums): the ORM would convert each of the values of tens
    # of thousands of rows into what psycopg already gives, ints and Decimals.
    with connection.cursor() as cursor:
        cursor.execute(ROLE_TALLY_SQL.format(
            proposal="AND t.proposal_id = %(proposal)s" if proposal_id is not None else ""),
            {"project": project.pk, "proposal": proposal_id})
        rows = cursor.fetchall()
    tallies: dict[int, list[dict]] = {}
    for pk, role, supporters, opponents, abstentions, support, oppose in rows:
        # One vote per voter and proposal: a proposal's votes are its voters. Plain
        # dicts, in `RoleTally`'s order: the report keeps tens of thousands of them.
        tallies.setdefault(pk, []).append({
            "role": role or "No verified role",
            "voters": supporters + opponents + abstentions, "supporters": supporters,
            "opponents": opponents, "abstentions": abstentions,
            "support_weight": support, "oppose_weight": oppose})
    return tallies


def role_breakdowns(project: Project, *, proposal_id: int | None = None
                    ) -> dict[int, RoleBreakdown]:
    """Per proposal, its tallies by role as they may be shown, as dicts (the report's
    form): groups of fewer than PLAZA_MIN_GROUP_SIZE voters merged (voting/groups.py)."""
    return {pk: role_groups_merge(rows) for pk, rows in
            role_tally_rows(project, proposal_id=proposal_id).items()}


def role_tallies(project: Project, *, proposal_id: int | None = None
                 ) -> dict[int, RoleTallies]:
    """Per proposal, its tallies by role as the results page and the API show them:
    `role_breakdowns`, each row a `RoleTally`."""
    return {pk: RoleTallies(tallies=[RoleTally(**row) for row in shown.rows],
                            merged=shown.merged, withheld=shown.withheld,
                            min_size=shown.min_size)
            for pk, shown in role_breakdowns(project, proposal_id=proposal_id).items()}


def share(support: Decimal, oppose: Decimal) -> Decimal | None:
    """Weighted support as a share of weighted support and opposition (abstentions aside)."""
    total = support + oppose
    return (support / total).quantize(Decimal("0.0001")) if total else None


def proposal_tally(proposal: Proposal) -> dict:
    """One proposal's tally: counts, weighted support and opposition, score, share, roles."""
    # The ranking's sums for this one proposal (ranked or not: a hidden, submitted or
    # withdrawn proposal's rows are counted the same way).
    row = (Proposal.objects.filter(pk=proposal.pk).annotate(**tally_aggregates())
           .annotate(**tally_scores())
           .values("supporters", "opponents", "abstentions", "support_weight",
                   "oppose_weight", "score_weighted", "score_equal").get())
    row["share"] = share(row["support_weight"], row["oppose_weight"])
    roles = role_tallies(proposal.project, proposal_id=proposal.pk).get(
        proposal.pk, RoleTallies(tallies=[], min_size=min_group_size()))
    row["roles"], row["role_groups"] = roles.tallies, roles.as_json()
    return row
