"""The project list's orders (proposals/list_orders.py): newest first, most supported (the
tally's weighted score), most commented (public comments); ties by newest then id, so a
reader paging through sees every proposal once; the order kept in the URL's state."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import StakeholderRole
from proposals.models import Proposal
from tests.factories import comment_make, project_make, proposal_make, role_make, user_make
from voting.models import Vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(db):
    # The roles first: a project's weights are fixed once its voting opens.
    for weight in (1, 2, 3, 5):
        role_make(f"weighs-{weight}", weight=str(weight))
    return project_make(phase="voting")


def part(client, project, **query):
    return client.get(reverse("proposals:project-list", args=[project.slug]),
                      {"in_view": "0", **query})


def titles(html: str) -> list[str]:
    return re.findall(r'<a href="/[^"]*proposals/\d+/">([^<]+)</a>', html)


def votes(proposal, *weights):
    """A vote per weight: positive supports with that weight, negative opposes. Each
    weight is a role's (the database checks a vote's weight against its role's)."""
    for w in weights:
        role = StakeholderRole.objects.get(slug=f"weighs-{abs(w)}")
        Vote.objects.create(proposal=proposal, user=user_make(), value=1 if w > 0 else -1,
                            weight=Decimal(abs(w)), role=role)


def test_most_supported_is_the_weighted_score_not_the_number_of_votes(
        client, project, citizen):
    few_heavy = proposal_make(project, citizen, title="Few heavy")
    many_light = proposal_make(project, citizen, title="Many light")
    contested = proposal_make(project, citizen, title="Contested")
    proposal_make(project, citizen, title="No votes")
    votes(few_heavy, 3)             # score 3, one vote
    votes(many_light, 1, 1)         # score 2, two votes
    votes(contested, 2, 2, 2, -5)   # score 1, four votes
    html = part(client, project, order="most_supported").content.decode()
    assert titles(html) == ["Few heavy", "Many light", "Contested", "No votes"]
    assert titles(part(client, project).content.decode()) == [
        "No votes", "Contested", "Many light", "Few heavy"]


def test_most_commented_counts_public_comments_only(client, project, citizen):
    talked = proposal_make(project, citizen, title="Talked about")
    muted = proposal_make(project, citizen, title="Muted talk")
    proposal_make(project, citizen, title="Quiet")
    comment_make(talked, citizen)
    comment_make(talked, citizen)
    # Three comments, none public: hidden, deleted, or both.
    comment_make(muted, citizen, is_hidden=True, hidden_reason="Insults.")
    comment_make(muted, citizen, body="", is_deleted=True)
    comment_make(muted, citizen, body="", is_deleted=True, is_hidden=True,
                 hidden_reason="Spam.")
    comment_make(muted, citizen)
    html = part(client, project, order="most_commented").content.decode()
    assert titles(html) == ["Talked about", "Muted talk", "Quiet"]


@pytest.mark.quality("ordered-paging")
def test_ties_go_to_the_newest_then_the_highest_id(client, project, citizen):
    made = [proposal_make(project, citizen, title=f"Tie {i}") for i in range(4)]
    same = timezone.now() - timedelta(days=1)
    Proposal.objects.filter(pk__in=[made[1].pk, made[2].pk]).update(created_at=same)
    Proposal.objects.filter(pk=made[0].pk).update(created_at=same - timedelta(hours=1))
    for order in ("newest", "most_supported", "most_commented"):
        html = part(client, project, order=order).content.decode()
        assert titles(html) == ["Tie 3", "Tie 2", "Tie 1", "Tie 0"], order


@pytest.mark.quality("ordered-paging")
@pytest.mark.parametrize("order", ["newest", "most_supported", "most_commented"])
def test_paging_through_an_order_shows_every_proposal_once(client, project, citizen, order):
    made = [proposal_make(project, citizen, title=f"Idea {i:02}") for i in range(45)]
    # Many ties: three created at one instant, scores and comment counts in a few steps.
    Proposal.objects.filter(pk__in=[p.pk for p in made[::3]]).update(
        created_at=timezone.now() - timedelta(days=2))
    for i, proposal in enumerate(made):
        if i % 4:
            votes(proposal, *([1] * (i % 3)))
        for _ in range(i % 2):
            comment_make(proposal, citizen)
    seen = []
    for page in (1, 2, 3):
        seen += titles(part(client, project, order=order, page=page).content.decode())
    assert len(seen) == 45 and len(set(seen)) == 45


@pytest.mark.quality("ordered-paging")
def test_a_hidden_proposal_is_neither_counted_nor_ordered_for_citizens(
        client, project, citizen):
    proposal_make(project, citizen, title="Shown")
    hidden = proposal_make(project, citizen, title="Hidden one")
    votes(hidden, 5, 5)
    comment_make(hidden, citizen)
    Proposal.objects.filter(pk=hidden.pk).update(is_hidden=True, hidden_reason="Spam.")
    for order in ("most_supported", "most_commented"):
        html = part(client, project, order=order).content.decode()
        assert titles(html) == ["Shown"], order
        assert "1 of 1 proposal" in html


def test_the_order_is_kept_in_the_urls_state(client, project, citizen):
    for i in range(25):
        proposal_make(project, citizen, title=f"Idea {i}")
    path = reverse("proposals:project", args=[project.slug])
    page = client.get(path, {"order": "most_supported"}).content.decode()
    assert '<option value="most_supported" selected>' in page
    assert f'href="{path}?order=most_supported&amp;page=2"' in page
    second = part(client, project, order="most_supported", page="2").content.decode()
    assert "order=most_supported&amp;page=1" in second
    # Newest first is the default: one spelling of a state, with no key for it.
    plain = client.get(path, {"order": "newest"}).content.decode()
    assert f'href="{path}?page=2"' in plain
    assert '<option value="newest" selected>' in plain


@pytest.mark.quality("damaged-links")
def test_an_unknown_order_opens_the_page_newest_first_and_the_list_alone_refuses_it(
        client, project, citizen):
    proposal_make(project, citizen, title="Older")
    proposal_make(project, citizen, title="Newer")
    path = reverse("proposals:project", args=[project.slug])
    page = client.get(path, {"order": "author__password"})
    assert page.status_code == 200
    assert titles(page.content.decode()) == ["Newer", "Older"]
    assert part(client, project, order="author__password").status_code == 400


def test_the_orders_are_offered_in_the_readers_language(client, project):
    path = reverse("proposals:project", args=[project.slug])
    catalan = client.get(path, headers={"accept-language": "ca"}).content.decode()
    assert all(label in catalan for label in (
        ">Ordre:<", ">Més recents primer<", ">Amb més suport<", ">Amb més comentaris<"))
    spanish = client.get(path, headers={"accept-language": "es"}).content.decode()
    assert all(label in spanish for label in (
        ">Orden:<", ">Más recientes primero<", ">Con más apoyo<", ">Con más comentarios<"))


# ------------------------------------------------------------------ the API's list


def api_titles(client, **query):
    answer = client.get("/api/v1/proposals/", query)
    assert answer.status_code == 200, answer.content
    return [f["properties"]["title"] for f in answer.json()["features"]]


@pytest.mark.quality("ordered-paging")
def test_the_api_lists_proposals_in_the_lists_orders_and_pages_them_alike(
        client, project, citizen):
    made = [proposal_make(project, citizen, title=f"Idea {i:02}") for i in range(12)]
    Proposal.objects.filter(pk__in=[p.pk for p in made[::2]]).update(
        created_at=timezone.now() - timedelta(days=2))
    for i, proposal in enumerate(made):
        votes(proposal, *([1] * (i % 3)))
        for _ in range(i % 4):
            comment_make(proposal, citizen)
    for order in ("newest", "most_supported", "most_commented"):
        listed = titles(part(client, project, order=order).content.decode())
        paged = [title for offset in (0, 5, 10)
                 for title in api_titles(client, ordering=order, limit=5, offset=offset)]
        assert paged == listed, order
    assert api_titles(client, ordering="most_supported")[0] != api_titles(client)[0]


def test_the_api_refuses_a_named_order_mixed_with_fields(client, project, citizen):
    proposal_make(project, citizen)
    answer = client.get("/api/v1/proposals/", {"ordering": "most_supported,title"})
    assert answer.status_code == 400 and "ordering" in answer.content.decode()
    catalan = client.get("/api/v1/proposals/", {"ordering": "most_supported,title"},
                         headers={"accept-language": "ca"})
    assert "va sol, sense camps" in catalan.content.decode()
    assert client.get("/api/v1/proposals/", {"ordering": "most_liked"}).status_code == 400
