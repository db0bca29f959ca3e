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

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.contrib.gis.geos import Polygon
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import EmptyResultSet
from django.db.models import (
    BigIntegerField,
    Count,
    F,
    Func,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    Window,
)

from core import geojson
from core.cursors import rows_streamed
from core.db_router import read_connection
from gisdata.models import Feature, Layer
from proposals.models import Project, Proposal
from proposals.selectors import proposals_readable
from voting.models import VoteTally
from voting.tally import SCORES_SQL, TALLY_SQL

Bbox = tuple[float, float, float, float]

# What a proposal carries in open data: no author (a person's name is not open data),
# nothing a moderator wrote about hiding it (hidden proposals are not served at all).
PROPOSAL_FIELDS = ("id", "title", "body", "status", "official_answer", "created_at",
                   "updated_at", "geometry", "project_id", "category_slug", "category_name")


# Pages of up to this many features are fetched in one go (GDAL's 10, the default
# 100, the 1,000 that desktop GIS clients ask for); larger ones are streamed CHUNK rows
# at a time (opendata/ogc.py). A server-side cursor costs its own round trips (the
# transaction, DECLARE, each FETCH, CLOSE): 3 ms of a 17 ms page of 1,000 points. It is
# there to bound memory, which a page of 1,000 features does not threaten (~0.2 MB of
# points, a few MB of detailed polygons); the largest pages (OGC_ITEMS_MAX_LIMIT) stream.
STREAM_ABOVE = 1000
CHUNK = 500


@dataclass(frozen=True)
class Rows:
    """A page of OGC items: how many match in all (None when one feature was asked
    for), and the page's rows, (id, GeoJSON Feature text), as PostgreSQL hands them."""

    matched: int | None
    rows: Iterator[tuple[int, str]]


@dataclass(frozen=True)
class Page:
    features: str  # a JSON array of GeoJSON Features, as text
    matched: int
    returned: int
    last_modified: datetime | None


def bbox_q(bbox: Bbox) -> Q:
    """Geometries that intersect `bbox`, as OGC API – Features defines its filter
    (`ST_Intersects`, which the GiST index answers first). Bounding boxes alone (`&&`)
    would also take a line whose box meets the bbox but not the line, and points up to
    a few metres outside it: the index keeps boxes in single precision. A bbox whose west
    edge lies east of its east edge crosses the antimeridian."""
    minx, miny, maxx, maxy = bbox
    if minx <= maxx:
        return Q(geometry__intersects=Polygon.from_bbox(bbox))
    return (Q(geometry__intersects=Polygon.from_bbox((minx, miny, 180.0, maxy)))
            | Q(geometry__intersects=Polygon.from_bbox((-180.0, miny, maxx, maxy))))


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
       coalesce(json_agg({feature} ORDER BY p.n), '[]')::text
FROM (SELECT row_number() OVER () AS n, t.* FROM ({inner}) t) p {joins}
"""

_ROWS_SQL = """
SELECT p.id, {feature}::text
FROM ({inner}) p {joins}
ORDER BY p.id
"""


def _feature(properties: str) -> str:
    return geojson.feature_sql(id="p.id", geometry="p.geometry", properties=properties)

_PROPOSAL_PROPERTIES = """json_build_object(
    'project', p.project_id, 'title', p.title, 'body', p.body,
    'category', p.category_slug, 'category_name', p.category_name, 'status', p.status,
    'official_answer', p.official_answer, 'created_at', p.created_at,
    'updated_at', p.updated_at{results})"""

_RESULT_PROPERTIES = """,
    'supporters', r.supporters, 'opponents', r.opponents, 'abstentions', r.abstentions,
    'support_weight', r.support_weight, 'oppose_weight', r.oppose_weight,
    'score_weighted', """ + SCORES_SQL["score_weighted"] + """,
    'score_equal', """ + SCORES_SQL["score_equal"]

# The tally of each proposal on the page, from its tally rows (one per role, found by
# the unique index on (proposal, role)): voting/tally.py's sums, in SQL, for a page at once.
_RESULTS_JOIN = """
LEFT JOIN LATERAL (
    SELECT""" + TALLY_SQL + """
    FROM {tallies} t WHERE t.proposal_id = p.id) r ON true
"""


def _run(page: QuerySet, *, properties: str, joins: str = "", matched: str = "p.matched",
         modified: str = "NULL::timestamptz") -> tuple[int, int, datetime | None, str]:
    try:
        inner, params = page.query.sql_with_params()
    except EmptyResultSet:  # a filter no row can meet (an id beyond bigint, say)
        return 0, 0, None, "[]"
    sql = _PAGE_SQL.format(inner=inner, feature=_feature(properties), joins=joins,
                           matched=matched, modified=modified)
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def layer_rows(layer: Layer, *, bbox: Bbox | None = None, limit: int = 10, offset: int = 0,
               after: int | None = None, feature_id: int | None = None) -> Rows:
    """A page of a layer's features in id order: those after `offset` rows, or, given
    `after`, those whose id is above it (an index look-up however deep the page)."""
    qs = Feature.objects.filter(layer_id=layer.pk)
    if feature_id is not None:
        qs = qs.filter(pk=feature_id)
    if bbox is not None:
        qs = qs.filter(bbox_q(bbox))
    # The layer's stored count when nothing filters it: the import pipeline keeps it,
    # and counting 200,000 rows for every page would cost more than the page.
    matched = layer.feature_count if bbox is None and feature_id is None else None
    if matched is None and feature_id is None:
        matched = qs.count()
    page = _slice(qs, limit=limit, offset=offset, after=after).values(
        "id", "geometry", "properties")
    return Rows(matched, _rows(page, properties="p.properties", stream=limit > STREAM_ABOVE))


def _slice(qs: QuerySet, *, limit: int, offset: int, after: int | None) -> QuerySet:
    if after is not None:
        return qs.filter(pk__gt=after).order_by("pk")[:limit]
    return qs.order_by("pk")[offset:offset + limit]


def _rows(page: QuerySet, *, properties: str, joins: str = "",
          stream: bool = False) -> Iterator[tuple[int, str]]:
    """(id, GeoJSON Feature text) of each row of `page`, in id order, built by PostGIS.
    A small page comes in one fetch; a larger one through a server-side cursor, CHUNK
    rows at a time, so that neither PostgreSQL nor this process holds it whole."""
    try:
        inner, params = page.query.sql_with_params()
    except EmptyResultSet:  # a filter no row can meet (an id beyond bigint, say)
        return iter(())
    sql = _ROWS_SQL.format(inner=inner, feature=_feature(properties), joins=joins)
    if stream:
        return _streamed(sql, params)
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return iter(cursor.fetchall())


def _streamed(sql: str, params) -> Iterator[tuple[int, str]]:
    return rows_streamed(sql, params, chunk=CHUNK)


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
    joins = _RESULTS_JOIN.format(
        tallies=read_connection().ops.quote_name(VoteTally._meta.db_table))
    matched, returned, modified, features = _run(
        page, properties=_PROPOSAL_PROPERTIES.format(
            results=_RESULT_PROPERTIES if results else ""),
        joins=joins if results else "", modified="p.updated_at")
    if returned == 0 and offset:
        matched = qs.count()
    return Page(features, matched, returned, modified)


def proposals_in_order(ids: list[int]) -> Page:
    """The proposals `ids` as GeoJSON features, in that order (a page of search results,
    already chosen and ranked by proposals/search.py): a look-up by primary key, nothing
    counted (`matched` is 0)."""
    if not ids:
        return Page("[]", 0, 0, None)
    position = Func(Value(ids, output_field=ArrayField(BigIntegerField())), F("pk"),
                    function="array_position", output_field=BigIntegerField())
    page = (Proposal.objects.filter(pk__in=ids)
            .annotate(category_slug=F("category__slug"), category_name=F("category__name"),
                      position=position)
            .order_by("position").values(*PROPOSAL_FIELDS))
    _matched, returned, modified, features = _run(
        page, properties=_PROPOSAL_PROPERTIES.format(results=""), matched="0",
        modified="p.updated_at")
    return Page(features, 0, returned, modified)


def proposals_rows(qs: QuerySet[Proposal], *, limit: int = 10, offset: int = 0,
                   after: int | None = None, results: bool = False,
                   feature_id: int | None = None) -> Rows:
    """A page of public proposals in id order, as OGC items (see layer_rows)."""
    matched = None if feature_id is not None else qs.count()
    annotated = qs.annotate(category_slug=F("category__slug"),
                            category_name=F("category__name"))
    page = _slice(annotated, limit=limit, offset=offset, after=after).values(
        *PROPOSAL_FIELDS)
    joins = _RESULTS_JOIN.format(
        tallies=read_connection().ops.quote_name(VoteTally._meta.db_table))
    return Rows(matched, _rows(page, properties=_PROPOSAL_PROPERTIES.format(
        results=_RESULT_PROPERTIES if results else ""), joins=joins if results else "",
        stream=limit > STREAM_ABOVE))


def proposals_version(project: Project, *, results: bool) -> tuple[str, datetime]:
    """What changes whenever a page of the project's public proposals may change: the
    project, how many proposals are public and the latest change among them, and, with
    results, the tally (the number of votes, the weighted sums and their latest change,
    from the rows the database keeps per proposal and role: no vote is read). With the
    time of that change."""
    public = proposals_public(project).order_by().aggregate(n=Count("pk"),
                                                           last=Max("updated_at"))
    parts = [project.pk, project.updated_at.isoformat(), public["n"], public["last"]]
    times = [t for t in (project.updated_at, public["last"]) if t]
    if results:
        tally = VoteTally.objects.filter(proposal__project=project).order_by().aggregate(
            n=Sum(F("supporters") + F("opponents") + F("abstentions")),
            support=Sum("support_weight"), oppose=Sum("oppose_weight"),
            last=Max("updated_at"))
        parts += [tally["n"], tally["support"], tally["oppose"], tally["last"]]
        times += [tally["last"]] if tally["last"] else []
    return ":".join(str(p) for p in parts), max(times)
