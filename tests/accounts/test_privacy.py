"""A participant downloads their data and erases their account (GDPR arts. 15, 17, 20)."""

import json

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.models import ClaimStatus, RoleClaim, User
from proposals.models import Comment, Proposal
from tests.factories import (
    PASSWORD,
    claim_make,
    comment_make,
    project_make,
    proposal_make,
    role_make,
    user_make,
)
from voting.models import Vote
from voting.selectors import proposal_tally
from voting.services import vote_cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def participant(planner):
    """An expert (weight 2) with a claim and its document, a proposal, a comment and a
    vote on someone else's proposal in a project whose voting is open."""
    expert = role_make("expert", "2")
    user = user_make("marta", display_name="Marta Puig")
    claim = claim_make(user, expert, status=ClaimStatus.VERIFIED, decided_by=planner)
    claim.evidence_file.save("colegio.pdf", ContentFile(b"%PDF-1.4 evidence"))
    project = project_make("vote-now", phase="voting")
    own = proposal_make(project, user, title="Benches on Passeig de Sant Joan")
    other = proposal_make(project, user_make("jordi"), title="A fountain")
    comment_make(other, user, body="Yes, near the school.")
    vote_cast(user=user, proposal=other, value=1)
    return {"user": user, "claim": claim, "own": own, "other": other}


def test_a_participant_downloads_everything_held_about_them(client, participant):
    user = participant["user"]
    someone = user_make("someone")
    comment_make(participant["other"], someone, body="Not theirs")
    client.force_login(user)
    response = client.post(reverse("accounts:data-export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="plaza-my-data-')
    assert response["Cache-Control"] == "private, no-store"
    data = json.loads(response.content)
    assert data["profile"]["username"] == "marta"
    assert data["profile"]["email"] == user.email
    assert [c["role"] for c in data["role_claims"]] == ["Expert"]
    assert data["role_claims"][0]["evidence_file"].endswith(".pdf")  # stored under a new name
    assert [p["title"] for p in data["proposals"]] == ["Benches on Passeig de Sant Joan"]
    assert data["proposals"][0]["geometry"]["type"] == "Point"
    assert [c["body"] for c in data["comments"]] == ["Yes, near the school."]
    assert [(v["proposal_title"], v["value"], v["weight"]) for v in data["votes"]] == [
        ("A fountain", 1, "2.000")]
    assert "Not theirs" not in response.content.decode()


@pytest.mark.quality("private-reports")
def test_the_download_is_a_post_for_the_signed_in_user_only(client, participant):
    url = reverse("accounts:data-export")
    assert client.post(url).status_code == 302  # to the log-in page
    client.force_login(participant["user"])
    assert client.get(url).status_code == 405
    client.logout()
    from django.test import Client

    assert Client(enforce_csrf_checks=True).post(url).status_code in (302, 403)


@pytest.mark.quality("erased-voter")
def test_erasing_keeps_the_debate_and_the_tallies_but_not_the_person(
        client, participant, django_capture_on_commit_callbacks):
    user, other = participant["user"], participant["other"]
    evidence = participant["claim"].evidence_file
    storage, name = evidence.storage, evidence.name
    tally = proposal_tally(other)
    client.force_login(user)
    page = client.get(reverse("accounts:account-erase"))
    assert page.status_code == 200 and b"cannot be undone" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:account-erase"),
                               {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert not User.objects.filter(username="marta").exists()
    assert not RoleClaim.objects.filter(pk=participant["claim"].pk).exists()
    assert not storage.exists(name)
    own = Proposal.objects.get(pk=participant["own"].pk)
    assert own.author is None and own.title == "Benches on Passeig de Sant Joan"
    assert Comment.objects.get(body="Yes, near the school.").author is None
    vote = Vote.objects.get(proposal=other)
    assert vote.user is None and str(vote.weight) == "2.000"
    assert proposal_tally(other) == tally
    # Signed out, and the page of the proposal names no one.
    assert client.get(reverse("accounts:profile")).status_code == 302
    detail = client.get(reverse("proposals:proposal", args=[own.pk])).content.decode()
    assert "a former participant" in detail and "Marta" not in detail


def test_a_wrong_password_or_no_confirmation_erases_nothing(client, participant):
    client.force_login(participant["user"])
    url = reverse("accounts:account-erase")
    wrong = client.post(url, {"password": "not-it", "confirm": "on"})
    assert wrong.status_code == 400 and b"The password is not right." in wrong.content
    unconfirmed = client.post(url, {"password": PASSWORD})
    assert unconfirmed.status_code == 400
    assert User.objects.filter(username="marta").exists()
    assert Vote.objects.get(proposal=participant["other"]).user == participant["user"]


def test_an_administrator_is_not_erased_from_the_site(client):
    admin = user_make("root")
    User.objects.filter(pk=admin.pk).update(is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.post(reverse("accounts:account-erase"),
                           {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 400 and User.objects.filter(pk=admin.pk).exists()
