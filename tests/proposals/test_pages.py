"""The citizen pages of projects and proposals (server-rendered)."""

import json

import pytest
from django.urls import reverse

from proposals.models import Proposal
from tests.factories import POINT, SQUARE, project_make, proposal_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(db):
    return project_make()


def test_the_home_page_lists_public_projects_only(client, project):
    project_make("secret-draft", visibility="draft", title="Draft plans")
    project_make("by-link", visibility="unlisted", title="Unlisted plans")
    html = client.get("/").content.decode()
    assert project.title in html and "Draft plans" not in html and "Unlisted plans" not in html


def test_an_unlisted_project_opens_by_its_link_and_a_draft_does_not(client, planner):
    unlisted = project_make("by-link", visibility="unlisted")
    project_make("secret-draft", visibility="draft")
    # Its link carries a key; its address alone is not enough (tests/opendata/test_unlisted.py).
    assert client.get(reverse("proposals:project", args=["by-link"])).status_code == 404
    assert client.get(unlisted.link_path).status_code == 200
    assert client.get(reverse("proposals:project", args=["secret-draft"])).status_code == 404
    client.force_login(planner)
    assert client.get(reverse("proposals:project", args=["secret-draft"])).status_code == 200


@pytest.mark.quality("stored-xss")
def test_the_project_page_lists_proposals_and_escapes_their_text(client, project, citizen):
    proposal_make(project, citizen, title="<script>alert(1)</script>")
    html = client.get(reverse("proposals:project", args=[project.slug])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    config = json.loads(html.split('id="map-config" type="application/json">')[1]
                        .split("</script>")[0])
    assert config["api"] == reverse("api:project-proposals", args=[project.pk])


def test_the_project_page_filters_its_list(client, project, citizen):
    proposal_make(project, citizen, title="Green one", category="green")
    proposal_make(project, citizen, title="Bike one", category="mobility")
    html = client.get(reverse("proposals:project", args=[project.slug]),
                      {"category": "mobility"}).content.decode()
    assert "Bike one" in html and "Green one" not in html


def test_propose_asks_anonymous_visitors_to_log_in(client, project):
    response = client.get(reverse("proposals:propose", args=[project.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_project_page_links_anonymous_visitors_to_log_in_and_back(client, project):
    page = client.get(reverse("proposals:project", args=[project.slug])).content.decode()
    back = reverse("proposals:project", args=[project.slug])
    link = f'href="/accounts/login/?next={back.replace("/", "%2F")}">Log in</a>'
    assert f"{link} to make a proposal." in page


def test_a_logged_in_citizen_gets_the_propose_button_not_the_log_in_link(client, project,
                                                                        citizen):
    client.force_login(citizen)
    page = client.get(reverse("proposals:project", args=[project.slug])).content.decode()
    assert "to make a proposal." not in page
    assert reverse("proposals:propose", args=[project.slug]) in page


def test_propose_outside_ideation_explains_why(client, citizen):
    voting = project_make("voting", phase="voting")
    client.force_login(citizen)
    response = client.get(reverse("proposals:propose", args=[voting.slug]), follow=True)
    assert "only while the ideation phase is open" in response.content.decode()


def test_a_proposal_sent_by_the_form_lands_on_the_map(client, project, citizen):
    client.force_login(citizen)
    response = client.post(reverse("proposals:propose", args=[project.slug]), {
        "title": "A square for the market", "body": "Room for stalls.", "category": "green",
        "geometry": json.dumps(SQUARE)})
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"?focus={proposal.pk}")
    assert proposal.geometry.geom_type == "Polygon"


def test_form_errors_show_next_to_their_fields_and_nothing_is_stored(client, project,
                                                                     citizen):
    client.force_login(citizen)
    response = client.post(reverse("proposals:propose", args=[project.slug]), {
        "title": "", "body": "x", "category": "green",
        "geometry": json.dumps({"type": "Point", "coordinates": [2.9, 41.39]})})
    assert response.status_code == 400
    html = response.content.decode()
    assert "outside the project" in html.split('id="geometry-errors"')[1][:400]
    assert 'id="id_title_error"' in html
    assert not Proposal.objects.exists()


def test_an_empty_drawing_asks_to_draw(client, project, citizen):
    client.force_login(citizen)
    response = client.post(reverse("proposals:propose", args=[project.slug]), {
        "title": "x", "body": "y", "category": "green", "geometry": ""})
    assert "Draw your proposal on the map" in response.content.decode()


def test_the_proposal_page_shows_answer_and_actions_by_role(client, project, citizen,
                                                           outsider, planner):
    proposal = proposal_make(project, citizen, status="accepted",
                             official_answer="We will build it in <b>May</b>.")
    url = reverse("proposals:proposal", args=[proposal.pk])
    html = client.get(url).content.decode()
    assert "We will build it in &lt;b&gt;May&lt;/b&gt;." in html
    assert "Report this proposal" not in html
    client.force_login(outsider)
    assert "Report this proposal" in client.get(url).content.decode()
    client.force_login(planner)
    assert "Moderation" in client.get(url).content.decode()


def test_a_hidden_proposal_page_is_404_for_others_but_not_its_author(client, project,
                                                                     citizen, outsider):
    proposal = proposal_make(project, citizen, is_hidden=True, hidden_reason="Spam.")
    url = reverse("proposals:proposal", args=[proposal.pk])
    assert client.get(url).status_code == 404
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(citizen)
    assert "Hidden: Spam." in client.get(url).content.decode()


def test_the_author_edits_through_the_page(client, project, citizen, outsider):
    proposal = proposal_make(project, citizen)
    url = reverse("proposals:edit", args=[proposal.pk])
    client.force_login(outsider)
    assert client.get(url).status_code == 403
    client.force_login(citizen)
    assert client.get(url).status_code == 200
    client.post(url, {"title": "Renamed", "body": "b", "category": "mobility",
                      "geometry": json.dumps(POINT)})
    proposal.refresh_from_db()
    assert (proposal.title, proposal.category.slug) == ("Renamed", "mobility")


def test_moderation_through_the_page_needs_a_reason(client, project, citizen, planner):
    proposal = proposal_make(project, citizen)
    client.force_login(planner)
    client.post(reverse("proposals:hide", args=[proposal.pk]), {"reason": ""})
    proposal.refresh_from_db()
    assert not proposal.is_hidden
    client.post(reverse("proposals:hide", args=[proposal.pk]), {"reason": "Off topic."})
    proposal.refresh_from_db()
    assert proposal.is_hidden


def test_page_actions_need_a_post(client, project, citizen):
    proposal = proposal_make(project, citizen)
    client.force_login(citizen)
    assert client.get(reverse("proposals:withdraw", args=[proposal.pk])).status_code == 405
    client.post(reverse("proposals:withdraw", args=[proposal.pk]))
    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"
