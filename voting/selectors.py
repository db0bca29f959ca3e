"""Reads of weights, votes and results. Every number of a result is read from the
tally the database keeps with the votes (voting/tally.py), so it always equals the sum
over the vote rows committed when it is read."""

from __future__ import annotations

from collections.abc import Iterable
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


def ranked_proposals(project: Project) -> QuerySet[Proposal]:
    """What the ranking ranks: the project's public proposals."""
    return Proposal.objects.public().filter(project=project)


def ranking_queryset(project: Project) -> QuerySet[Proposal]:
    """The project's public proposals with their tallies and both ranks, best first.

    `rank_weighted` orders by weighted score (weighted support − weighted opposition);
    `rank_equal` by the same score with every vote weighing 1. Ties share a rank, and
    the order among them is by id, so that a slice of it (a page: LIMIT/OFFSET) holds
    the same rows however often it is read; the ranks are computed over the whole
    project before the slice is taken.
    """
    return (
        ranked_proposals(project)
        .annotate(**tally_aggregates())
        .annotate(**tally_scores())
        .annotate(
            rank_weighted=Window(Rank(), order_by=[F("score_weighted").desc()]),
            rank_equal=Window(Rank(), order_by=[F("score_equal").desc()]),
        )
        .select_related("category")
        .order_by("rank_weighted", "rank_equal", "pk")
    )


@dataclass(frozen=True)
class RankingSummary:
    """Whole-project figures of the ranking, whichever page of it is shown."""

    proposals: int  # public proposals, each ranked
    votes: int  # every vote on them (supporters, opponents and abstentions)
    rank_changed: int  # proposals whose rank the weights changed
    top_weight: Decimal  # the largest weighted support or opposition of any proposal


# The figures, as aggregates over the ranking's own rows `r` (`ranking_queryset`): its
# rows added up, never a second definition of them. `{over}` is where a window goes.
SUMMARY = {
    "proposals": "count(*){over}",
    "votes": "coalesce(sum(r.supporters + r.opponents + r.abstentions){over}, 0)",
    "rank_changed": "count(*) FILTER (WHERE r.rank_weighted <> r.rank_equal){over}",
    "top_weight": "coalesce(max(greatest(r.support_weight, r.oppose_weight)){over}, 0)",
}
# What they are computed from, with what a page of the ranking is ordered by.
SUMMARY_COLUMNS = ("id", "supporters", "opponents", "abstentions", "support_weight",
                   "oppose_weight", "rank_weighted", "rank_equal")
SUMMARY_SQL = "SELECT " + ", ".join(  # noqa: S608 - constant SQL put together
    sql.replace("{over}", "") for sql in SUMMARY.values()) + " FROM ({ranking}) r"
# A page of the ranking and, on each of its rows, the figures of all of them: window
# aggregates over the whole ranking, computed before LIMIT/OFFSET take the page. One
# query: the ranking is computed once.
PAGE_SQL = ("SELECT r.*, " + ", ".join(  # noqa: S608 - constant SQL put together
    sql.replace("{over}", " OVER ()") + f' AS "summary_{name}"'
    for name, sql in SUMMARY.items())
    + " FROM ({ranking}) r ORDER BY r.rank_weighted, r.rank_equal, r.id LIMIT %s OFFSET %s")


def _summary(row: dict) -> RankingSummary:
    return RankingSummary(proposals=row["proposals"], votes=int(row["votes"]),
                          rank_changed=row["rank_changed"],
                          top_weight=Decimal(row["top_weight"]))


def _ranking_sql(project: Project, columns) -> tuple[str, tuple]:
    ranking = ranking_queryset(project).order_by().values(
        *dict.fromkeys((*columns, *SUMMARY_COLUMNS)))
    return ranking.query.sql_with_params()


def ranking_summary(project: Project) -> RankingSummary:
    """The ranking's whole-project figures, in one query and without its rows."""
    sql, params = _ranking_sql(project, ())
    with connection.cursor() as cursor:
        cursor.execute(SUMMARY_SQL.format(ranking=sql), params)
        return _summary(dict(zip(SUMMARY, cursor.fetchone(), strict=True)))


class RankingPages:
    """The ranking as a sequence that Django's `Paginator` and DRF's limit/offset
    pagination page through. `count()` counts the project's public proposals (what the
    ranking ranks, without ranking them); a slice is one query that ranks the whole
    project, returns the slice's rows as dicts of `values` and keeps the whole
    project's figures read with them (`summary`)."""

    def __init__(self, project: Project, *, values: tuple[str, ...]):
        self.project = project
        self.values = values
        self._summary: RankingSummary | None = None

    @property
    def summary(self) -> RankingSummary:
        """The figures read with the page; read on their own if no page was (or the
        page was past the end)."""
        if self._summary is None:
            self._summary = ranking_summary(self.project)
        return self._summary

    def count(self) -> int:
        return ranked_proposals(self.project).count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, where: slice) -> list[dict]:
        if not isinstance(where, slice) or where.step is not None:
            raise TypeError("The ranking is read a page (a slice) at a time.")
        start = where.start or 0
        if where.stop is None or where.stop <= start:
            return []
        sql, params = _ranking_sql(self.project, self.values)
        with connection.cursor() as cursor:
            cursor.execute(PAGE_SQL.format(ranking=sql), [*params, where.stop - start, start])
            names = [column.name for column in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        if rows:
            self._summary = _summary({name: rows[0][f"summary_{name}"] for name in SUMMARY})
        return [{name: row[name] for name in self.values} for row in rows]


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


def role_tally_rows(project: Project, *, proposal_ids: Iterable[int] | None = None
                    ) -> dict[int, list[dict]]:
    """Per proposal, per role (None: no verified role), in the roles' order: a dict of
    "role" and the counts and weighted sums of a `RoleTally`, every group however small.
    Not to be shown as such: `role_breakdowns` and `role_tallies` are what is shown."""
    # In SQL (voting/tally.py's sums): the ORM would convert each of the values of tens
    # of thousands of rows into what psycopg already gives, ints and Decimals.
    with connection.cursor() as cursor:
        cursor.execute(ROLE_TALLY_SQL.format(
            proposal="AND t.proposal_id = ANY(%(proposals)s)"
            if proposal_ids is not None else ""),
            {"project": project.pk,
             "proposals": list(proposal_ids) if proposal_ids is not None else None})
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


def role_breakdowns(project: Project, *, proposal_ids: Iterable[int] | None = None
                    ) -> dict[int, RoleBreakdown]:
    """Per proposal, its tallies by role as they may be shown, as dicts (the report's
    form): groups of fewer than PLAZA_MIN_GROUP_SIZE voters merged (voting/groups.py)."""
    return {pk: role_groups_merge(rows) for pk, rows in
            role_tally_rows(project, proposal_ids=proposal_ids).items()}


def role_tallies(project: Project, *, proposal_ids: Iterable[int] | None = None
                 ) -> dict[int, RoleTallies]:
    """Per proposal, its tallies by role as the results page and the API show them:
    `role_breakdowns`, each row a `RoleTally`. Every proposal of the project, or those of
    `proposal_ids` only (a page of the ranking, or one proposal: the same tallies, since
    a proposal's groups are merged among its own votes)."""
    return {pk: RoleTallies(tallies=[RoleTally(**row) for row in shown.rows],
                            merged=shown.merged, withheld=shown.withheld,
                            min_size=shown.min_size)
            for pk, shown in role_breakdowns(project, proposal_ids=proposal_ids).items()}


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
    roles = role_tallies(proposal.project, proposal_ids=[proposal.pk]).get(
        proposal.pk, RoleTallies(tallies=[], min_size=min_group_size()))
    row["roles"], row["role_groups"] = roles.tallies, roles.as_json()
    return row
