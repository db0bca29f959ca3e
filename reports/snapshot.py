"""Everything a decision report says, read from the database in one consistent snapshot.

`snapshot_read` is called inside one transaction at REPEATABLE READ (services.py opens
it): every query below sees the database as it was at the first one, so a vote cast
while the report compiles appears in none of the numbers, and the PDF, the CSV and the
GeoJSON, all written from this one `ReportData`, cannot disagree.

The ranking and the per-role tallies come from `voting.selectors`, the code the results
page and the tallies API run, so the report shows the numbers they show. The rest
(participation by role and by district) are aggregates in SQL: per-row Python over a
million votes is where the time would go (bench/bench_report.py measures them).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from gisdata.models import Feature, Layer
from proposals import districts as placement
from proposals.comment_selectors import comments_public_q
from proposals.models import Project, Proposal, public_sql, public_sql_params
from reports import backdrop
from reports.budgeting import budgets_read
from reports.energy_section import energy_read
from reports.rollup import participation_rollup, rollup_table
from voting import selectors as voting
from voting.groups import RoleBreakdown, min_group_size, role_groups_merge
from voting.models import VoteTally
from voting.tally import tally_aggregates

NO_ROLE = "No verified role"
OUTSIDE = "Outside every district"
# Attributes that name a district, in the order they are tried (Barcelona's is NOM).
LABEL_FIELDS = ("name", "nom", "nombre", "label", "title", "district", "districte")
RANKING_COLUMNS = ("id", "title", "status", "official_answer", "constraint_feedback",
                   "geometry", "category__name", "supporters", "opponents", "abstentions",
                   "support_weight", "oppose_weight", "score_weighted", "score_equal",
                   "rank_weighted", "rank_equal")


@dataclass
class ReportData:
    snapshot_at: datetime
    project: dict
    phases: list[dict]
    weights: list[dict]
    unverified_weight: Decimal
    proposals: list[dict]
    totals: dict
    votes_by_role: list[dict]
    participants_by_role: list[dict]
    # How the figures by role were merged (voting/groups.py): the report holds, prints
    # and sums only what it may show, never a group of too few voters.
    role_groups: dict = field(default_factory=dict)
    district_layer: dict | None = None
    districts: list[dict] = field(default_factory=list)
    # The published layers drawn under the overview map (reports/backdrop.py).
    context_layers: list[dict] = field(default_factory=list)
    # Participation by the municipality's districts and neighbourhoods (reports/rollup.py),
    # read in the same snapshot; empty where the municipality has no areas.
    areas: list[dict] = field(default_factory=list)
    # A budget vote's budgets and what each rule funds (reports/budgeting.py); empty for
    # a project that votes for or against each proposal.
    budgets: list[dict] = field(default_factory=list)
    # Budget id → its pabulib file's text, stored beside the PDF. Not summed itself:
    # each budget's row holds the text's SHA-256, which the checksum covers.
    pabulib: dict[int, str] = field(default_factory=dict)
    # An energy community's section (reports/energy_section.py); None for any other
    # project.
    energy: dict | None = None

    @property
    def phase_days(self) -> list[dict]:
        """The phases as the calendar has them: days in the site's time zone, the last one
        included (an end at midnight is the day before), as the project page shows them."""
        return [{"label": p["label"],
                 "first_day": timezone.localtime(p["starts_at"]).date(),
                 "last_day": timezone.localtime(p["ends_at"] - timedelta(microseconds=1)).date()}
                for p in self.phases]

    @property
    def voting_open_until(self) -> datetime | None:
        """When voting closes, if it was still open at the snapshot: the report is then
        provisional, and says so on its first page (not part of the checksum: the data
        already holds the phases and the moment)."""
        for phase in self.phases:
            if phase["kind"] == "voting" and phase["starts_at"] <= self.snapshot_at < phase[
                    "ends_at"]:
                return phase["ends_at"]
        return None

    @property
    def rank_changed(self) -> list[dict]:
        return [p for p in self.proposals if p["rank_weighted"] != p["rank_equal"]]

    def checksum(self) -> str:
        """SHA-256 of the data (not of the moment it was read): unchanged data, same sum."""
        # The fields as they are (`asdict` would deep-copy every row and Decimal first):
        # they hold only dicts, lists and values, never another dataclass.
        canonical = {f.name: getattr(self, f.name) for f in fields(self)
                     if f.name not in ("snapshot_at", "pabulib")}
        text = json.dumps(canonical, sort_keys=True, default=_canonical, ensure_ascii=True,
                          separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _canonical(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, GEOSGeometry):
        return value.hexewkb.decode()
    raise TypeError(f"{type(value).__name__} has no canonical form")


def _ranked(project: Project):
    return Proposal.objects.public().filter(project=project)


def snapshot_read(*, project: Project, district_layer: Layer | None,
                  after_snapshot: Callable[[], None] | None = None) -> ReportData:
    """Read the whole report's data; call it inside the snapshot transaction."""
    with connection.cursor() as cursor:
        # The first statement fixes the transaction's snapshot: its time is the report's.
        cursor.execute("SELECT statement_timestamp()")
        [snapshot_at] = cursor.fetchone()
    if after_snapshot is not None:
        after_snapshot()
    proposals = _proposals(project)
    people = _people(project, district_layer, snapshot_at)
    by_role = role_groups_merge(_votes_by_role(project, people.voters_by_vote_role))
    data = ReportData(
        snapshot_at=snapshot_at,
        project={"id": project.pk, "slug": project.slug, "title": project.title,
                 "description": project.description, "area": project.area},
        phases=[{"kind": p.kind, "label": str(p.get_kind_display()), "starts_at": p.starts_at,
                 "ends_at": p.ends_at} for p in project.phases.order_by("starts_at")],
        weights=[{"role": row["role"].slug, "name": row["role"].name,
                  "weight": row["weight"], "default": row["default"]}
                 for row in voting.weights_table(project)],
        unverified_weight=voting.voting_rules(project).unverified_weight,
        proposals=proposals,
        totals=_totals(people, proposals),
        votes_by_role=by_role.rows,
        participants_by_role=people.by_role,
        role_groups={"min_size": by_role.min_size, "merged": by_role.merged,
                     "withheld": by_role.withheld},
        context_layers=backdrop.context_layers(project.area, district_layer),
    )
    if district_layer is not None:
        data.district_layer, data.districts = _districts(project, district_layer, proposals,
                                                         people.by_district)
    tree = participation_rollup(municipalities=[project.municipality], project=project)
    data.areas = rollup_table(tree["municipalities"][0])
    data.budgets, data.pabulib = budgets_read(project)
    data.energy = energy_read(project, proposals)
    return data


def _proposals(project: Project) -> list[dict]:
    """The ranking (as the ranking API gives it), with comments, roles and feedback."""
    rows = list(voting.ranking_queryset(project).values(*RANKING_COLUMNS))
    comments = dict(_ranked(project)
                    .annotate(n=Count("comments", filter=comments_public_q("comments__")))
                    .values_list("pk", "n"))
    # As dicts (voting.selectors.role_breakdowns): the rows the results page and the API
    # show, without a dataclass and a copy for each of tens of thousands of them.
    roles = voting.role_breakdowns(project)
    nothing = RoleBreakdown(rows=[], min_size=min_group_size())
    for row in rows:
        row["category"] = row.pop("category__name")
        row["share"] = voting.share(row["support_weight"], row["oppose_weight"])
        row["votes"] = row["supporters"] + row["opponents"] + row["abstentions"]
        row["comments"] = comments.get(row["id"], 0)
        shown = roles.get(row["id"], nothing)
        row["roles"] = shown.rows
        row["role_groups"] = shown.as_json()
        row["district"] = None
    return rows


# The project's public proposals (proposals.models.public_sql: the rule the ORM's
# `Proposal.objects.public()` applies), for the queries below.
def _ranked_sql(columns: str) -> str:
    return f"""
    SELECT {columns} FROM proposals_proposal p
    WHERE p.project_id = %(project)s AND {public_sql("p")}
"""  # noqa: S608 - constant SQL put together; every value is a parameter


# A participant's role, as the weight rule would pick it at the snapshot: among their
# claims verified and in force, the highest project weight, then the role listed first.
ROLE_OF_SQL = """
    SELECT DISTINCT ON (c.user_id) c.user_id, r.id AS role_id
    FROM accounts_roleclaim c
    JOIN accounts_stakeholderrole r ON r.id = c.role_id
    LEFT JOIN voting_roleweight w ON w.project_id = %(project)s AND w.role_id = r.id
    WHERE c.status = 'verified' AND (c.expires_at IS NULL OR c.expires_at > %(at)s)
      AND c.user_id IN (SELECT user_id FROM people)
    ORDER BY c.user_id, COALESCE(w.weight, r.default_weight) DESC, r.position, r.id
"""

# People, in one pass over the votes: every act on a public proposal (authoring it, a
# public comment on it, a vote on it) with the district the proposal counts in (each
# proposal in the one district that holds its point on surface, the rule the dashboard
# counts with too: proposals/districts.py, so that a long bike lane is counted once, not
# in every district; none without a layer), reduced to one row per person,
# district and role their votes counted with, then counted by grouping set: in all
# (participants, voters, votes of erased accounts), per district (participants and
# voters), per role of the votes (voters) and per verified role of the person at the
# snapshot (participants, and the proposals and comments they wrote). One statement:
# a statement for each would be a pass over a large project's million votes each.
PLACED_PEOPLE_SQL = placement.placed_sql(_ranked_sql("p.id, p.author_id, p.geometry"),
                                         columns=", p.author_id")
UNPLACED_PEOPLE_SQL = _ranked_sql("p.id AS proposal_id, NULL::bigint AS district_id, "
                                  "p.author_id")
# `placed` NOT MATERIALIZED: inlined, PostgreSQL knows that its proposal ids are
# distinct and hashes the proposals to join the votes to them; a materialised CTE has no
# statistics, and the planner hashed the million votes instead (the statement took
# 2.4-2.8 s against 1.4-2.5 s, for three spatial joins of 10,000 proposals instead of one).
PEOPLE_SQL = """
WITH placed AS NOT MATERIALIZED ({placed}), acts AS (
    SELECT proposal_id, district_id, author_id AS user_id, NULL::bigint AS vote_role,
           1 AS proposals, 0 AS comments, 0 AS votes
    FROM placed
    UNION ALL
    SELECT pl.proposal_id, pl.district_id, c.author_id, NULL, 0, 1, 0
    FROM proposals_comment c JOIN placed pl ON pl.proposal_id = c.proposal_id
    WHERE NOT c.is_deleted AND NOT c.is_hidden
    UNION ALL
    SELECT pl.proposal_id, pl.district_id, v.user_id, v.role_id, 0, 0, 1
    FROM voting_vote v JOIN placed pl ON pl.proposal_id = v.proposal_id
), people AS (
    SELECT user_id, district_id, vote_role, sum(proposals) AS proposals,
           sum(comments) AS comments, sum(votes) AS votes
    FROM acts GROUP BY user_id, district_id, vote_role
), role_of AS (""" + ROLE_OF_SQL + """)
SELECT GROUPING(p.district_id, p.vote_role, r.name, r.position),
       p.district_id, p.vote_role, r.name,
       count(DISTINCT p.user_id), count(DISTINCT p.user_id) FILTER (WHERE p.votes > 0),
       coalesce(sum(p.votes) FILTER (WHERE p.user_id IS NULL), 0),
       coalesce(sum(p.proposals) FILTER (WHERE p.user_id IS NOT NULL), 0),
       coalesce(sum(p.comments) FILTER (WHERE p.user_id IS NOT NULL), 0)
FROM people p
LEFT JOIN role_of o ON o.user_id = p.user_id
LEFT JOIN accounts_stakeholderrole r ON r.id = o.role_id
GROUP BY GROUPING SETS ((), (p.district_id), (p.vote_role), (r.name, r.position))
ORDER BY 1, r.position NULLS LAST, r.name NULLS LAST
"""  # noqa: S608 - constant SQL put together; every value is a parameter
# GROUPING(district, vote role, verified role's name, its position) of each set.
IN_ALL, BY_DISTRICT, BY_VOTE_ROLE, BY_ROLE = 0b1111, 0b0111, 0b1011, 0b1100


@dataclass
class People:
    participants: int
    voters: int
    anonymised_votes: int
    # Per verified role at the snapshot (participants_by_role's rows), in the roles' order.
    by_role: list[dict]
    # Role id of the votes (None: no verified role) → people who voted with it.
    voters_by_vote_role: dict[int | None, int]
    # District (None: outside every district) → (participants, voters).
    by_district: dict[int | None, tuple[int, int]]


def _people(project: Project, layer: Layer | None, at: datetime) -> People:
    sql = PEOPLE_SQL.format(placed=PLACED_PEOPLE_SQL if layer else UNPLACED_PEOPLE_SQL)
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(project, at=at, layer=layer.pk if layer else None))
        rows = cursor.fetchall()
    people = People(participants=0, voters=0, anonymised_votes=0, by_role=[],
                    voters_by_vote_role={}, by_district={})
    for grouping, district, vote_role, role, n, voters, anonymised, proposals, comments \
            in rows:
        if grouping == IN_ALL:
            people.participants, people.voters = n, voters
            people.anonymised_votes = int(anonymised)
        elif grouping == BY_DISTRICT:  # without a layer, one row: district None
            people.by_district[district] = (n, voters)
        elif grouping == BY_VOTE_ROLE:
            people.voters_by_vote_role[vote_role] = voters
        elif grouping == BY_ROLE and n:
            # A group of erased accounts' acts alone is no one's: not a row.
            people.by_role.append({"role": role or NO_ROLE, "participants": n,
                                   "proposals": int(proposals), "comments": int(comments)})
    return people


def _params(project: Project, **more) -> dict:
    return {"project": project.pk, **public_sql_params(), **more}


def _totals(people: People, proposals: list[dict]) -> dict:
    return {"participants": people.participants, "voters": people.voters,
            "anonymised_votes": people.anonymised_votes,
            "proposals": len(proposals),
            "comments": sum(p["comments"] for p in proposals),
            "votes": sum(p["votes"] for p in proposals),
            "rank_changed": sum(1 for p in proposals
                                if p["rank_weighted"] != p["rank_equal"])}


def _votes_by_role(project: Project, voters: dict[int | None, int]) -> list[dict]:
    """Votes, voters and weighted support and opposition by the role each vote counted
    with (recorded with the vote when it was cast): the sums from the tally, the voters
    (people, each counted once however many proposals they voted on) from `_people`."""
    rows = (VoteTally.objects.filter(proposal__in=_ranked(project))
            .values("role_id", "role__name", "role__position")
            .annotate(**tally_aggregates(""))
            .order_by("role__position", "role__name"))
    return [{"role": row["role__name"] or NO_ROLE, "voters": voters.get(row["role_id"], 0),
             "votes": row["supporters"] + row["opponents"] + row["abstentions"],
             **{k: row[k] for k in ("supporters", "opponents", "abstentions",
                                    "support_weight", "oppose_weight")}}
            for row in rows]


def _label_field(layer: Layer) -> str | None:
    """The attribute the planner chose to name the layer's features, else a guess."""
    if layer.label_property:
        return layer.label_property
    names = {str(a.get("name", "")).lower(): a.get("name") for a in layer.schema or []
             if isinstance(a, dict)}
    for wanted in LABEL_FIELDS:
        if wanted in names:
            return names[wanted]
    return None


def _districts(project: Project, layer: Layer, proposals: list[dict],
               people: dict[int | None, tuple[int, int]]):
    label = _label_field(layer)
    features = list(Feature.objects.filter(layer=layer).order_by("pk")
                    .values_list("pk", "geometry", "properties"))
    counted = placement.participation_by_district(_ranked(project), layer)
    names = {pk: str((props or {}).get(label) or f"Feature {pk}") if label else f"Feature {pk}"
             for pk, _, props in features}
    # Proposals and votes per district as the dashboard counts them; comments and
    # weighted support added up by the same placement.
    counts = {row["id"]: row for row in counted.districts}
    rows = {pk: {"id": pk, "name": names[pk], "geometry": geometry,
                 "proposals": counts[pk]["proposals"], "comments": 0,
                 "votes": counts[pk]["votes"], "support_weight": Decimal(0)}
            for pk, geometry, _ in features}
    outside = {"id": None, "name": OUTSIDE, "geometry": None, "comments": 0,
               "support_weight": Decimal(0), **counted.outside}
    for proposal in proposals:
        district = counted.placed.get(proposal["id"])
        proposal["district"] = names.get(district)
        row = rows.get(district, outside)
        row["comments"] += proposal["comments"]
        row["support_weight"] += proposal["support_weight"]
    result = list(rows.values()) + ([outside] if outside["proposals"] else [])
    for row in result:
        row["participants"], row["voters"] = people.get(row["id"], (0, 0))
    layer_info = {"id": layer.pk, "title": layer.title, "version": layer.version,
                  "label_field": label, "features": len(features)}
    return layer_info, result
