"""Every error under /api/ and /ogc/ is JSON, with DEBUG on (`make run`) as with it off:
a failing view, a request Django refuses, a method a route does not take. Elsewhere the
site's pages (or Django's debug page) answer as before."""

from __future__ import annotations

from unittest import mock

import pytest
from django.conf import settings
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

FAILING = {"/api/v1/projects/": "proposals.selectors.projects_listed",
           "/ogc/collections": "opendata.ogc.collections_all"}


@pytest.fixture(params=[True, False], ids=["debug", "no-debug"])
def client_(request):
    with override_settings(DEBUG=request.param):
        yield Client(raise_request_exception=False), request.param


def _fail(**kwargs):
    raise RuntimeError(f"cannot reach {settings.REDIS_URL}")


@pytest.mark.parametrize("url", list(FAILING))
@pytest.mark.quality("api-errors")
def test_a_failing_view_answers_a_json_500(client_, url):
    client, debug = client_
    with mock.patch(FAILING[url], side_effect=_fail):
        response = client.get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 500
    body = response.json()
    assert body["detail"] == "Server error."
    if debug:  # the developer learns what failed, without the password
        assert body["exception"].startswith("RuntimeError: cannot reach redis://")
        assert settings.REDIS_URL not in body["exception"]
    else:
        assert "exception" not in body


def test_a_failing_page_outside_the_api_is_still_a_page(client_):
    client, debug = client_
    with mock.patch("proposals.selectors.projects_listed", side_effect=_fail):
        response = client.get("/", HTTP_ACCEPT="text/html")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("url", ["/api/v1/projects/", "/ogc/collections"])
@pytest.mark.quality("api-errors")
def test_a_request_for_an_unknown_host_is_a_json_400(client_, url):
    client, _ = client_
    with override_settings(ALLOWED_HOSTS=["plaza.example"]):
        response = client.get(url, HTTP_HOST="elsewhere.example")
    assert response.status_code == 400
    assert response.json() == {"detail": "Bad request."}


@pytest.mark.parametrize("method", ["post", "put", "delete"])
@pytest.mark.quality("api-errors")
def test_a_write_to_an_api_url_without_its_slash_is_a_json_404_naming_it(client_, method):
    """Not a redirect (a client would re-send a GET, its body lost), nor, with DEBUG on,
    the 500 Django raises when it cannot redirect a POST."""
    client, _ = client_
    response = getattr(client, method)("/api/v1/projects", {})
    assert response.status_code == 404
    assert response.json()["detail"].endswith("ends in a slash: /api/v1/projects/")
    assert client.get("/api/v1/projects").status_code == 301  # a read is redirected
    assert client.post("/api/v1/nowhere", {}).json() == {"detail": "No such resource."}


@pytest.mark.parametrize("method,url", [("put", "/api/v1/"), ("delete", "/ogc/collections"),
                                        ("post", "/ogc/api")])
@pytest.mark.quality("api-errors")
def test_a_method_the_route_does_not_take_is_a_json_405(client_, method, url):
    client, _ = client_
    response = getattr(client, method)(url)
    assert response.status_code == 405
    assert "not allowed" in response.json()["detail"]
    assert "GET" in response["Allow"]


def test_the_handlers_answer_json_under_the_api_and_pages_elsewhere(rf):
    import json

    from django.core.exceptions import PermissionDenied

    from core import api_http

    api, page = rf.get("/api/v1/projects/"), rf.get("/projects/")
    denied = api_http.permission_denied(api, PermissionDenied())
    assert denied.status_code == 403 and "permission" in json.loads(denied.content)["detail"]
    assert b"<" in api_http.permission_denied(page, PermissionDenied()).content
    assert json.loads(api_http.server_error(api).content) == {"detail": "Server error."}
    assert b"<" in api_http.server_error(page).content
