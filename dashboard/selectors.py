"""What the dashboard reads: the layers a project's area may come from, a project's
overview (participation over time, by role and by district) and a preview of a ranking
under other weights. Counts are SQL aggregates; nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import Rank, TruncDate
from django.utils import timezone

from accounts.models import RoleClaim, StakeholderRole
from gisdata.models import GeometryType, Layer
from gisdata.selectors import feature_name
from proposals import districts
from proposals.models import Comment, CommentFlag, Flag, Project, Proposal, ProposalStatus
from voting.models import Vote
from voting.selectors import project_weights, ranking_queryset, voting_rules
from voting.tally import score_under

DAYS_SHOWN = 60
AREA_TYPES = (GeometryType.POLYGON, GeometryType.MULTIPOLYGON, GeometryType.MIXED)


def area_layers() -> QuerySet[Layer]:
    """Layers of areas a project's area or a breakdown by district may come from. Their
    features are found by name (`gisdata.selectors.features_search`), so a layer of
    census sections by the thousand is as usable as the ten districts."""
    return (Layer.objects.filter(geometry_type__in=AREA_TYPES, feature_count__gt=0)
            .select_related("dataset").order_by("title", "dataset__name", "pk"))


# ------------------------------------------------------------------------ overview
@dataclass
class Overview:
    by_status: list[tuple[str, int]]
    open_flags: int
    open_comment_flags: int
    pending_claims: int
    days: list[dict]
    by_role: list[dict]
    totals: dict


def _per_day(qs, field: str, since: date) -> dict[date, int]:
    return dict(qs.filter(**{f"{field}__date__gte": since})
                .annotate(day=TruncDate(field)).values("day")
                .annotate(n=Count("pk")).values_list("day", "n"))


def project_overview(project: Project, *, today: date | None = None) -> Overview:
    today = today or timezone.localdate()
    proposals = Proposal.objects.filter(project=project)
    counts = dict(proposals.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    by_status = [(label, counts.get(value, 0)) for value, label in ProposalStatus.choices]
    comments = Comment.objects.filter(proposal__project=project, is_deleted=False)
    votes = Vote.objects.filter(proposal__project=project)
    start = max(project.created_at.date(), today - timedelta(days=DAYS_SHOWN - 1))
    series = {"proposals": _per_day(proposals, "created_at", start),
              "comments": _per_day(comments, "created_at", start),
              "votes": _per_day(votes, "created_at", start)}
    days, peak = [], 1
    for offset in range((today - start).days + 1):
        day = start + timedelta(days=offset)
        row = {"day": day, **{k: v.get(day, 0) for k, v in series.items()}}
        row["total"] = row["proposals"] + row["comments"] + row["votes"]
        peak = max(peak, row["total"])
        days.append(row)
    for row in days:
        row["percent"] = round(row["total"] * 100 / peak)
    roles = (votes.values("role__name").annotate(voters=Count("user", distinct=True),
                                                  n=Count("pk")).order_by("-n"))
    by_role = [{"role": r["role__name"] or "No verified role", "votes": r["n"],
                "voters": r["voters"]} for r in roles]
    return Overview(
        by_status=by_status,
        open_flags=Flag.objects.filter(proposal__project=project,
                                       proposal__is_hidden=False).count(),
        open_comment_flags=CommentFlag.objects.filter(
            comment__proposal__project=project, comment__is_hidden=False,
            comment__is_deleted=False).count(),
        pending_claims=RoleClaim.objects.pending().count(),
        days=days, by_role=by_role,
        totals={"proposals": proposals.count(), "public": proposals.public().count(),
                "comments": comments.count(),
                "votes": votes.count(),
                "participants": _participants(project)})


def _participants(project: Project) -> int:
    sql = """SELECT count(*) FROM (
        SELECT author_id FROM proposals_proposal WHERE project_id = %s AND author_id IS NOT NULL
        UNION SELECT c.author_id FROM proposals_comment c JOIN proposals_proposal p
              ON p.id = c.proposal_id WHERE p.project_id = %s AND c.author_id IS NOT NULL
        UNION SELECT v.user_id FROM voting_vote v JOIN proposals_proposal p
              ON p.id = v.proposal_id WHERE p.project_id = %s AND v.user_id IS NOT NULL) u"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [project.pk] * 3)
        return cursor.fetchone()[0]


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


def district_layer_default() -> Layer | None:
    """The layer a planner marked as the districts, or none: never a layer picked by
    its title or its order, which would count participation in census sections or
    flood zones without anyone choosing so."""
    return area_layers().filter(is_districts=True).first()


# ------------------------------------------------------------------ weights preview
def ranking_preview(project: Project, *, weights: dict[int, Decimal],
                    unverified_weight: Decimal) -> list[dict]:
    """The project's ranking now, and as it would be if every vote cast so far weighed
    what `weights` (role id → weight) and `unverified_weight` say: the ranking's own
    query with one more score (voting/tally.py's `score_under`) and its rank."""
    rows = (ranking_queryset(project)
            .annotate(score_preview=score_under(weights, unverified_weight))
            .annotate(rank_preview=Window(Rank(), order_by=[F("score_preview").desc()]))
            .values("pk", "title", "rank_weighted", "score_weighted", "score_preview",
                    "rank_preview"))
    return sorted(({**row, "moved": row["rank_weighted"] - row["rank_preview"]}
                   for row in rows), key=lambda r: (r["rank_preview"], r["pk"]))


def weights_current(project: Project) -> tuple[list[tuple[StakeholderRole, Decimal]], Decimal]:
    weights = project_weights(project)
    roles = [(role, weights[role.pk]) for role in StakeholderRole.objects.active()]
    return roles, voting_rules(project).unverified_weight


def flagged_counts() -> dict:
    return {"proposals": Flag.objects.filter(proposal__is_hidden=False)
            .values("proposal").distinct().count(),
            "comments": CommentFlag.objects.filter(comment__is_hidden=False,
                                                   comment__is_deleted=False)
            .values("comment").distinct().count()}


def projects_for_dashboard() -> QuerySet[Project]:
    return (Project.objects.with_current_phase()
            .annotate(proposal_count=Count("proposals", distinct=True),
                      flag_count=Count("proposals__flags", distinct=True,
                                       filter=Q(proposals__is_hidden=False)))
            .order_by("-created_at"))
