"""The site's search page: what the reader may see, snippets escaped with matches
marked, filters, the next page, a clear message for bad input; the header's box."""

import pytest
from django.urls import reverse

from tests.factories import comment_make, project_make, proposal_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(db):
    return project_make()


def page(client, **params):
    response = client.get(reverse("proposals:search"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_proposals_found_with_escaped_snippets(client, project, citizen):
    proposal_make(project, citizen, title="<b>Shade</b> for the fountain",
                  body="Plant trees <script>alert(1)</script> near the fountain.")
    proposal_make(project, citizen, title="Secret fountain", is_hidden=True,
                  hidden_reason="Spam.")
    html = page(client, q="fountain")
    assert "<mark>fountain</mark>" in html
    assert "<script>alert" not in html and "<b>Shade" not in html
    assert "Secret fountain" not in html


def test_a_title_is_shown_whole_and_the_kind_searched_is_checked(client, project, citizen):
    proposal_make(project, citizen, title="Fountain 0 & more", body="Water.")
    html = page(client, q="fountain")
    assert "<mark>Fountain</mark> 0 &amp; more" in html
    assert 'value="proposals" id="id_kind_0" checked' in html


def test_filters_by_kind_project_and_status(client, project, citizen):
    other = project_make("other", title="Riverside")
    proposal = proposal_make(project, citizen, title="Benches by the river")
    accepted = proposal_make(other, citizen, title="River benches", status="accepted",
                             official_answer="Yes.")
    comment_make(proposal, citizen, "The river needs benches")
    ours = reverse("proposals:proposal", args=[proposal.pk])
    theirs = reverse("proposals:proposal", args=[accepted.pk])
    html = page(client, q="river", project=project.pk)
    assert ours in html and theirs not in html
    html = page(client, q="river", status="accepted")
    assert theirs in html and ours not in html
    comments = page(client, q="river", kind="comments")
    assert "A comment on" in comments and "<mark>river</mark>" in comments
    assert "Riverside" in page(client, q="riverside", kind="projects")


def test_the_next_page_follows(client, project, citizen):
    for i in range(25):
        proposal_make(project, citizen, title=f"Fountain number {i}")
    html = page(client, q="fountain")
    assert html.count('class="search-result"') == 20
    link = html.split('aria-label="Pages"><a href="?')[1].split('"')[0].replace("&amp;", "&")
    rest = client.get(reverse("proposals:search") + "?" + link).content.decode()
    assert rest.count('class="search-result"') == 5


def test_bad_input_says_so(client, project):
    assert "at most 200 characters" in page(client, q="x" * 201)
    assert "not one of ours" in page(client, q="fountain", cursor="nonsense")


def test_every_page_has_a_labelled_search_box(client, project):
    html = client.get(reverse("proposals:home")).content.decode()
    assert 'role="search"' in html and 'for="site-search-q"' in html
    assert f'action="{reverse("proposals:search")}"' in html
