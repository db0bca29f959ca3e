"""The open-data REST API: filters users ask for, ordering on public fields only,
bounded pages, conditional GET, CORS for reading from any origin."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from gisdata.models import Dataset
from proposals.models import Proposal
from tests.factories import PASSWORD, project_make, proposal_make
from tests.opendata.conftest import grid, layer_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def ids(body) -> list[int]:
    return [f["id"] for f in body["features"]]


def test_proposals_list_filters_by_project_category_status_bbox_and_time(api, city):
    other = project_make("other-place")
    elsewhere = proposal_make(other, city["author"], title="Elsewhere")
    public = [p.pk for p in city["public"]]
    body = api.get("/api/v1/proposals/").json()
    assert ids(body) == sorted([*public, elsewhere.pk]) and body["numberMatched"] == 5
    assert ids(api.get("/api/v1/proposals/", {"project": other.pk}).json()) == [elsewhere.pk]
    green = api.get("/api/v1/proposals/", {"category": "green",
                                           "project": city["project"].pk}).json()
    assert ids(green) == [city["public"][1].pk, city["public"][3].pk]
    assert ids(api.get("/api/v1/proposals/", {"status": "accepted,implemented"}).json()) == []
    west = api.get("/api/v1/proposals/", {"bbox": "2.14,41.38,2.165,41.40"}).json()
    assert ids(west) == public[:2]  # x = 2.15, 2.16 of 2.15 … 2.18
    Proposal.objects.filter(pk=public[2]).update(updated_at=timezone.now() + timedelta(days=1))
    since = (timezone.now() + timedelta(hours=12)).isoformat()
    assert ids(api.get("/api/v1/proposals/", {"updated_since": since}).json()) == [public[2]]


def test_proposals_list_never_shows_hidden_submitted_or_draft_ones(api, city, planner):
    api.login(username=planner.username, password=PASSWORD)  # even to a planner
    shown = set(ids(api.get("/api/v1/proposals/", {"limit": 1000}).json()))
    assert shown == {p.pk for p in city["public"]}


@pytest.mark.quality("query-abuse")
def test_ordering_on_public_fields_and_a_400_for_anything_else(api, city):
    Proposal.objects.filter(pk=city["public"][0].pk).update(title="Zebra crossing")
    body = api.get("/api/v1/proposals/", {"ordering": "-title"}).json()
    assert ids(body)[0] == city["public"][0].pk
    for bad in ("author__password", "author__email", "hidden_reason", "-is_hidden"):
        response = api.get("/api/v1/proposals/", {"ordering": bad})
        assert response.status_code == 400 and "ordering" in response.json()
        assert api.get("/api/v1/projects/", {"ordering": bad}).status_code == 400
        assert api.get("/api/v1/layers/", {"ordering": bad}).status_code == 400


@pytest.mark.parametrize("params", [
    {"bbox": "1,2,3"}, {"bbox": "3,41,2,42"}, {"status": "secret"}, {"project": "x"},
    {"updated_since": "yesterday"}, {"limit": "0"}, {"limit": "1001"}, {"offset": "-1"},
])
@pytest.mark.quality("query-abuse")
def test_bad_filters_are_a_400_naming_the_parameter(api, city, params):
    response = api.get("/api/v1/proposals/", params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)


def test_proposal_pages_link_to_the_next_one(api, city):
    body = api.get("/api/v1/proposals/", {"limit": 3}).json()
    assert body["numberReturned"] == 3
    nxt = next(link["href"] for link in body["links"] if link["rel"] == "next")
    rest = api.get(nxt).json()
    assert ids(rest) == [city["public"][3].pk]
    assert not any(link["rel"] == "next" for link in rest["links"])


@pytest.mark.quality("query-abuse", "bbox-flood")
def test_list_pages_are_capped(api, db, monkeypatch):
    from core.api_http import BoundedLimitOffsetPagination

    assert BoundedLimitOffsetPagination.max_limit == 500
    monkeypatch.setattr(BoundedLimitOffsetPagination, "max_limit", 2)
    for i in range(3):
        project_make(f"p{i}")
    for limit in (10**9, 3):
        body = api.get("/api/v1/projects/", {"limit": limit}).json()
        assert body["count"] == 3 and len(body["results"]) == 2
    for bad in ({"limit": -5}, {"limit": 0}, {"limit": "ten"}, {"offset": -1}):
        response = api.get("/api/v1/projects/", bad)
        assert response.status_code == 400 and set(response.json()) == set(bad)


def test_projects_filter_by_update_and_area(api, db):
    near = project_make("near")
    project_make("far", area=_square(10, 10))
    body = api.get("/api/v1/projects/", {"bbox": "2.0,41.0,3.0,42.0"}).json()
    assert [p["id"] for p in body["results"]] == [near.pk]
    future = (timezone.now() + timedelta(days=1)).isoformat()
    assert api.get("/api/v1/projects/", {"updated_since": future}).json()["count"] == 0


def _square(x, y):
    from django.contrib.gis.geos import MultiPolygon, Polygon

    return MultiPolygon(Polygon.from_bbox((x, y, x + 1, y + 1)), srid=4326)


def test_datasets_layers_and_roles_are_listed_with_licence(api, city):
    dataset = city["layer"].dataset
    Dataset.objects.filter(pk=dataset.pk).update(
        source_url="https://user:secret@data.example.org/fonts.geojson?apikey=XYZ#top")
    body = api.get("/api/v1/datasets/").json()
    assert [d["slug"] for d in body["results"]] == ["ds-fountains"]  # not the unpublished
    one = api.get(f"/api/v1/datasets/{dataset.pk}/").json()
    assert one["source"] == "https://data.example.org/fonts.geojson"
    assert (one["licence"], one["attribution"]) == ("CC BY 4.0", "City of Barcelona <Open Data>")
    assert [la["id"] for la in one["layers"]] == [city["layer"].pk]
    assert api.get(f"/api/v1/datasets/{city['hidden_layer'].dataset_id}/").status_code == 404
    layer = api.get(f"/api/v1/layers/{city['layer'].pk}/").json()
    assert layer["feature_count"] == 25 and layer["licence"] == "CC BY 4.0"
    assert api.get(f"/api/v1/layers/{city['hidden_layer'].pk}/").status_code == 404
    roles = api.get("/api/v1/roles/").json()["results"]
    assert [(r["slug"], r["default_weight"]) for r in roles] == [
        ("resident", "1.000"), ("business-owner", "2.000"), ("expert", "3.000")]


def test_layers_filter_by_dataset_geometry_and_bbox(api, city):
    layer_make("lines", points=grid(2, origin=(20.0, 10.0)), geometry_type="LineString")
    assert [la["name"] for la in api.get("/api/v1/layers/", {"dataset": "ds-lines"}).json()[
        "results"]] == ["lines"]
    assert [la["name"] for la in api.get("/api/v1/layers/", {"geometry_type": "Point"}).json()[
        "results"]] == ["fountains"]
    assert [la["name"] for la in api.get("/api/v1/layers/", {"bbox": "19,9,21,11"}).json()[
        "results"]] == ["lines"]


@pytest.mark.parametrize("url", [
    "/api/v1/projects/", "/api/v1/proposals/", "/api/v1/layers/", "/api/v1/datasets/",
    "/ogc/collections", "/ogc/collections/ds-fountains-fountains/items",
])
def test_lists_answer_304_when_the_client_has_them(api, city, url):
    first = api.get(url)
    assert first.status_code == 200 and first["ETag"]
    again = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert api.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_last_modified_follows_the_data(api, city):
    url = f"/api/v1/layers/{city['layer'].pk}/"
    first = api.get(url)
    stamp = first["Last-Modified"]
    assert api.get(url, HTTP_IF_MODIFIED_SINCE=stamp).status_code == 304
    city["layer"].title = "Drinking fountains"
    city["layer"].save()  # its updated_at moves on, and so does the answer
    changed = api.get(url, HTTP_IF_MODIFIED_SINCE=stamp, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed.json()["title"] == "Drinking fountains"
    items = api.get("/ogc/collections/ds-fountains-fountains/items")
    assert items["Last-Modified"]
    proposals = api.get("/api/v1/proposals/")
    assert proposals["Last-Modified"]


@pytest.mark.quality("csrf-and-cors")
def test_any_origin_may_read_without_credentials(api, city):
    response = api.get("/api/v1/proposals/", HTTP_ORIGIN="https://news.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "ETag" in response["Access-Control-Expose-Headers"]
    ogc = api.get("/ogc/collections", HTTP_ORIGIN="https://gis.example")
    assert ogc["Access-Control-Allow-Origin"] == "*"
    preflight = api.options("/api/v1/proposals/1/vote/", HTTP_ORIGIN="https://evil.example",
                            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    allowed = preflight.get("Access-Control-Allow-Methods", "")
    assert "POST" not in allowed and "DELETE" not in allowed
    page = api.get(f"/projects/{city['project'].slug}/", HTTP_ORIGIN="https://news.example")
    assert "Access-Control-Allow-Origin" not in page  # only /api/ and /ogc/


def test_the_browsable_docs_work_offline(api, db):
    html = api.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "://" not in html.replace("http://testserver", "")
    schema = json.loads(api.get("/api/schema/", HTTP_ACCEPT="application/json").content)
    assert "/ogc/collections/{collection_id}/items" in schema["paths"]
    assert "/api/v1/layers/{id}/features.csv" in schema["paths"]


def test_anonymous_and_signed_in_readers_are_throttled(api, city, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {
        **SimpleRateThrottle.THROTTLE_RATES, "anon": "3/min", "user": "5/min"})
    SimpleRateThrottle.cache.clear()
    answers = [api.get("/api/v1/proposals/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert int(api.get("/api/v1/proposals/")["Retry-After"]) >= 1
    # OGC API – Features counts server time instead (tests/opendata/test_ogc_full_read.py):
    # the API's request rate does not cut a GIS client's paging short.
    assert [api.get("/ogc/collections").status_code for _ in range(4)] == [200] * 4
    SimpleRateThrottle.cache.clear()
    api.force_authenticate(city["author"])
    answers = [api.get("/api/v1/proposals/").status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]
