"""Voting through the API and the pages; who sees results; ballots never public."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import project_make, proposal_make
from voting.models import ProjectVoting, Vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def vote_url(proposal):
    return reverse("api:proposal-vote", args=[proposal.pk])


def test_casting_changing_and_withdrawing_through_the_api(api, ballot, voters):
    api.force_authenticate(voters["expert"])
    response = api.post(vote_url(ballot[0]), {"value": "support"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"proposal": ballot[0].pk, "value": "support",
                               "role": "Expert", "weight": "2.000",
                               "updated_at": response.json()["updated_at"]}
    assert api.put(vote_url(ballot[0]), {"value": "oppose"}, format="json").json()[
        "value"] == "oppose"
    mine = api.get(reverse("api:my-votes")).json()
    assert [(v["proposal"], v["value"]) for v in mine] == [(ballot[0].pk, "oppose")]
    assert api.delete(vote_url(ballot[0])).status_code == 204
    assert not Vote.objects.exists()


@pytest.mark.quality("mass-assignment", "client-weight", "another-users-row")
def test_client_sent_weight_role_and_user_are_ignored(api, ballot, voters):
    api.force_authenticate(voters["resident"])
    api.post(vote_url(ballot[0]), {"value": "support", "weight": "100", "role": "expert",
                                   "user": voters["expert"].pk}, format="json")
    vote = Vote.objects.get()
    assert (vote.user, vote.weight, vote.role.slug) == (voters["resident"], Decimal("1"),
                                                        "resident")


@pytest.mark.parametrize("body", [{"value": "yes"}, {}, {"value": 1}])
def test_bad_values_are_400(api, ballot, voters, body):
    api.force_authenticate(voters["resident"])
    assert api.post(vote_url(ballot[0]), body, format="json").status_code == 400
    assert not Vote.objects.exists()


def test_refusals_say_why(api, ballot, voters):
    api.force_authenticate(voters["nobody"])
    response = api.post(vote_url(ballot[0]), {"value": "support"}, format="json")
    assert response.status_code == 403
    assert "verified stakeholder role" in response.json()["detail"]
    api.force_authenticate(None)
    assert api.post(vote_url(ballot[0]), {"value": "support"}, format="json").status_code \
        in (401, 403)


@pytest.mark.quality("vote-outside-phase")
def test_a_vote_on_another_projects_hidden_proposal_is_404(api, voters, voting_project):
    other = project_make("other-voting", phase="voting")
    hidden = proposal_make(other, voters["nobody"], is_hidden=True, hidden_reason="Spam.")
    api.force_authenticate(voters["resident"])
    assert api.post(vote_url(hidden), {"value": "support"}, format="json").status_code == 404


def test_results_are_for_planners_until_the_project_publishes_them(api, ballot, voters,
                                                                    planner, client):
    project = ballot[0].project
    ranking = reverse("api:project-ranking", args=[project.pk])
    tally = reverse("api:proposal-tally", args=[ballot[0].pk])
    results = reverse("voting:results", args=[project.slug])
    api.force_authenticate(voters["resident"])
    assert api.get(ranking).status_code == 404 and api.get(tally).status_code == 404
    client.force_login(voters["resident"])
    assert client.get(results).status_code == 404
    api.force_authenticate(planner)
    assert api.get(ranking).status_code == 200
    client.force_login(planner)
    assert "Only planners see these results" in client.get(results).content.decode()
    ProjectVoting.objects.create(project=project, results_public=True)
    api.force_authenticate(None)
    assert api.get(ranking).status_code == 200 and api.get(tally).status_code == 200
    client.logout()
    assert client.get(results).status_code == 200


def test_no_public_response_carries_a_ballot_or_an_email(api, ballot, voters):
    ProjectVoting.objects.create(project=ballot[0].project, results_public=True)
    api.force_authenticate(voters["expert"])
    api.post(vote_url(ballot[0]), {"value": "support"}, format="json")
    api.force_authenticate(None)
    for url in (reverse("api:project-ranking", args=[ballot[0].project.pk]),
                reverse("api:proposal-tally", args=[ballot[0].pk]),
                reverse("api:project-weights", args=[ballot[0].project.pk]),
                reverse("api:project-proposals", args=[ballot[0].project.pk])):
        body = api.get(url).content.decode()
        json.loads(body)
        # The voter's username ("exp") appears nowhere but inside the role name "expert".
        assert voters["expert"].username not in body.replace("expert", "").replace(
            "Expert", "")
        assert "@example.org" not in body
    assert api.get(reverse("api:my-votes")).status_code in (401, 403)


def test_the_ranking_api_lists_rank_changes(api, ballot, voters):
    ProjectVoting.objects.create(project=ballot[0].project, results_public=True)
    a, b, _ = ballot
    for who, proposal in (("expert", a), ("resident", b), ("business", b)):
        api.force_authenticate(voters[who])
        api.post(vote_url(proposal), {"value": "support"}, format="json")
    body = api.get(reverse("api:project-ranking", args=[a.project.pk])).json()
    assert body["rank_changed_count"] == 1
    assert [r["id"] for r in body["proposals"] if r["rank_changed"]] == [a.pk]
    first = body["proposals"][0]
    assert {"rank_weighted", "rank_equal", "score_weighted", "share",
            "rank_changed"} <= set(first)
    assert (body["count"], body["next"], body["previous"]) == (3, None, None)


def test_the_weights_are_published(api, voting_project, voters):
    body = api.get(reverse("api:project-weights", args=[voting_project.pk])).json()
    assert body["frozen"] is True
    assert {r["role"]: r["weight"] for r in body["roles"]}["expert"] == "2.000"


def pressed(html: str) -> dict[str, str]:
    """Each vote button's value → its aria-pressed."""
    return dict(re.findall(r'value="(support|oppose|abstain)" class="choice" '
                           r'aria-pressed="(true|false)"', html))


def test_voting_from_the_proposal_page(client, ballot, voters):
    client.force_login(voters["business"])
    page = reverse("proposals:proposal", args=[ballot[0].pk])
    html = client.get(page).content.decode()
    assert "Your vote counts with weight <strong>1</strong>" in html
    # Before voting, no choice looks made: all three are unpressed.
    assert pressed(html) == {"support": "false", "oppose": "false", "abstain": "false"}
    client.post(reverse("voting:vote", args=[ballot[0].pk]), {"value": "oppose"})
    assert Vote.objects.get().value == -1
    html = client.get(page).content.decode()
    assert pressed(html) == {"support": "false", "oppose": "true", "abstain": "false"}
    project_page = client.get(reverse("proposals:project", args=[ballot[0].project.slug]))
    assert "You voted on 1 of 3 proposals." in project_page.content.decode()
    client.post(reverse("voting:vote", args=[ballot[0].pk]), {"value": "withdraw"})
    assert not Vote.objects.exists()


def test_the_project_page_publishes_the_weights(client, voting_project, voters):
    html = client.get(reverse("proposals:project", args=[voting_project.slug])).content.decode()
    assert "How votes count" in html and "Expert" in html and "may not vote" in html


def test_the_results_page_shows_both_rankings_and_role_bars(client, ballot, voters, planner,
                                                            settings):
    settings.PLAZA_MIN_GROUP_SIZE = 1  # one voter per role: bars only without the threshold
    a, b, _ = ballot
    for who, proposal in (("expert", a), ("resident", b), ("business", b)):
        client.force_login(voters[who])
        client.post(reverse("voting:vote", args=[proposal.pk]), {"value": "support"})
    client.force_login(planner)
    html = client.get(reverse("voting:results", args=[a.project.slug])).content.decode()
    assert "Where the weights changed the outcome" in html
    assert f"{a.title}</a>: rank 1 with weights,\n        2 with equal weights" in html
    assert html.count('class="support"') >= 4  # proposal bars and per-role bars
