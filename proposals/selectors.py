"""Reads of projects and proposals, with visibility applied in one place.

`proposals_feature_collection` lets PostGIS build the GeoJSON of a whole page of
proposals in one query: building it feature by feature in Python costs ten times
more (bench/bench_bbox_proposals.py measures ours against the raw query). Features
carry only what the map needs; a category's name and colour come with the project.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Max, Q, QuerySet
from django.utils.translation import gettext as _

from core import geojson
from core.bbox import BBoxError, bbox_polygon
from core.db_router import read_connection
from proposals import rules
from proposals.models import PUBLIC_Q, Flag, Project, Proposal, ProposalStatus

MAX_PAGE = 2000
DEFAULT_PAGE = 1000


def projects_listed(*, user) -> QuerySet[Project]:
    return Project.objects.listed().with_current_phase().order_by("-created_at")


def project_for(*, user, without_area: bool = False, **lookup) -> Project:
    """The project a user may open, or Project.DoesNotExist (drafts are planners' only).

    `without_area`: for readers that never touch the area (a city's outline is hundreds
    of kilobytes, fetched and parsed for nothing on every map request); read on first
    use if they do."""
    projects = Project.objects.visible_to(user)
    if without_area:
        projects = projects.defer("area")
    return projects.get(**lookup)


def _readable(qs: QuerySet[Proposal], user) -> QuerySet[Proposal]:
    if rules.can_moderate(user):
        return qs
    public = PUBLIC_Q  # Proposal.objects.public(), or-ed with the reader's own
    if user.is_authenticated:
        public |= Q(author=user)
    return qs.filter(public)


def proposals_visible(*, user, project: Project) -> QuerySet[Proposal]:
    """Proposals a user may see: public and not hidden; planners see all; authors their own."""
    return _readable(Proposal.objects.filter(project=project), user)


def proposals_readable(*, user) -> QuerySet[Proposal]:
    """Every proposal a user may open, in every project they may open: the queryset that
    pages and endpoints about one proposal look it up in (anything else is a 404)."""
    projects = Project.objects.visible_to(user)
    return _readable(Proposal.objects.filter(project__in=projects), user).select_related(
        "project", "category", "author", "neighbourhood", "district")


def proposal_merged_into(*, user, pk: int) -> Proposal | None:
    """The proposal a merged duplicate `pk` now leads to, when the reader may open it:
    the duplicate's page and API answer with a redirect there (docs/duplicates.md)."""
    target = (Proposal.objects.filter(pk=pk, status=ProposalStatus.MERGED,
                                      project__in=Project.objects.visible_to(user))
              .values_list("merged_into", flat=True).first())
    if target is None:
        return None
    return proposals_readable(user=user).filter(pk=target).first()


@dataclass(frozen=True)
class ProposalCounts:
    """How many proposals a project received, and how many of them are public."""

    received: int
    public: int


def proposal_counts(*, project: Project | None = None,
                    projects: QuerySet[Project] | None = None) -> ProposalCounts:
    """Every proposal a project received (awaiting moderation, hidden, withdrawn and
    rejected included: what planners handle) and the public ones among them (what every
    published number counts, `Proposal.objects.public()`), in one query, so that a page
    showing both cannot take them from two rules that drift apart. `projects` instead
    of `project`: the same counts over several projects (a municipality's)."""
    received = (Proposal.objects.filter(project=project) if projects is None
                else Proposal.objects.filter(project__in=projects))
    counts = received.aggregate(
        received=Count("pk"), public=Count("pk", filter=PUBLIC_Q))
    return ProposalCounts(**counts)


def flags_open() -> QuerySet[Flag]:
    """Reports on proposals that still wait for a moderator: hiding a proposal settles
    the reports on it. The moderation queue and the dashboard's counts read these."""
    return Flag.objects.filter(proposal__is_hidden=False)


def proposals_flagged() -> QuerySet[Proposal]:
    """The moderation queue: visible proposals that users reported, most reported first."""
    return (Proposal.objects.filter(is_hidden=False, flags__isnull=False)
            .annotate(flag_count=Count("flags"), last_flag=Max("flags__created_at"))
            .select_related("project").order_by("-flag_count", "-last_flag"))


def bbox_parse(raw: str) -> Polygon:
    """`minlon,minlat,maxlon,maxlat` → a polygon; a clear error for anything else."""
    try:
        return bbox_polygon(raw)
    except BBoxError as exc:
        message = (_("bbox is four numbers: minlon,minlat,maxlon,maxlat.")
                   if exc.code == "not_numbers" else
                   _("bbox must have min < max, longitudes within ±180 and latitudes "
                     "within ±90."))
        raise ValidationError({"bbox": message}) from exc


@dataclass(frozen=True)
class ProposalFilter:
    bbox: Polygon | None = None
    categories: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()


def proposals_filter(qs: QuerySet[Proposal], f: ProposalFilter) -> QuerySet[Proposal]:
    if f.bbox is not None:
        qs = qs.filter(geometry__bboverlaps=f.bbox)  # && : answered by the GiST index
    if f.categories:
        qs = qs.filter(category__slug__in=f.categories)
    if f.statuses:
        qs = qs.filter(status__in=f.statuses)
    return qs


# What the map needs of each proposal.
_FEATURE = geojson.feature_sql(id="u.id", geometry="u.geometry", properties="""
    json_build_object('title', u.title, 'category', u.category_slug, 'status', u.status,
                      'hidden', u.is_hidden)""")

_FEATURES_SQL = """
SELECT count(*),
       coalesce(json_agg({feature} ORDER BY u.n) FILTER (WHERE u.n <= %s), '[]')::text
FROM (SELECT row_number() OVER () AS n, t.* FROM ({inner}) t) u
"""


def proposals_feature_collection(qs: QuerySet[Proposal], *, limit: int = DEFAULT_PAGE,
                                 offset: int = 0) -> tuple[str, int, bool]:
    """A page of `qs` as GeoJSON features built by PostGIS.

    Returns (features as a JSON array text, how many, whether more follow). One row
    past the page is read to know whether there is a next page, without counting all.
    """
    limit = max(1, min(limit, MAX_PAGE))
    page = qs.order_by("pk").values(
        "id", "title", "status", "is_hidden", "geometry", category_slug=F("category__slug"),
    )[offset:offset + limit + 1]
    inner, params = page.query.sql_with_params()
    with read_connection().cursor() as cursor:
        cursor.execute(_FEATURES_SQL.format(feature=_FEATURE, inner=inner), [limit, *params])
        count, features = cursor.fetchone()
    return features, min(count, limit), count > limit

