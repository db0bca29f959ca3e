"""Voting from the project's list: the same view and service as the proposal page, back
to the list with its state, or in JSON for the list's script; and what the list says to
someone who cannot vote, once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals.models import PhaseKind
from tests.factories import project_make, proposal_make, user_make
from voting.models import Vote

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def vote_url(proposal):
    return reverse("voting:vote", args=[proposal.pk])


def list_page(client, project, **query):
    return client.get(reverse("proposals:project", args=[project.slug]), query)


def test_a_voter_votes_from_the_list_and_comes_back_to_it(client, ballot, voters):
    client.force_login(voters["resident"])
    path = reverse("proposals:project", args=[ballot[0].project.slug])
    back = f"{path}?category=green&bbox=2.1%2C41.3%2C2.2%2C41.4#p-{ballot[0].pk}"
    answer = client.post(vote_url(ballot[0]), {"value": "support", "next": back})
    assert answer.status_code == 302 and answer["Location"] == back
    assert Vote.objects.get(user=voters["resident"]).proposal == ballot[0]


@pytest.mark.quality("open-redirect")
def test_a_vote_sent_to_another_site_goes_to_the_proposal_instead(client, ballot, voters):
    client.force_login(voters["resident"])
    answer = client.post(vote_url(ballot[0]), {"value": "support",
                                                 "next": "https://evil.example/"})
    assert answer["Location"] == reverse("proposals:proposal", args=[ballot[0].pk])


def test_the_lists_script_gets_the_choice_and_the_progress_in_json(client, ballot, voters):
    client.force_login(voters["expert"])
    client.post(vote_url(ballot[1]), {"value": "abstain"}, **JSON)
    answer = client.post(vote_url(ballot[0]), {"value": "oppose"}, **JSON)
    assert answer.status_code == 200
    body = answer.json()
    assert body["value"] == "oppose" and body["progress"] == "You voted on 2 of 3 proposals."
    withdrawn = client.post(vote_url(ballot[0]), {"value": "withdraw"}, **JSON).json()
    assert withdrawn["value"] is None
    assert withdrawn["progress"] == "You voted on 1 of 3 proposals."
    # No message waits for the next page: the script showed it in place.
    assert "counts with weight" not in list_page(client, ballot[0].project).content.decode()


def test_an_outsider_without_a_role_cannot_vote_from_the_list(client, ballot, voters):
    client.force_login(voters["nobody"])
    answer = client.post(vote_url(ballot[0]), {"value": "support"}, **JSON)
    assert answer.status_code == 403
    assert "verified stakeholder role" in answer.json()["message"]
    assert not Vote.objects.exists()
    html = list_page(client, ballot[0].project).content.decode()
    assert 'data-list-vote' not in html
    assert html.count("only participants with a verified stakeholder role may vote") == 1


def test_a_closed_vote_refuses_a_vote_from_the_list(client, ballot, voters):
    project = ballot[0].project
    project.phases.filter(kind=PhaseKind.VOTING).update(ends_at=timezone.now()
                                                        - timedelta(minutes=1))
    client.force_login(voters["resident"])
    path = reverse("proposals:project", args=[project.slug])
    answer = client.post(vote_url(ballot[0]), {"value": "support", "next": path})
    assert answer.status_code == 302 and answer["Location"] == path
    assert not Vote.objects.exists()
    assert client.post(vote_url(ballot[0]), {"value": "support"}, **JSON).status_code == 403
    html = list_page(client, project).content.decode()
    assert "data-list-vote" not in html and html.count("Voting closed on") == 1


def test_the_list_shows_a_voters_choices_pressed(client, ballot, voters):
    client.force_login(voters["business"])
    client.post(vote_url(ballot[2]), {"value": "oppose"})
    html = list_page(client, ballot[0].project).content.decode()
    assert html.count("data-list-vote") == 3
    card = html.split(f'id="p-{ballot[2].pk}"')[1].split("</li>")[0]
    assert 'value="oppose" class="choice" aria-pressed="true"' in card
    assert 'value="support" class="choice" aria-pressed="false"' in card
    assert "You voted on 1 of 3 proposals." in html


def test_an_anonymous_visitor_is_asked_once_to_log_in(client, ballot):
    html = list_page(client, ballot[0].project).content.decode()
    assert "data-list-vote" not in html
    assert html.count("to vote on these proposals from this list") == 1


def test_before_voting_the_list_says_when_it_opens_and_offers_no_vote(client, voters):
    project = project_make("later", phase="ideation")
    proposal_make(project, user_make("someone"))
    client.force_login(voters["resident"])
    html = list_page(client, project).content.decode()
    assert "data-list-vote" not in html and html.count("Voting opens on") == 1
