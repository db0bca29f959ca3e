"""A project's overview for planners: everything it received, by status and by role,
what waits in the queues, and participation by district.

Two kinds of number sit on this page, and each says which it is. The totals, the
statuses, the roles and the chart count *everything received*: proposals awaiting
moderation, hidden, withdrawn or rejected, and the comments and votes on them, because
that is the planners' work. The public count beside them and the breakdown by district
are *published* numbers: they count `Proposal.objects.public()` with the rule every
other surface uses (`proposals.selectors.proposal_counts`, `proposals/districts.py`),
so the dashboard cannot disagree with the results page, the open data or the council
report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, QuerySet
from django.utils import timezone

from accounts.selectors import role_claims_pending
from dashboard.activity import activity_by_day, activity_start
from gisdata.models import Layer
from gisdata.selectors import feature_name
from proposals import districts
from proposals.comment_selectors import comment_flags_open
from proposals.models import Comment, Project, Proposal, ProposalStatus
from proposals.selectors import ProposalCounts, flags_open, proposal_counts
from voting.models import Vote

NO_ROLE = "No verified role"


@dataclass
class Totals:
    """The project's totals: `proposals` is received and public, the rest everything
    received (comments not deleted, votes, and the people behind all three)."""

    proposals: ProposalCounts
    comments: int
    votes: int
    participants: int


@dataclass
class Overview:
    by_status: list[tuple[str, int]]
    open_flags: int
    open_comment_flags: int
    pending_claims: int
    days: list[dict]
    by_role: list[dict]
    totals: Totals


def project_overview(project: Project, *, today: date | None = None) -> Overview:
    """The overview's numbers (a dozen queries, however big the project)."""
    today = today or timezone.localdate()
    proposals = Proposal.objects.filter(project=project)
    comments = Comment.objects.filter(proposal__project=project, is_deleted=False)
    votes = Vote.objects.filter(proposal__project=project)
    return Overview(
        by_status=_by_status(proposals),
        open_flags=flags_open().filter(proposal__project=project).count(),
        open_comment_flags=comment_flags_open().filter(
            comment__proposal__project=project).count(),
        pending_claims=role_claims_pending().count(),
        days=activity_by_day({"proposals": proposals, "comments": comments, "votes": votes},
                             start=activity_start(project.created_at.date(), today),
                             today=today),
        by_role=_by_role(votes),
        totals=participation_totals(Project.objects.filter(pk=project.pk)))


def participation_totals(projects: QuerySet[Project]) -> Totals:
    """The totals of a set of projects: one project's (its overview), or a
    municipality's (the region's dashboard), so that both count alike. Participants are
    people, each counted once however many of the projects they took part in."""
    return Totals(
        proposals=proposal_counts(projects=projects),
        comments=Comment.objects.filter(proposal__project__in=projects,
                                        is_deleted=False).count(),
        votes=Vote.objects.filter(proposal__project__in=projects).count(),
        participants=_participants(projects))


def _by_status(proposals) -> list[tuple[str, int]]:
    """(label, how many) for every status, in the statuses' order, zeros included."""
    counts = dict(proposals.order_by().values("status").annotate(n=Count("pk"))
                  .values_list("status", "n"))
    return [(label, counts.get(value, 0)) for value, label in ProposalStatus.choices]


def _by_role(votes) -> list[dict]:
    """Votes and voters by the role each vote was cast with, the most votes first."""
    rows = (votes.order_by().values("role__name")
            .annotate(voters=Count("user", distinct=True), n=Count("pk")).order_by("-n"))
    return [{"role": row["role__name"] or NO_ROLE, "votes": row["n"],
             "voters": row["voters"]} for row in rows]


def _participants(projects: QuerySet[Project]) -> int:
    """People who proposed, commented (a comment since deleted too: it was taking part)
    or voted in the projects, each once; erased accounts are no one's."""
    authors = (Proposal.objects.filter(project__in=projects, author__isnull=False)
               .order_by().values_list("author_id"))
    commenters = (Comment.objects.filter(proposal__project__in=projects,
                                         author__isnull=False)
                  .order_by().values_list("author_id"))
    voters = (Vote.objects.filter(proposal__project__in=projects, user__isnull=False)
              .order_by().values_list("user_id"))
    return authors.union(commenters, voters).count()


def participation_by_district(project: Project, layer: Layer) -> list[dict]:
    """Public proposals and the votes on them per feature of an area layer such as the
    districts, the busiest first: the council report's rule (proposals/districts.py),
    each proposal in the one district that holds its point on surface."""
    counted = districts.participation_by_district(
        Proposal.objects.public().filter(project=project), layer)
    result = [{"id": row["id"], "name": feature_name(layer, row["properties"], row["number"]),
               "proposals": row["proposals"], "votes": row["votes"]}
              for row in counted.districts]
    return sorted(result, key=lambda r: (-r["proposals"], -r["votes"], r["name"]))
