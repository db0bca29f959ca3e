"""The planner's merge page: pick the target (the most alike first), give a reason, see
what would move, confirm; nothing changes before the confirmation."""

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from proposals.models import Proposal
from tests.factories import proposal_make, user_make
from voting.services import vote_cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(voting_project, voters):
    author = user_make("writer")
    duplicate = proposal_make(voting_project, author, title="Shade on <i>Pujades</i>")
    target = proposal_make(voting_project, author, title="Shade on Pujades street")
    proposal_make(voting_project, author, title="Night buses",
                  geometry={"type": "Point", "coordinates": [2.2, 41.44]})
    vote_cast(user=voters["resident"], proposal=duplicate, value=1)
    return duplicate, target


@pytest.mark.quality("merge-carries-over")
def test_a_planner_reviews_then_confirms_the_merge(client, planner, pair):
    duplicate, target = pair
    client.force_login(planner)
    listing = client.get(reverse("dashboard:project-proposals",
                                 args=[duplicate.project.slug])).content.decode()
    url = reverse("dashboard:proposal-merge", args=[duplicate.pk])
    assert f'href="{url}"' in listing
    form = client.get(url).content.decode()
    assert "Shade on &lt;i&gt;Pujades&lt;/i&gt;" in form  # escaped
    alike = form.index("Most alike or nearest")
    assert form.index("Shade on Pujades street", alike) < form.index("Every public")

    review = client.post(url, {"target": target.pk, "reason": "Same street."})
    assert review.status_code == 200
    text = review.content.decode()
    assert "1 vote on the duplicate moves to the target." in text
    assert Proposal.objects.get(pk=duplicate.pk).status == "published"  # not yet

    done = client.post(url, {"target": target.pk, "reason": "Same street.", "confirm": "1"})
    assert done.status_code == 302
    assert done["Location"] == reverse("dashboard:project-proposals",
                                       args=[duplicate.project.slug])
    message = client.get(done["Location"]).content.decode()
    assert "1 vote carried over" in message
    assert Proposal.objects.get(pk=duplicate.pk).merged_into_id == target.pk
    assert AuditEntry.objects.filter(action=AuditAction.PROPOSAL_MERGE).count() == 1


def test_a_bad_choice_is_sent_back_with_the_reason(client, planner, pair):
    duplicate, _target = pair
    client.force_login(planner)
    url = reverse("dashboard:proposal-merge", args=[duplicate.pk])
    response = client.post(url, {"target": duplicate.pk, "reason": ""})
    assert response.status_code == 400
    assert Proposal.objects.get(pk=duplicate.pk).status == "published"


def test_citizens_cannot_merge(client, pair):
    duplicate, target = pair
    client.force_login(user_make("someone"))
    url = reverse("dashboard:proposal-merge", args=[duplicate.pk])
    response = client.post(url, {"target": target.pk, "reason": "x", "confirm": "1"})
    assert response.status_code == 403
    assert Proposal.objects.get(pk=duplicate.pk).status == "published"
