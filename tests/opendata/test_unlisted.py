"""An unlisted project is open to whoever holds its link, and to no one else.

Its link carries a random key (`/projects/<slug>/?key=…`); neither its slug nor its
sequential id is enough. No public list shows it or its proposals (the API's lists,
OGC API – Features, the exports, the home page), and no address by id answers for it
without the key: the project, its proposals, their comments, tallies and reports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from proposals.models import Project
from tests.factories import comment_make, project_make, proposal_make, user_make

pytestmark = pytest.mark.django_db
SECRET_TITLE = "Unlisted idea by the river"


@pytest.fixture
def places(db):
    author = user_make("author")
    listed = project_make("open-city")
    proposal_make(listed, author, title="Listed idea")
    unlisted = project_make("by-link", visibility="unlisted", title="By link only")
    secret = proposal_make(unlisted, author, title=SECRET_TITLE)
    comment = comment_make(secret, author, "Secret comment text")
    return {"listed": listed, "unlisted": unlisted, "secret": secret, "comment": comment,
            "author": author}


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.quality("unlisted-projects")
def test_the_public_lists_show_nothing_of_an_unlisted_project(places):
    client = Client()
    unlisted, secret = places["unlisted"], places["secret"]
    lists = [
        "/", "/api/v1/projects/", "/api/v1/proposals/", "/api/v1/proposals/?limit=1000",
        "/api/v1/proposals/?bbox=2.0,41.0,2.5,41.6", "/ogc/collections",
        f"/ogc/collections/proposals-{places['listed'].slug}/items?limit=1000",
        f"/api/v1/projects/{places['listed'].pk}/proposals/",
        f"/api/v1/projects/{places['listed'].pk}/proposals.geojson",
        f"/api/v1/projects/{places['listed'].pk}/proposals.csv",
    ]
    for url in lists:
        response = client.get(url, HTTP_ACCEPT="application/json")
        assert response.status_code == 200, url
        body = _body(response)
        assert SECRET_TITLE not in body and "By link only" not in body, url
        assert "by-link" not in body, url
    # Not even in a listed collection's items asked for by the unlisted feature's id.
    one = client.get(
        f"/ogc/collections/proposals-{places['listed'].slug}/items/{secret.pk}")
    assert one.status_code == 404
    assert client.get(f"/ogc/collections/proposals-{unlisted.slug}").status_code == 404
    assert client.get(f"/ogc/collections/proposals-{unlisted.slug}/items").status_code == 404


def _by_id(places) -> list[str]:
    unlisted, secret, comment = places["unlisted"], places["secret"], places["comment"]
    return [
        reverse("proposals:project", args=[unlisted.slug]),
        reverse("proposals:proposal", args=[secret.pk]),
        reverse("proposals:comment", args=[comment.pk]),
        reverse("voting:results", args=[unlisted.slug]),
        reverse("api:project-detail", args=[unlisted.pk]),
        reverse("api:project-proposals", args=[unlisted.pk]),
        reverse("api:project-ranking", args=[unlisted.pk]),
        reverse("api:project-weights", args=[unlisted.pk]),
        reverse("api:project-reports", args=[unlisted.pk]),
        reverse("api:project-export-geojson", args=[unlisted.pk]),
        reverse("api:project-export-csv", args=[unlisted.pk]),
        reverse("api:proposal-detail", args=[secret.pk]),
        reverse("api:proposal-tally", args=[secret.pk]),
        reverse("api:proposal-comments", args=[secret.pk]),
        reverse("api:comment-detail", args=[comment.pk]),
    ]


@pytest.mark.quality("unlisted-projects")
def test_its_slug_or_id_alone_opens_nothing(places):
    client, outsider = Client(), Client()
    outsider.force_login(user_make("outsider"))
    for url in _by_id(places):
        for who in (client, outsider):
            response = who.get(url, HTTP_ACCEPT="application/json")
            assert response.status_code == 404, url
            assert SECRET_TITLE not in _body(response), url
    wrong = client.get(reverse("proposals:project", args=["by-link"]) + "?key=guess")
    assert wrong.status_code == 404


@pytest.mark.quality("unlisted-projects")
def test_its_link_opens_it_and_what_it_holds_for_that_visitor(places):
    unlisted, secret = places["unlisted"], places["secret"]
    link = unlisted.link_path
    assert unlisted.link_key and unlisted.link_key in link
    visitor = Client()
    response = visitor.get(link)
    assert response.status_code == 200
    assert "By link only" in response.content.decode()
    # The key stays with the visitor: the project's pages and API, without it again.
    assert visitor.get(reverse("proposals:proposal", args=[secret.pk])).status_code == 200
    for url in _by_id(places):
        if any(w in url for w in ("reports", ".geojson", ".csv", "results", "ranking", "tally")):
            continue  # no reports or public results here; exports: listed projects only
        response = visitor.get(url, HTTP_ACCEPT="application/json")
        assert response.status_code in (200, 302), url  # a comment's link: its page
        if response.status_code == 302:
            assert visitor.get(response["Location"]).status_code == 200, url
    # An API client without a session gives the key on the request.
    api = Client()
    url = reverse("api:project-proposals", args=[unlisted.pk])
    assert api.get(url).status_code == 404
    body = json.loads(api.get(f"{url}?key={unlisted.link_key}").content)
    assert [f["properties"]["title"] for f in body["features"]] == [SECRET_TITLE]
    # Still not in the public lists, even for the visitor who holds the key.
    assert SECRET_TITLE not in _body(visitor.get("/api/v1/proposals/"))
    assert "By link only" not in _body(visitor.get("/api/v1/projects/"))
    # The exports stay the listed projects' own.
    export = visitor.get(reverse("api:project-export-csv", args=[unlisted.pk]))
    assert export.status_code == 404


def test_planners_and_its_participants_open_it_without_the_link(places, planner):
    staff = Client()
    staff.force_login(planner)
    assert staff.get(reverse("proposals:project", args=["by-link"])).status_code == 200
    # The planner's page shows the link to share.
    assert places["unlisted"].link_key in _body(
        staff.get(reverse("proposals:project", args=["by-link"])))
    author = Client()
    author.force_login(places["author"])
    assert author.get(reverse("proposals:project", args=["by-link"])).status_code == 200
    assert author.get(reverse("proposals:proposal",
                              args=[places["secret"].pk])).status_code == 200


def test_each_project_gets_its_own_random_key(places):
    keys = set(Project.objects.values_list("link_key", flat=True))
    assert len(keys) == Project.objects.count()
    assert all(len(k) >= 20 for k in keys)


def test_a_project_made_public_is_listed_and_its_proposals_exported(places):
    unlisted = places["unlisted"]
    unlisted.visibility = "public"
    unlisted.save()
    client = Client()
    assert SECRET_TITLE in _body(client.get("/api/v1/proposals/"))
    rows = list(csv.reader(io.StringIO(_body(client.get(
        reverse("api:project-export-csv", args=[unlisted.pk]))))))
    assert SECRET_TITLE in {cell for row in rows for cell in row}
