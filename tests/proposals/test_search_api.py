"""`?search=` on the API: the proposals list (best first, by cursor), the new comments
list, the projects list; only what the reader may see; bad input is a clear 400."""

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from proposals.models import Project
from tests.factories import comment_make, project_make, proposal_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def project(db):
    return project_make()


def get(api, name, **params):
    response = api.get(reverse(f"api:{name}"), params)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def ids(body):
    return [f["id"] for f in body.get("features", body.get("results", []))]


def test_proposals_found_best_first_and_only_public_ones(api, project, citizen):
    title = proposal_make(project, citizen, title="A fountain", body="Water.")
    body = proposal_make(project, citizen, title="Benches", body="By the fountain.")
    proposal_make(project, citizen, title="Hidden fountain", is_hidden=True,
                  hidden_reason="Spam.")
    proposal_make(project, citizen, title="Fountain awaiting", status="submitted")
    draft = project_make("draft", visibility="draft")
    proposal_make(draft, citizen, title="Draft fountain")
    found = get(api, "proposal-list", search="fountains")
    assert ids(found) == [title.pk, body.pk]
    assert "numberMatched" not in found
    assert found["features"][0]["properties"]["title"] == "A fountain"


def test_proposal_pages_follow_the_next_link(api, project, citizen):
    made = [proposal_make(project, citizen, title=f"Fountain {i}").pk for i in range(5)]
    seen, url, params = [], reverse("api:proposal-list"), {"search": "fountain", "limit": 2}
    while url:
        body = json.loads(api.get(url, params).content)
        seen += ids(body)
        url, params = next((link["href"] for link in body["links"]
                            if link["rel"] == "next"), None), None
    assert sorted(seen) == sorted(made) and len(seen) == 5


@pytest.mark.parametrize("params", [
    {"search": "fountain", "ordering": "title"},
    {"search": "fountain", "offset": "10"},
    {"search": "fountain", "cursor": "not-a-cursor"},
    {"search": "x" * 201},
])
def test_bad_search_input_is_a_clear_400(api, project, citizen, params):
    proposal_make(project, citizen, title="Fountain")
    response = api.get(reverse("api:proposal-list"), params)
    assert response.status_code == 400
    assert set(json.loads(response.content)) & {"ordering", "offset", "cursor", "search",
                                                "detail", "errors"}


def test_comments_list_shows_what_the_reader_may_read(api, project, citizen, outsider,
                                                      planner):
    proposal = proposal_make(project, citizen)
    live = comment_make(proposal, citizen, "Wider pavements please")
    hidden = comment_make(proposal, outsider, "Pavements are for cars", is_hidden=True,
                          hidden_reason="Rude.")
    comment_make(proposal, outsider, "", is_deleted=True)
    secret = proposal_make(project, citizen, title="Hidden", is_hidden=True,
                           hidden_reason="Spam.")
    on_hidden = comment_make(secret, outsider, "Pavements here too")
    assert ids(get(api, "comment-list")) == [live.pk]
    assert ids(get(api, "comment-list", search="pavement")) == [live.pk]
    api.force_authenticate(outsider)
    assert set(ids(get(api, "comment-list", search="pavement"))) == {live.pk, hidden.pk}
    api.force_authenticate(planner)
    assert set(ids(get(api, "comment-list"))) == {live.pk, hidden.pk, on_hidden.pk}
    first = get(api, "comment-list", search="pavement")["results"][0]
    assert {"id", "proposal", "body", "author", "created_at", "language"} <= set(first)
    assert "email" not in json.dumps(first)


def test_comments_list_pages_newest_first_by_cursor(api, project, citizen):
    proposal = proposal_make(project, citizen)
    made = [comment_make(proposal, citizen, f"Comment {i}").pk for i in range(5)]
    body = get(api, "comment-list", limit=2, proposal=proposal.pk)
    seen = ids(body)
    while body["next"]:
        body = json.loads(api.get(body["next"]).content)
        seen += ids(body)
    assert seen == made[::-1]
    assert api.get(reverse("api:comment-list"), {"cursor": "W10"}).status_code == 400


def test_projects_list_searches_every_language_of_a_project(api, project):
    Project.objects.filter(pk=project.pk).update(title_ca="Superilla del Poblenou",
                                                 description_es="Calles tranquilas")
    other = project_make("other", title="Riverside play spaces")
    draft = project_make("draft", visibility="draft", title="Calles secretas")
    assert ids(get(api, "project-list", search="calle")) == [project.pk]
    assert ids(get(api, "project-list", search="playing")) == [other.pk]
    assert draft.pk not in ids(get(api, "project-list", search="secretas"))


def test_the_first_page_counts_nothing_and_reads_one_row_past_it(api, project, citizen):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(4):
        proposal_make(project, citizen, title=f"Fountain {i}")
    with CaptureQueriesContext(connection) as queries:
        body = get(api, "proposal-list", search="fountain", limit=3)
    assert len(body["features"]) == 3
    matching = [q["sql"] for q in queries if "@@" in q["sql"]]
    assert len(matching) == 1
    assert "COUNT(" not in matching[0].upper() and "LIMIT 4" in matching[0]
