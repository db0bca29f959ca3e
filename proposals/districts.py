"""Participation by district: the one rule the dashboard and the council report publish.

Only public proposals count (the caller passes `Proposal.objects.public()…`), and each
counts in one district: the one that holds its point on surface (PostGIS's
`ST_PointOnSurface`: a point is itself, a line one of its inner vertices, an area a
point inside it). A long bike lane crossing three districts is counted once, where its
point on surface lies, not in each. When that point lies on a border two districts
share, the district with the lower id takes it: a fixed choice, so that the same data
give the same numbers on every surface and every day. A proposal outside every district
is counted apart. docs/reports.md says the same for the council.

Each proposal keeps that point as a stored column, `Proposal.point`: the map's clusters
(proposals/clusters.py) count by it, so a proposal is in one cell as in one district.

`placed_sql` is the rule in SQL, for the report's queries that join it (participants per
district); `participation_by_district` runs it for a queryset of proposals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, QuerySet, Sum
from django.db.models.functions import Coalesce

from gisdata.models import Feature, Layer
from proposals.models import Proposal


def placed_sql(proposals_sql: str, *, layer: str = "%(layer)s", columns: str = "") -> str:
    """(proposal_id, district_id[, columns]) for each row of `proposals_sql` (a subquery
    with `id` and `geometry`): the feature of the layer whose id `layer` (a placeholder)
    holds its point on surface, the lowest id on a border, NULL outside every feature."""
    return f"""
    SELECT DISTINCT ON (p.id) p.id AS proposal_id, f.id AS district_id{columns}
    FROM ({proposals_sql}) p
    LEFT JOIN {Feature._meta.db_table} f ON f.layer_id = {layer}
     AND ST_Intersects(f.geometry, ST_PointOnSurface(p.geometry))
    ORDER BY p.id, f.id
"""  # noqa: S608 - constant SQL put together; every value is a parameter


@dataclass
class Participation:
    """Where each proposal counts, and per feature of the layer (in id order) its
    proposals and the votes on them; `outside` holds those outside every feature."""

    placed: dict[int, int | None]
    districts: list[dict]
    outside: dict = field(default_factory=lambda: {"proposals": 0, "votes": 0})


def participation_by_district(proposals: QuerySet[Proposal], layer: Layer) -> Participation:
    """Proposals and the votes on them per feature of an area layer (two queries, however
    many proposals): the number the dashboard and the council report both show."""
    # A proposal's votes from the tally the database keeps with them, per proposal and
    # role (voting/tally.py: the count every surface shows), not from the vote rows: a
    # few rows a proposal rather than a pass over a large project's million votes.
    tallied = (F("tallies__supporters") + F("tallies__opponents")
               + F("tallies__abstentions"))
    try:
        inner, params = (proposals.order_by()
                         .annotate(n_votes=Coalesce(Sum(tallied), 0))
                         .values("id", "geometry", "n_votes").query.sql_with_params())
    except EmptyResultSet:  # `.none()`, or a filter no row can meet
        rows = []
    else:
        with connection.cursor() as cursor:
            cursor.execute(placed_sql(inner, layer="%s", columns=", p.n_votes"),
                           [*params, layer.pk])
            rows = cursor.fetchall()
    districts = {pk: {"id": pk, "properties": properties, "number": number,
                      "proposals": 0, "votes": 0}
                 for pk, properties, number in Feature.objects.filter(layer=layer)
                 .order_by("pk").values_list("pk", "properties", "number")}
    result = Participation(placed={}, districts=list(districts.values()))
    for proposal_id, district_id, votes in rows:
        result.placed[proposal_id] = district_id
        row = districts.get(district_id, result.outside)
        row["proposals"] += 1
        row["votes"] += votes
    return result
