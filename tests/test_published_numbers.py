"""Every published number, read through every surface that shows it, on the same data.

One project in its voting phase with public results; districts West and East of
lon 2.16; proposals public (published, shortlisted, rejected), hidden and awaiting
moderation, in both districts, one on the border and one line crossing it; votes by a
resident (weight 1), an expert (2) and a citizen with no verified role (0.5).

The surfaces: the results page, the map's GeoJSON, the ranking and tally API, the OGC
items, the CSV and GeoJSON exports, the council report's data and the dashboard's
overview (whose everything-received count is labelled apart from its public one). They
must show the same number of public proposals, the same counts and
weighted score per proposal, and the same participation by district (public proposals
only, each in the one district that holds its point on surface: docs/reports.md).
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.test import Client
from django.urls import reverse

from accounts.models import ClaimStatus
from dashboard.weights_preview import ranking_preview
from gisdata.models import Dataset, Feature, Layer
from proposals.models import Proposal
from reports.snapshot import snapshot_read
from tests.factories import (
    AREA_BBOX,
    claim_make,
    project_make,
    proposal_make,
    role_make,
    user_make,
)
from voting.models import ProjectVoting
from voting.selectors import project_weights
from voting.services import vote_cast

pytestmark = pytest.mark.django_db

BORDER = 2.16  # West of it, East of it
# (title, geometry, district it counts in, final status, hidden)
PROPOSALS = [
    ("West bench", {"type": "Point", "coordinates": [2.13, 41.40]}, "West", "published", False),
    ("East fountain", {"type": "Point", "coordinates": [2.19, 41.40]}, "East",
     "shortlisted", False),
    # On the border: its point on surface lies in both districts; the first one (West,
    # created first) takes it.
    ("Border tree", {"type": "Point", "coordinates": [BORDER, 41.41]}, "West", "published",
     False),
    # Crosses the border: its point on surface is its middle vertex, in the East.
    ("Cross lane", {"type": "LineString",
                    "coordinates": [[2.14, 41.39], [2.18, 41.40], [2.19, 41.39]]},
     "East", "published", False),
    ("East kiosk", {"type": "Point", "coordinates": [2.20, 41.38]}, "East", "rejected",
     False),
    ("Hidden idea", {"type": "Point", "coordinates": [2.12, 41.38]}, None, "published",
     True),
    ("Awaiting idea", {"type": "Point", "coordinates": [2.14, 41.43]}, None, "submitted",
     False),
]
# Each voter's vote per proposal, in the order above (None: no vote).
BALLOTS = {
    "resident": [1, 1, -1, 1, 1, 1, None],
    "expert": [1, -1, 1, 0, -1, 1, None],
    "nobody": [-1, 1, 1, 1, None, 1, None],
}
WEIGHTS = {"resident": Decimal("1"), "expert": Decimal("2"), "nobody": Decimal("0.5")}


def _settings(project):
    ProjectVoting.objects.create(project=project, unverified_weight="0.5",
                                 results_public=True)


@pytest.fixture
def town(planner):
    roles = {"resident": role_make("resident", "1", position=10),
             "expert": role_make("expert", "2", position=20)}
    project = project_make("agreeing-town", phase="voting", before_phases=_settings)
    author = user_make("proposer")
    made = [proposal_make(project, author, title=title, geometry=geometry,
                          status="published")
            for title, geometry, *_ in PROPOSALS]
    for name, values in BALLOTS.items():
        voter = user_make(name)
        if name in roles:
            claim_make(voter, roles[name], status=ClaimStatus.VERIFIED, decided_by=planner)
        for proposal, value in zip(made, values, strict=True):
            if value is not None:
                vote_cast(user=voter, proposal=proposal, value=value)
    # Decided, hidden or sent back once their votes were in.
    for proposal, (_, _, _, status, hidden) in zip(made, PROPOSALS, strict=True):
        Proposal.objects.filter(pk=proposal.pk).update(
            status=status, is_hidden=hidden, hidden_reason="Off topic." if hidden else "",
            official_answer="Not in this budget." if status == "rejected" else "")
    minx, miny, maxx, maxy = AREA_BBOX
    dataset = Dataset.objects.create(name="Districts", slug="districts",
                                     source_url="https://example.org/districts.zip")
    layer = Layer.objects.create(dataset=dataset, name="districts", title="Districts",
                                 geometry_type="MultiPolygon", feature_count=2,
                                 label_property="NOM", is_districts=True,
                                 schema=[{"name": "NOM", "type": "String"}])
    for number, (name, bbox) in enumerate((("West", (minx, miny, BORDER, maxy)),
                                           ("East", (BORDER, miny, maxx, maxy))), start=1):
        Feature.objects.create(layer=layer, number=number, properties={"NOM": name},
                               geometry=MultiPolygon(Polygon.from_bbox(bbox), srid=4326))
    return {"project": project, "layer": layer, "proposals": made}


def _expected():
    """The numbers worked out by hand from PROPOSALS and BALLOTS."""
    public = {}
    districts: dict[str, dict] = {"West": {"proposals": 0, "votes": 0},
                                  "East": {"proposals": 0, "votes": 0}}
    for i, (title, _, district, status, hidden) in enumerate(PROPOSALS):
        if hidden or status == "submitted":
            continue
        values = [b[i] for b in BALLOTS.values() if b[i] is not None]
        weighted = sum((WEIGHTS[n] * b[i] for n, b in BALLOTS.items() if b[i] is not None),
                       Decimal(0))
        public[title] = {"supporters": values.count(1), "opponents": values.count(-1),
                         "abstentions": values.count(0), "score_weighted": weighted}
        districts[district]["proposals"] += 1
        districts[district]["votes"] += len(values)
    return public, districts


def _streamed(response) -> str:
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def _per_proposal(rows: dict[str, dict]) -> dict[str, tuple]:
    return {title: (int(r["supporters"]), int(r["opponents"]), int(r["abstentions"]),
                    Decimal(str(r["score_weighted"])).normalize())
            for title, r in rows.items()}


def test_every_surface_publishes_the_same_numbers(town, planner):
    project, layer = town["project"], town["layer"]
    public, districts = _expected()
    expected = _per_proposal(public)
    anonymous = Client()

    # The results page.
    page = anonymous.get(reverse("voting:results", args=[project.slug]))
    assert page.status_code == 200
    seen = {r.title: {"supporters": r.supporters, "opponents": r.opponents,
                      "abstentions": r.abstentions, "score_weighted": r.score_weighted}
            for r in page.context["rows"]}
    assert _per_proposal(seen) == expected, "results page"
    figures = page.context["summary"]  # the whole project's, on every page
    assert (figures.proposals, figures.votes) == (
        len(public), sum(v["supporters"] + v["opponents"] + v["abstentions"]
                         for v in public.values())), "results page's figures"

    # The map's GeoJSON (what an anonymous visitor's map draws).
    drawn = anonymous.get(reverse("api:project-proposals", args=[project.pk])).json()
    assert sorted(f["properties"]["title"] for f in drawn["features"]) == sorted(public)

    # The ranking API and each proposal's tally.
    ranking = anonymous.get(reverse("api:project-ranking", args=[project.pk])).json()
    titles = {p.pk: p.title for p in town["proposals"]}
    assert _per_proposal({titles[r["id"]]: r for r in ranking["proposals"]}) == expected, \
        "ranking API"
    assert ranking["count"] == len(public)
    for proposal in town["proposals"]:
        if proposal.title in public:
            tally = anonymous.get(reverse("api:proposal-tally", args=[proposal.pk])).json()
            assert _per_proposal({proposal.title: tally}) == {
                proposal.title: expected[proposal.title]}, "tally API"

    # The OGC items.
    ogc = anonymous.get(f"/ogc/collections/proposals-{project.slug}/items",
                        {"f": "json", "limit": 100}).json()
    assert ogc["numberMatched"] == len(public)
    assert _per_proposal({f["properties"]["title"]: f["properties"]
                          for f in ogc["features"]}) == expected, "OGC items"

    # The exports.
    doc = json.loads(_streamed(anonymous.get(
        f"/api/v1/projects/{project.pk}/proposals.geojson")))
    assert _per_proposal({f["properties"]["title"]: f["properties"]
                          for f in doc["features"]}) == expected, "GeoJSON export"
    rows = list(csv.DictReader(io.StringIO(_streamed(anonymous.get(
        f"/api/v1/projects/{project.pk}/proposals.csv")))))
    assert _per_proposal({r["title"]: r for r in rows}) == expected, "CSV export"

    # The council report's data.
    report = snapshot_read(project=project, district_layer=layer)
    assert report.totals["proposals"] == len(public)
    assert _per_proposal({p["title"]: p for p in report.proposals}) == expected, "report"
    assert report.totals["votes"] == figures.votes, "report's votes"
    assert report.totals["rank_changed"] == figures.rank_changed == \
        ranking["rank_changed_count"] == sum(r["rank_changed"] for r in ranking["proposals"]), \
        "ranks the weights changed"
    report_districts = {d["name"]: {"proposals": d["proposals"], "votes": d["votes"]}
                        for d in report.districts}
    assert report_districts == districts, "report's districts"

    # The dashboard's overview.
    planner_client = Client()
    planner_client.force_login(planner)
    overview = planner_client.get(reverse("dashboard:project", args=[project.slug]),
                                  {"districts": layer.pk})
    assert overview.status_code == 200
    dashboard_districts = {d["name"]: {"proposals": d["proposals"], "votes": d["votes"]}
                           for d in overview.context["by_district"]}
    assert dashboard_districts == districts, "dashboard's districts"
    # Its public count is the one the API, the open data and the report publish; the
    # count beside it says it is everything received (hidden and awaiting included).
    counts = overview.context["overview"].totals.proposals
    assert counts.public == ogc["numberMatched"] == report.totals["proposals"] == len(public)
    assert counts.received == len(PROPOSALS)
    assert f"{len(PROPOSALS)} received ({len(public)} public)" in overview.content.decode()
    # The weights preview, under the weights the votes were cast with, scores as the
    # ranking does.
    preview = ranking_preview(project, weights=project_weights(project),
                              unverified_weight=Decimal("0.5"))
    assert {r["title"]: r["score_preview"].normalize() for r in preview} == {
        title: score for title, (*_, score) in expected.items()}, "weights preview"
    assert all(r["moved"] == 0 for r in preview)
