"""A city's project has thousands of proposals: the results page and the ranking API
answer a page of the ranking at a time. Every proposal appears once across the pages,
in rank order, with its rank over the whole project; a page's tallies by role are the
same as the whole project's; the figures of the whole project (proposals, votes, ranks
the weights changed) are on every page; and a page's HTML stays small however large
the project."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ClaimStatus
from proposals.models import Proposal
from tests.factories import claim_make, project_make, role_make, user_make
from voting import selectors
from voting.api import RankingPagination
from voting.models import ProjectVoting, Vote
from voting.views import RESULTS_PAGE

pytestmark = pytest.mark.django_db

RESIDENTS, EXPERTS = 8, 7  # one in five skips a proposal: groups of 5 or more are left
WEIGHTS = {"resident": Decimal(1), "expert": Decimal(2)}


def city(planner, proposals: int, slug: str = "big-city") -> dict:
    """A project in its voting phase with public results and `proposals` proposals, on
    which eight residents (weight 1) and seven experts (weight 2) voted, each value a
    function of the voter and the proposal: many ties, and ranks the weights change.
    Returns the project and, per proposal id, its hand-made tally."""
    roles = {"resident": role_make("resident", "1", position=10),
             "expert": role_make("expert", "2", position=20)}
    project = project_make(slug, phase="voting", before_phases=lambda p: (
        ProjectVoting.objects.create(project=p, results_public=True)))
    author = user_make(f"{slug}-author")
    category = project.categories.get(slug="green")
    made = Proposal.objects.bulk_create([
        Proposal(project=project, author=author, category=category, title=f"Idea {n:04d}",
                 body="A bench.", geometry=Point(2.17, 41.39, srid=4326), status="published")
        for n in range(proposals)])
    voters = []
    for role, count in (("resident", RESIDENTS), ("expert", EXPERTS)):
        for n in range(count):
            user = user_make(f"{slug}-{role}{n}")
            claim_make(user, roles[role], status=ClaimStatus.VERIFIED, decided_by=planner)
            voters.append((user, role))
    votes, tallies = [], {}
    for i, proposal in enumerate(made):
        tally = tallies[proposal.pk] = {"supporters": 0, "opponents": 0, "abstentions": 0,
                                        "score_weighted": Decimal(0)}
        for j, (user, role) in enumerate(voters):
            value = (i * (j + 3) + j * j + i // 7) % 3 - 1
            if (i + j) % 5 == 0:
                continue  # not every voter votes on everything
            votes.append(Vote(proposal=proposal, user=user, value=value,
                              role=roles[role], weight=WEIGHTS[role]))
            tally[{1: "supporters", -1: "opponents", 0: "abstentions"}[value]] += 1
            tally["score_weighted"] += WEIGHTS[role] * value
    Vote.objects.bulk_create(votes)
    return {"project": project, "tallies": tallies, "votes": len(votes)}


def ranks(tallies: dict) -> dict[int, tuple[int, int]]:
    """Per proposal, (rank by weighted score, rank with equal weights) over every
    proposal: one more than the number of proposals that score higher."""
    weighted = {pk: t["score_weighted"] for pk, t in tallies.items()}
    equal = {pk: t["supporters"] - t["opponents"] for pk, t in tallies.items()}
    return {pk: (1 + sum(s > weighted[pk] for s in weighted.values()),
                 1 + sum(s > equal[pk] for s in equal.values())) for pk in tallies}


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def big(planner):
    return city(planner, 2 * RESULTS_PAGE + 20)  # three pages of the results


@pytest.mark.quality("results-at-scale")
def test_the_ranking_api_pages_hold_every_proposal_once_ranked_over_the_project(api, big):
    expected = ranks(big["tallies"])
    url = reverse("api:project-ranking", args=[big["project"].pk])
    first = api.get(url).json()
    assert first["count"] == len(expected)
    assert len(first["proposals"]) == min(RankingPagination.default_limit, len(expected))
    seen, pages, page = [], 0, api.get(url, {"limit": 50}).json()
    while True:
        pages += 1
        assert page["count"] == len(expected) and page["project"] == big["project"].pk
        seen += page["proposals"]
        if page["next"] is None:
            break
        page = api.get(page["next"]).json()
        assert page["previous"] is not None
    assert pages == 3
    ids = [r["id"] for r in seen]
    assert sorted(ids) == sorted(expected) and len(set(ids)) == len(ids)
    # Ranks are the whole project's, and the pages come in rank order.
    assert {r["id"]: (r["rank_weighted"], r["rank_equal"]) for r in seen} == expected
    assert [r["rank_weighted"] for r in seen] == sorted(r["rank_weighted"] for r in seen)
    assert max(r["rank_weighted"] for r in seen[50:100]) > 50
    for row in seen:
        tally = big["tallies"][row["id"]]
        assert (row["supporters"], row["opponents"], row["abstentions"]) == (
            tally["supporters"], tally["opponents"], tally["abstentions"])
        assert Decimal(row["score_weighted"]) == tally["score_weighted"]
        assert row["rank_changed"] is (row["rank_weighted"] != row["rank_equal"])
    changed = sum(w != e for w, e in expected.values())
    assert 0 < changed < len(expected)
    assert first["rank_changed_count"] == page["rank_changed_count"] == changed


def test_the_ranking_api_bounds_its_pages(api, big, monkeypatch):
    url = reverse("api:project-ranking", args=[big["project"].pk])
    monkeypatch.setattr(RankingPagination, "max_limit", 30)
    body = api.get(url, {"limit": 100, "offset": 100}).json()
    assert len(body["proposals"]) == 20 and body["next"] is None  # the last 20
    assert len(api.get(url, {"limit": 100}).json()["proposals"]) == 30  # cut to the cap
    assert api.get(url, {"limit": 0}).status_code == 400
    assert api.get(url, {"offset": "x"}).status_code == 400
    past = api.get(url, {"offset": 5000}).json()  # past the end: no rows, the figures
    assert past["proposals"] == [] and past["count"] == body["count"]
    assert past["rank_changed_count"] == body["rank_changed_count"] > 0


@pytest.mark.quality("results-at-scale")
def test_the_results_pages_hold_every_proposal_once_with_the_projects_figures(
        client, big):
    expected = ranks(big["tallies"])
    project = big["project"]
    url = reverse("voting:results", args=[project.slug])
    everyone = selectors.role_tallies(project)
    seen = []
    for number in (1, 2, 3):
        response = client.get(url, {"page": number})
        assert response.status_code == 200
        rows = response.context["rows"]
        seen += rows
        first = (number - 1) * RESULTS_PAGE + 1
        html = response.content.decode()
        assert f"Proposals {first}–{first + len(rows) - 1} of {len(expected)}" in html
        assert f"Page {number} of 3" in html
        assert ('rel="prev"' in html) is (number > 1)
        assert ('rel="next"' in html) is (number < 3)
        # The page's tallies by role are the whole project's, for its rows only.
        for row in rows:
            shown = everyone.get(row.pk)
            assert row.roles == (shown.tallies if shown else [])
            assert row.roles_merged == (shown.merged if shown else [])
        # The figures are the whole project's on every page.
        summary = response.context["summary"]
        assert (summary.proposals, summary.votes) == (len(expected), big["votes"])
        assert summary.rank_changed == sum(w != e for w, e in expected.values())
        assert f"{len(expected)} proposals ranked, with {big['votes']:,} votes in all" in html
        assert (f"The weights changed the rank of {summary.rank_changed} proposals of "
                f"{len(expected)}") in html
    assert [r.pk for r in seen].count(seen[0].pk) == 1
    assert sorted(r.pk for r in seen) == sorted(expected)
    assert {r.pk: (r.rank_weighted, r.rank_equal) for r in seen} == expected
    assert [r.rank_weighted for r in seen] == sorted(r.rank_weighted for r in seen)
    assert min(r.rank_weighted for r in seen[RESULTS_PAGE:]) > 1
    assert max(r.rank_weighted for r in seen[RESULTS_PAGE:2 * RESULTS_PAGE]) > RESULTS_PAGE
    # A page past the last, or not a number, is the last or the first: never an error.
    assert client.get(url, {"page": 99}).context["page"].number == 3
    assert client.get(url, {"page": "x"}).context["page"].number == 1
    # Whoever wants every row is sent to the API and the CSV.
    html = client.get(url).content.decode()
    assert reverse("api:project-ranking", args=[project.pk]) in html
    assert reverse("api:project-export-csv", args=[project.pk]) in html


@pytest.mark.quality("results-at-scale")
def test_role_tallies_of_some_proposals_are_the_same_as_the_whole_projects(big):
    project = big["project"]
    everyone = selectors.role_tallies(project)
    some = sorted(big["tallies"])[40:95:3]
    assert selectors.role_tallies(project, proposal_ids=some) == {
        pk: everyone[pk] for pk in some if pk in everyone}
    assert selectors.role_tallies(project, proposal_ids=[]) == {}
    # Each group has at least PLAZA_MIN_GROUP_SIZE (5) voters: shown by role.
    assert all([t.role for t in shown.tallies] == ["Resident", "Expert"]
               for shown in everyone.values())


@pytest.mark.quality("results-at-scale")
def test_a_results_page_stays_small_however_many_proposals(client, planner,
                                                            django_assert_max_num_queries):
    project = city(planner, 500, slug="huge-city")["project"]
    with django_assert_max_num_queries(15):  # as many for 50 rows as for one
        response = client.get(reverse("voting:results", args=[project.slug]))
    html = response.content.decode()
    assert len(response.content) < 1_000_000, len(response.content)
    assert len(re.findall(r'<tr class="roles-row">', html)) == RESULTS_PAGE
    assert "Proposals 1–50 of 500" in html


@pytest.mark.parametrize(("language", "texts"), [
    ("ca", ["Propostes 51–100 de 120", "Pàgines de la classificació", "Ves a la pàgina",
            "propostes classificades, amb", "Els pesos han canviat la posició de",
            "La classificació sencera", "fins a 1.000 propostes per petició"]),
    ("es", ["Propuestas 51–100 de 120", "Páginas de la clasificación", "Ir a la página",
            "propuestas clasificadas, con", "Las ponderaciones han cambiado la posición de",
            "La clasificación completa", "hasta 1\u00a0000 propuestas por petición"]),
])
def test_the_pages_of_the_ranking_speak_catalan_and_spanish(client, big, language, texts):
    html = client.get(reverse("voting:results", args=[big["project"].slug]), {"page": 2},
                      HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for text in texts:
        assert text in html


def test_a_project_without_proposals_has_an_empty_ranking(client, api, planner):
    project = city(planner, 0, slug="empty-city")["project"]
    response = client.get(reverse("voting:results", args=[project.slug]))
    assert response.status_code == 200
    assert "No proposal to rank yet." in response.content.decode()
    assert response.context["summary"].proposals == 0
    body = api.get(reverse("api:project-ranking", args=[project.pk])).json()
    assert (body["count"], body["proposals"], body["rank_changed_count"]) == (0, [], 0)
