"""Pages of features and proposals as GeoJSON, built by PostGIS in one query.

As in proposals/selectors.py, the ORM writes the filtered, ordered page (so the apps'
own visibility rules and Feature.layer_id filters apply, whatever the tables become)
and PostgreSQL wraps it: `json_agg(json_build_object(… ST_AsGeoJSON …))` returns the
whole array as one text, which the view sends without parsing. Per-feature Python is
where the time would go (DESIGN.md §7); bench/bench_ogc.py measures ours against the
raw query and against pygeoapi.

`numberMatched` comes from `count(*) OVER ()` over the filtered rows, in the same query;
a layer read without a bbox uses the layer's stored feature count instead, so the first
page of a 200,000-feature layer costs what the page costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.contrib.gis.geos import Polygon
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Window

from gisdata.models import Feature, Layer
from proposals.models import Project, Proposal
from proposals.selectors import proposals_readable
from voting.models import Vote

Bbox = tuple[float, float, float, float]

# What a proposal carries in open data: no author (a person's name is not open data),
# nothing a moderator wrote about hiding it (hidden proposals are not served at all).
PROPOSAL_FIELDS = ("id", "title", "body", "status", "official_answer", "created_at",
                   "updated_at", "geometry", "project_id", "category_slug", "category_name")


@dataclass(frozen=True)
class Page:
    features: str  # a JSON array of GeoJSON Features, as text
    matched: int
    returned: int
    last_modified: datetime | None


def bbox_q(bbox: Bbox) -> Q:
    """Geometries whose bounding box meets `bbox` (`&&`, answered by the GiST index).
    A bbox whose west edge lies east of its east edge crosses the antimeridian."""
    minx, miny, maxx, maxy = bbox
    if minx <= maxx:
        return Q(geometry__bboverlaps=Polygon.from_bbox(bbox))
    return (Q(geometry__bboverlaps=Polygon.from_bbox((minx, miny, 180.0, maxy)))
            | Q(geometry__bboverlaps=Polygon.from_bbox((-180.0, miny, maxx, maxy))))


def interval_q(field: str, interval: tuple[datetime | None, datetime | None]) -> Q:
    start, end = interval
    q = Q()
    if start is not None:
        q &= Q(**{f"{field}__gte": start})
    if end is not None:
        q &= Q(**{f"{field}__lte": end})
    return q


_PAGE_SQL = """
SELECT coalesce(max({matched}), 0), count(*), max({modified}),
       coalesce(json_agg(json_build_object(
           'type', 'Feature', 'id', p.id,
           'geometry', ST_AsGeoJSON(p.geometry, 7)::json,
           'properties', {properties}
       ) ORDER BY p.n), '[]')::text
FROM (SELECT row_number() OVER () AS n, t.* FROM ({inner}) t) p {joins}
"""

_PROPOSAL_PROPERTIES = """json_build_object(
    'project', p.project_id, 'title', p.title, 'body', p.body,
    'category', p.category_slug, 'category_name', p.category_name, 'status', p.status,
    'official_answer', p.official_answer, 'created_at', p.created_at,
    'updated_at', p.updated_at{results})"""

_RESULT_PROPERTIES = """,
    'supporters', r.supporters, 'opponents', r.opponents, 'abstentions', r.abstentions,
    'support_weight', r.support_weight, 'oppose_weight', r.oppose_weight,
    'score_weighted', r.support_weight - r.oppose_weight,
    'score_equal', r.supporters - r.opponents"""

# The tally of each proposal on the page, from its vote rows (the voting_tally_idx
# index covers it): the same sums as voting.selectors.proposal_tally, for a page at once.
_RESULTS_JOIN = """
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE v.value = 1) AS supporters,
           count(*) FILTER (WHERE v.value = -1) AS opponents,
           count(*) FILTER (WHERE v.value = 0) AS abstentions,
           coalesce(sum(v.weight) FILTER (WHERE v.value = 1), 0) AS support_weight,
           coalesce(sum(v.weight) FILTER (WHERE v.value = -1), 0) AS oppose_weight
    FROM {votes} v WHERE v.proposal_id = p.id) r ON true
"""


def _run(page: QuerySet, *, properties: str, joins: str = "", matched: str = "p.matched",
         modified: str = "NULL::timestamptz") -> tuple[int, int, datetime | None, str]:
    try:
        inner, params = page.query.sql_with_params()
    except EmptyResultSet:  # a filter no row can meet (an id beyond bigint, say)
        return 0, 0, None, "[]"
    sql = _PAGE_SQL.format(inner=inner, properties=properties, joins=joins,
                           matched=matched, modified=modified)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def layer_page(layer: Layer, *, bbox: Bbox | None = None, limit: int = 10,
               offset: int = 0, feature_id: int | None = None) -> Page:
    """A page of a layer's features (ordered by id), with how many match in all."""
    qs = Feature.objects.filter(layer_id=layer.pk)
    if feature_id is not None:
        qs = qs.filter(pk=feature_id)
    counted = bbox is not None
    if counted:
        qs = qs.filter(bbox_q(bbox)).annotate(matched=Window(Count("pk")))
    fields = ("id", "geometry", "properties", *(("matched",) if counted else ()))
    page = qs.order_by("pk").values(*fields)[offset:offset + limit]
    matched, returned, _, features = _run(page, properties="p.properties",
                                          matched="p.matched" if counted else "0")
    if not counted:
        matched = returned if feature_id is not None else layer.feature_count
    elif returned == 0 and offset:
        matched = qs.count()
    return Page(features, matched, returned, layer.updated_at)


@dataclass(frozen=True)
class ProposalQuery:
    bbox: Bbox | None = None
    interval: tuple[datetime | None, datetime | None] | None = None
    categories: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    feature_id: int | None = None


def proposals_public(project: Project | None = None) -> QuerySet[Proposal]:
    """The proposals anyone may read (of one project): the proposals app's own rule."""
    qs = proposals_readable(user=AnonymousUser())
    return qs.filter(project=project) if project is not None else qs


def proposals_query(qs: QuerySet[Proposal], query: ProposalQuery) -> QuerySet[Proposal]:
    if query.feature_id is not None:
        qs = qs.filter(pk=query.feature_id)
    if query.bbox is not None:
        qs = qs.filter(bbox_q(query.bbox))
    if query.interval is not None:
        qs = qs.filter(interval_q("created_at", query.interval))
    if query.categories:
        qs = qs.filter(category__slug__in=query.categories)
    if query.statuses:
        qs = qs.filter(status__in=query.statuses)
    return qs


def proposals_page(qs: QuerySet[Proposal], *, limit: int = 10, offset: int = 0,
                   ordering: tuple[str, ...] = ("pk",), results: bool = False) -> Page:
    """A page of proposals as GeoJSON features, with their tallies when `results`.

    `qs` is already filtered to what the reader may see; `ordering` is a list of the
    proposal's public fields (`-updated_at`), the id breaking ties so pages never
    overlap.
    """
    annotated = qs.annotate(matched=Window(Count("pk")), category_slug=F("category__slug"),
                            category_name=F("category__name"))
    order = [*ordering, *(() if {"pk", "id", "-pk", "-id"} & set(ordering) else ("pk",))]
    page = annotated.order_by(*order).values(*PROPOSAL_FIELDS, "matched")
    page = page[offset:offset + limit]
    joins = _RESULTS_JOIN.format(votes=connection.ops.quote_name(Vote._meta.db_table))
    matched, returned, modified, features = _run(
        page, properties=_PROPOSAL_PROPERTIES.format(
            results=_RESULT_PROPERTIES if results else ""),
        joins=joins if results else "", modified="p.updated_at")
    if returned == 0 and offset:
        matched = qs.count()
    return Page(features, matched, returned, modified)
