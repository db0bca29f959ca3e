"""Participation by area, rolled up: neighbourhood → district → city → region.

`participation_rollup` counts, for each municipality, each of its districts, each of
their neighbourhoods, and the proposals outside any area, what the other published
numbers count (the results page, the open data, the dashboard's public count, the
council report):

- proposals: public proposals (`proposals.models.PUBLIC_Q`: a public status, not hidden);
- comments: public comments (neither deleted nor hidden) on those proposals;
- votes: every vote on those proposals (the tally's supporters + opponents +
  abstentions, voting/tally.py); support_weight: the sum of the supporting votes'
  weights (the tally's support_weight);
- participants: people who wrote one of those proposals or comments, or voted on one
  of those proposals, each counted once; erased accounts are no one's.

Each proposal, and the comments and votes on it, counts where it was placed: its
stored neighbourhood and district (proposals migration 0013 and proposals/areas.py),
whose levels nest. So the counts add up: a city's are the sum of its districts' and
its "outside any district" bucket; a district's the sum of its neighbourhoods' and its
own "outside any neighbourhood" bucket; a region's the sum of its municipalities'.
Participants do NOT add up: a person who proposes in one neighbourhood and votes in
another is one participant of the district, not two. They are counted at each level
directly.

One statement does it all, whatever the number of areas: a GROUP BY of every act (a
proposal, a comment, a vote) by the stored ids, with one grouping set per level;
another reads the areas' names. `public=True` gives the open-data view: listed projects
only (or the one `project` the caller already let the reader open), and votes only in
projects whose results are public.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.core.cache import cache
from django.db import connection

from municipalities.models import Area, AreaLevel, Municipality
from proposals.models import Project, Visibility, public_sql, public_sql_params

COUNTS = ("proposals", "comments", "votes", "support_weight", "participants")
PER_1000 = ("proposals", "comments", "votes", "participants")

ROLLUP_SQL = f"""
WITH p AS MATERIALIZED (
    SELECT p.id, p.author_id, pj.municipality_id AS m, p.district_id AS d,
           p.neighbourhood_id AS n,
           (NOT %(public)s OR coalesce(pv.results_public, false)) AS votes_shown
    FROM proposals_proposal p
    JOIN {Project._meta.db_table} pj ON pj.id = p.project_id
    LEFT JOIN voting_projectvoting pv ON pv.project_id = pj.id
    WHERE pj.municipality_id = ANY(%(municipalities)s) AND {public_sql("p")}
      AND (%(project)s::bigint IS NULL OR pj.id = %(project)s::bigint)
      AND (%(project)s::bigint IS NOT NULL OR NOT %(public)s
           OR pj.visibility = %(listed)s)
), acts AS (
    SELECT m, d, n, author_id AS u, 1 AS proposals, 0 AS comments, 0 AS votes,
           0::numeric AS support
    FROM p
    UNION ALL
    SELECT p.m, p.d, p.n, c.author_id, 0, 1, 0, 0
    FROM proposals_comment c JOIN p ON p.id = c.proposal_id
    WHERE NOT c.is_deleted AND NOT c.is_hidden
    UNION ALL
    SELECT p.m, p.d, p.n, v.user_id, 0, 0, 1, CASE WHEN v.value = 1 THEN v.weight ELSE 0 END
    FROM voting_vote v JOIN p ON p.id = v.proposal_id
    WHERE p.votes_shown
)
SELECT GROUPING(m, d, n), m, d, n, sum(proposals), sum(comments), sum(votes),
       sum(support), count(DISTINCT u)
FROM acts
GROUP BY GROUPING SETS ((m, d, n), (m, d), (m), ())
"""  # noqa: S608 - constant SQL put together; every value is a parameter
# GROUPING(m, d, n) of each set.
BY_NEIGHBOURHOOD, BY_DISTRICT, BY_MUNICIPALITY, IN_ALL = 0b000, 0b001, 0b011, 0b111


def _zero() -> dict:
    return {"proposals": 0, "comments": 0, "votes": 0, "support_weight": Decimal("0"),
            "participants": 0}


def _per_1000(counts: dict, population: int | None) -> dict | None:
    if not population:
        return None
    return {k: round(Decimal(counts[k]) * 1000 / population, 2) for k in PER_1000}


def _node(counts: dict | None, population: int | None, **fields) -> dict:
    counts = counts or _zero()
    return {**fields, "population": population, "counts": counts,
            "per_1000": _per_1000(counts, population)}


def rollup_rows(*, municipalities: Iterable[int], project: Project | None = None,
                public: bool = False) -> dict[tuple, dict]:
    """{(grouping, municipality, district, neighbourhood): counts}: the one statement."""
    params = {"municipalities": sorted(municipalities), "public": public,
              "project": project.pk if project is not None else None,
              "listed": Visibility.PUBLIC.value, **public_sql_params()}
    with connection.cursor() as cursor:
        cursor.execute(ROLLUP_SQL, params)
        rows = cursor.fetchall()
    return {(grouping, m, d, n): {
        "proposals": int(proposals or 0), "comments": int(comments or 0),
        "votes": int(votes or 0),
        "support_weight": Decimal(support) if support else Decimal("0"),
        "participants": participants}
        for grouping, m, d, n, proposals, comments, votes, support, participants in rows}


def participation_rollup(*, municipalities: Iterable[Municipality],
                         project: Project | None = None, public: bool = False) -> dict:
    """The tree {"municipalities": [city, …], "region": total or None}: each city with
    its districts (each with its neighbourhoods and the proposals in it but in no
    neighbourhood, "outside") and the proposals in no district ("outside"). Every node
    has "counts" (COUNTS), "population" and "per_1000" (None without a population).
    The region's total is given when there are several municipalities.

    The counts are additive from level to level; "participants" are not (see the
    module's docstring): each level counts its distinct people itself."""
    municipalities = list(municipalities)
    rows = rollup_rows(municipalities=[m.pk for m in municipalities], project=project,
                       public=public)
    areas = (Area.objects.filter(municipality__in=municipalities).defer("geometry")
             .order_by("name", "pk"))
    districts: dict[int, list[Area]] = {}
    neighbourhoods: dict[int, list[Area]] = {}
    for area in areas:
        if area.level == AreaLevel.DISTRICT:
            districts.setdefault(area.municipality_id, []).append(area)
        else:
            neighbourhoods.setdefault(area.parent_id, []).append(area)
    cities = []
    for town in municipalities:
        m = town.pk
        tree = []
        for district in districts.get(m, []):
            children = [_node(rows.get((BY_NEIGHBOURHOOD, m, district.pk, n.pk)),
                              n.population, id=n.pk, code=n.code, name=n.name)
                        for n in neighbourhoods.get(district.pk, [])]
            tree.append({**_node(rows.get((BY_DISTRICT, m, district.pk, None)),
                                 district.population, id=district.pk, code=district.code,
                                 name=district.name),
                         "neighbourhoods": children,
                         "outside": rows.get((BY_NEIGHBOURHOOD, m, district.pk, None))
                         or _zero()})
        cities.append({**_node(rows.get((BY_MUNICIPALITY, m, None, None)), town.population,
                               id=m, slug=town.slug, name=town.name),
                       "districts": tree,
                       "outside": rows.get((BY_NEIGHBOURHOOD, m, None, None)) or _zero()})
    region = None
    if len(municipalities) > 1:
        populations = [town.population for town in municipalities]
        region = _node(rows.get((IN_ALL, None, None, None)),
                       sum(populations) if all(populations) else None)
    return {"municipalities": cities, "region": region}


# The open-data view's numbers are kept this long: a roll-up of a whole city reads every
# proposal, comment and vote (seconds at a million proposals), and anyone may ask.
PUBLIC_CACHE_SECONDS = 60


def public_cache_key(municipality: Municipality, project: Project | None) -> str:
    return f"rollup:public:{municipality.pk}:{project.pk if project else 'all'}"


def participation_rollup_public(*, municipality: Municipality,
                                project: Project | None = None) -> dict:
    """`participation_rollup(public=True)` for one municipality, at most a minute old:
    concurrent readers share one computation instead of each starting their own."""
    key = public_cache_key(municipality, project)
    tree = cache.get(key)
    if tree is None:
        tree = participation_rollup(municipalities=[municipality], project=project,
                                    public=True)
        cache.set(key, tree, PUBLIC_CACHE_SECONDS)
    return tree


def rollup_table(city: dict) -> list[dict]:
    """One municipality of the tree as the rows of a table: each district, then its
    neighbourhoods and what in it lies in none of them, then what lies in no district.
    Each row: {"level": "district" | "neighbourhood" | "outside", "name", **counts}."""
    rows = []
    for district in city["districts"]:
        rows.append({"level": "district", "name": district["name"], **district["counts"]})
        rows += [{"level": "neighbourhood", "name": n["name"], **n["counts"]}
                 for n in district["neighbourhoods"]]
        if district["outside"]["proposals"]:
            rows.append({"level": "outside", "name": district["name"],
                         **district["outside"]})
    if rows and city["outside"]["proposals"]:
        rows.append({"level": "outside", "name": "", **city["outside"]})
    return rows
