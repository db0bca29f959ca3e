"""OGC API – Features items carry ETag and Last-Modified, known before any feature is
read, and answer 304 to a client whose copy is current; pages are bounded in memory
(streamed past a small size), default to OGC_ITEMS_DEFAULT_LIMIT, and the `next` links
start each page after the last id; the throttle counts server time and says when to
come back."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils.http import http_date

from tests.opendata.conftest import grid, layer_make
from voting.models import Vote

pytestmark = pytest.mark.django_db

LAYER = "/ogc/collections/ds-fountains-fountains"
PROPOSALS = "/ogc/collections/proposals-open-city"


@pytest.fixture
def client():
    return Client()


@pytest.mark.parametrize("path", ["/items?limit=10", "/items/{fid}"])
def test_an_unchanged_layer_answers_304_to_its_etag(client, city, path):
    url = LAYER + path.format(fid=city["layer"].features.first().pk)
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"].startswith('W/"')
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]


@pytest.mark.parametrize("path", ["/items?limit=10", "/items/{fid}"])
def test_a_changed_layer_answers_200_to_the_old_etag(client, city, path):
    url = LAYER + path.format(fid=city["layer"].features.first().pk)
    first = client.get(url)
    city["layer"].version += 1  # what a new import does
    city["layer"].save()
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and again["ETag"] != first["ETag"]
    assert json.loads(again.content)


def test_another_page_or_format_has_another_etag(client, city):
    etags = {client.get(LAYER + "/items", params)["ETag"] for params in (
        {"limit": 10}, {"limit": 10, "offset": 10}, {"limit": 10, "f": "html"})}
    assert len(etags) == 3


@pytest.mark.parametrize("path", ["/items", "/items/{fid}"])
def test_if_modified_since_the_layers_last_change_answers_304(client, city, path):
    url = LAYER + path.format(fid=city["layer"].features.first().pk)
    first = client.get(url)
    assert first["Last-Modified"] == http_date(city["layer"].updated_at.timestamp())
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


@pytest.mark.parametrize("path", ["/items", "/items/{fid}"])
def test_if_modified_since_before_the_layers_last_change_answers_200(client, city, path):
    url = LAYER + path.format(fid=city["layer"].features.first().pk)
    earlier = http_date(city["layer"].updated_at.timestamp() - 3600)
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200


def test_proposals_answer_304_until_a_vote_changes_their_published_results(client, city):
    url = PROPOSALS + "/items"
    first = client.get(url)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    Vote.objects.create(proposal=city["public"][2], user=city["author"], value=1,
                        role=city["roles"][0], weight=Decimal("1.000"))
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    tally = next(f for f in json.loads(changed.content)["features"]
                 if f["id"] == city["public"][2].pk)["properties"]["supporters"]
    assert tally == 1


def test_without_a_limit_a_page_holds_the_default_and_small_pages_come_whole(
        client, db, settings):
    layer_make("many", points=grid(settings.OGC_ITEMS_DEFAULT_LIMIT + 50))
    response = client.get("/ogc/collections/ds-many-many/items")
    doc = json.loads(response.content)
    assert doc["numberReturned"] == settings.OGC_ITEMS_DEFAULT_LIMIT
    assert not response.streaming and response["Content-Length"]
    # A desktop GIS client's page of 1,000 comes whole too, with its ETag.
    layer_make("more", points=grid(1100))
    response = client.get("/ogc/collections/ds-more-more/items", {"limit": 1000})
    assert not response.streaming and response["Content-Length"] and response["ETag"]
    assert json.loads(response.content)["numberReturned"] == 1000


def test_a_large_page_is_streamed_and_whole(client, db, settings):
    layer_make("many", points=grid(1200))
    response = client.get("/ogc/collections/ds-many-many/items",
                          {"limit": settings.OGC_ITEMS_MAX_LIMIT})
    assert response.status_code == 200 and response.streaming
    doc = json.loads(b"".join(response.streaming_content))
    assert doc["numberMatched"] == doc["numberReturned"] == len(doc["features"]) == 1200
    assert not [link for link in doc["links"] if link["rel"] == "next"]


def test_next_links_start_after_the_last_id_and_keep_the_bbox_count(client, db):
    layer_make("many", points=grid(45))
    url = "/ogc/collections/ds-many-many/items"
    doc = json.loads(client.get(url, {"limit": 20, "bbox": "2.14,41.37,2.2,41.4"}).content)
    ids = [f["id"] for f in doc["features"]]
    while nxt := next((link["href"] for link in doc["links"] if link["rel"] == "next"), None):
        assert f"after={ids[-1]}" in nxt
        doc = json.loads(client.get(nxt).content)
        assert doc["numberMatched"] == 45
        ids += [f["id"] for f in doc["features"]]
    assert len(ids) == len(set(ids)) == 45 and ids == sorted(ids)


def test_after_a_too_large_or_negative_id_is_a_400(client, city):
    for value in ("-1", str(2**63), "x"):
        response = client.get(LAYER + "/items", {"after": value})
        assert response.status_code == 400 and "after" in json.loads(response.content)


def test_a_burst_within_the_budget_is_never_refused(client, city):
    fresh_budgets()
    answers = {client.get(LAYER + "/items", {"limit": 1, "offset": i}).status_code
               for i in range(150)}  # more than the API's 120 a minute
    assert answers == {200}


def fresh_budgets():
    from rest_framework.throttling import SimpleRateThrottle

    SimpleRateThrottle.cache.clear()  # what earlier tests spent in this minute


def test_past_the_time_budget_429_says_when_to_come_back(client, city, settings):
    fresh_budgets()
    settings.OGC_THROTTLE_SECONDS = 0.000_001  # one request spends it
    assert client.get(LAYER + "/items").status_code == 200
    refused = client.get(LAYER + "/items")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert client.get(PROPOSALS + "/items").status_code == 200  # a budget of its own


def test_past_the_clients_whole_budget_every_collection_is_refused(client, city, settings):
    fresh_budgets()
    settings.OGC_THROTTLE_CLIENT_SECONDS = 0.000_001
    assert client.get(LAYER + "/items").status_code == 200
    for url in (LAYER + "/items", PROPOSALS + "/items", "/ogc/collections"):
        refused = client.get(url)
        assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
