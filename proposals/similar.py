"""Proposals like the one being written: near it, or with a title alike, in the same
project. The propose page lists them while the citizen types and draws
(static/js/plaza-similar.js), so that an idea that is already there gets a supporter or
a comment rather than a duplicate (docs/duplicates.md).

Only public proposals are ever offered (`PUBLIC_Q`'s rule, in SQL), whoever asks: the
list is a suggestion to a citizen, not a planner's view.

One query, answered by indexes: "near" is `ST_DWithin` on geography (metres, whatever the
latitude), after a bounding-box test (`&&`) the geometry's GiST index answers; "alike" is
pg_trgm on `plaza_fold(title)` (lower case, accents removed: "Plaça" finds "placa"),
written exactly as the expression index `proposals_title_fold_trgm` (proposals 0016) is,
so that the planner can use it: `%` (similarity over the whole titles) or `<%` (the words
typed found inside a longer title).

The score puts a close and alike proposal first: twice the likeness (0–1) plus the
nearness (1 at the same spot, 0 at `NEAR_M`), so one 30 m away with a similar title comes
before one alike across the city, which comes before one 30 m away about something else
(a duplicate is told by what it says more than by where it is).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.urls import reverse

from proposals.models import Project, public_sql, public_sql_params

NEAR_M = 250          # "nearby": within this many metres of the drawing
LIMIT = 5             # what the propose page lists
MIN_TITLE = 3         # fewer characters say nothing about likeness

# Near or alike: what the indexes answer (tests/proposals/test_similar.py reads its plan).
_MATCH = """
    ((%(geometry)s::text IS NOT NULL
      AND p.geometry && ST_Buffer(ST_GeomFromEWKT(%(geometry)s::text)::geography,
                                  %(near_box)s)::geometry
      AND ST_DWithin(p.geometry::geography,
                     ST_GeomFromEWKT(%(geometry)s::text)::geography, %(near)s))
     OR (%(title)s::text <> ''
         AND (plaza_fold(p.title) %% plaza_fold(%(title)s::text)
              OR plaza_fold(%(title)s::text) <%% plaza_fold(p.title))))"""

# The title and the drawing are constants of the statement (not columns of a joined
# row), so the planner can use the indexes for them: `plaza_fold(%(title)s)` is folded at
# planning, as the trigram index needs.
_SQL = """
WITH found AS (
    SELECT p.id, p.title,
           CASE WHEN %(geometry)s::text IS NULL THEN NULL
                ELSE ST_Distance(p.geometry::geography,
                                 ST_GeomFromEWKT(%(geometry)s::text)::geography)
           END AS distance_m,
           CASE WHEN %(title)s::text = '' THEN 0
                ELSE greatest(similarity(plaza_fold(p.title), plaza_fold(%(title)s::text)),
                              word_similarity(plaza_fold(%(title)s::text),
                                              plaza_fold(p.title))) END AS likeness
      FROM proposals_proposal p
     WHERE p.project_id = %(project)s AND {public}
       AND {match}
)
SELECT id, title, distance_m, likeness FROM found
 ORDER BY 2 * likeness + greatest(0, 1 - coalesce(distance_m, %(near)s) / %(near)s) DESC,
          distance_m NULLS LAST, id DESC
 LIMIT %(limit)s
"""


@dataclass(frozen=True)
class Similar:
    id: int
    title: str
    url: str
    distance_m: int | None   # to the drawing, rounded; None when nothing is drawn
    similarity: float        # of the titles, 0–1

    def as_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "url": self.url,
                "distance_m": self.distance_m, "similarity": self.similarity}


def proposals_similar(*, project: Project, title: str = "",
                      geometry: GEOSGeometry | None = None,
                      limit: int = LIMIT) -> list[Similar]:
    """Up to `limit` public proposals of `project` near `geometry` or alike `title`, the
    closest and most alike first. The caller has checked the reader may see `project`."""
    title = " ".join((title or "").split())[:140]
    if len(title) < MIN_TITLE:
        title = ""
    if not title and geometry is None:
        return []
    ewkt = None if geometry is None else f"SRID=4326;{geometry.wkt}"
    with connection.cursor() as cursor:
        cursor.execute(_SQL.format(public=public_sql("p"), match=_MATCH), {
            "title": title, "geometry": ewkt, "project": project.pk, "near": NEAR_M,
            # The box the GiST index answers reaches a little past the circle.
            "near_box": NEAR_M * 1.05, "limit": limit, **public_sql_params()})
        rows = cursor.fetchall()
    return [Similar(id=pk, title=text, url=reverse("proposals:proposal", args=[pk]),
                    distance_m=None if distance is None else round(distance),
                    similarity=round(float(likeness), 2))
            for pk, text, distance, likeness in rows]
