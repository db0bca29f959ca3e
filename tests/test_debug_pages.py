"""`make run` serves with DEBUG on (config/settings/local.py): what it shows to whoever
reaches it must hold no secret, list no URL pattern, and cost little.

Django's debug pages show the settings and the request's environment; its filter hides
names with KEY, PASS, SECRET…, not REDIS_URL, the broker's URL or the cache's LOCATION,
which carry Redis's password. Oversized bodies and floods of parameters are refused
before any of that (core/debug.py)."""

from __future__ import annotations

import re
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.views import debug

pytestmark = pytest.mark.django_db


def _secrets() -> list[str]:
    """Every password the settings hold, and the secret key."""
    found = {settings.SECRET_KEY, settings.DATABASES["default"]["PASSWORD"]}
    urls = [settings.REDIS_URL, settings.CELERY_BROKER_URL, settings.CELERY_RESULT_BACKEND,
            settings.CACHES["default"]["LOCATION"], settings.CACHE_REDIS_URL]
    found |= {urlsplit(url).password for url in urls}
    found.discard(None)
    found.discard("")
    assert len(found) >= 3  # the test database's, Redis's and the secret key at least
    return sorted(found)


def _assert_no_secret(body: str):
    for secret in _secrets():
        assert secret not in body


@pytest.fixture
def debug_client():
    with override_settings(DEBUG=True):
        yield Client(raise_request_exception=False)


def test_debug_pages_use_the_cleansing_filter_and_reporter():
    assert settings.DEFAULT_EXCEPTION_REPORTER_FILTER == "core.debug.SecretsFilter"
    assert settings.DEFAULT_EXCEPTION_REPORTER == "core.debug.ScrubbingReporter"


@pytest.mark.quality("debug-secrets")
def test_an_oversized_anonymous_post_is_refused_before_it_is_read(debug_client):
    body = b"x=" + b"a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    with mock.patch.object(debug, "technical_500_response",
                           wraps=debug.technical_500_response) as technical:
        response = debug_client.generic(
            "POST", "/accounts/login/", body,
            content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert technical.call_count == 0
    _assert_no_secret(response.content.decode())
    assert len(response.content) < 2000


def test_an_oversized_json_body_to_the_api_is_a_413_in_json(debug_client):
    response = debug_client.generic(
        "POST", "/api/v1/auth/token/", b"{" + b" " * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        + b"}", content_type="application/json")
    assert response.status_code == 413
    assert "detail" in response.json()


@pytest.mark.parametrize("url", ["/", "/api/v1/proposals/", "/nowhere/", "/ogc/collections"])
@pytest.mark.quality("debug-secrets")
def test_hundreds_of_query_parameters_are_a_cheap_400(debug_client, url):
    query = "&".join(f"p{i}=1" for i in range(300))
    with mock.patch.object(debug, "technical_500_response",
                           wraps=debug.technical_500_response) as technical:
        response = debug_client.get(f"{url}?{query}")
    assert response.status_code == 400
    assert technical.call_count == 0  # no debug page, let alone one per middleware
    _assert_no_secret(response.content.decode())


def test_hundreds_of_form_fields_are_a_cheap_400(debug_client):
    body = "&".join(f"f{i}=1" for i in range(300))
    with mock.patch.object(debug, "technical_500_response",
                           wraps=debug.technical_500_response) as technical:
        response = debug_client.post("/accounts/login/", body,
                                     content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert technical.call_count == 0


def test_as_many_parameters_as_allowed_still_pass(debug_client):
    query = "&".join(f"p{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS))
    assert debug_client.get(f"/?{query}").status_code == 200


@pytest.mark.parametrize("url", ["/no-such-page/", "/api/v1/no-such-thing/",
                                 "/proposals/999999999/", "/projects/no-such-project/"])
@pytest.mark.quality("debug-secrets")
def test_a_404_lists_no_url_pattern_and_no_setting(debug_client, url):
    response = debug_client.get(url)
    assert response.status_code == 404
    body = response.content.decode()
    assert "urlpatterns" not in body.lower() and "URLconf" not in body
    assert "api/schema/" not in body and "dashboard/" not in body
    assert "DEBUG = True" not in body
    _assert_no_secret(body)


def test_a_404_under_the_api_is_json_in_debug_too(debug_client):
    assert debug_client.get("/api/v1/no-such-thing/").json() == {"detail": "No such resource."}


@pytest.mark.quality("debug-secrets")
def test_the_error_page_of_a_failing_view_shows_no_secret(debug_client):
    """The exception's own message and the frames' variables carry the secrets here."""
    redis_url, secret_key = settings.REDIS_URL, settings.SECRET_KEY

    def fail(**kwargs):
        connection_string = redis_url  # noqa: F841 - a frame variable the page shows
        raise RuntimeError(f"cannot reach {redis_url} with {secret_key}")

    with mock.patch("proposals.selectors.projects_listed", side_effect=fail):
        response = debug_client.get("/", HTTP_ACCEPT="text/html")
    assert response.status_code == 500
    body = response.content.decode()
    assert "RuntimeError" in body and "cannot reach" in body  # still a useful page
    _assert_no_secret(body)
    text = debug_client.get("/", HTTP_ACCEPT="text/plain")
    _assert_no_secret(text.content.decode())


@pytest.mark.quality("debug-secrets")
def test_the_filter_cleanses_every_setting_and_variable_with_credentials():
    from core.debug import SecretsFilter

    with override_settings(EMAIL_HOST_PASSWORD="mail-pass-123",
                           SENTRY_DSN="https://abc:def@sentry.example/1",
                           OTHER_SERVICE_URL="postgres://u:service-pass@db.example/x"):
        safe = SecretsFilter().get_safe_settings()
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_REDIS_URL",
                 "EMAIL_HOST_PASSWORD", "SENTRY_DSN", "OTHER_SERVICE_URL", "SECRET_KEY"):
        assert safe[name] == SecretsFilter.cleansed_substitute, name
    assert safe["CACHES"]["default"]["LOCATION"] == SecretsFilter.cleansed_substitute
    assert safe["DATABASES"]["default"]["PASSWORD"] == SecretsFilter.cleansed_substitute
    rendered = repr(safe)
    _assert_no_secret(rendered)
    assert "service-pass" not in rendered and "mail-pass-123" not in rendered
    # Any value with a password in a URL, whatever its name.
    assert SecretsFilter().cleanse_setting("NOTES", "see redis://:pw123@host:6379/0") == \
        "see redis://:********@host:6379/0"
    assert re.search("pw123", SecretsFilter().cleanse_setting(
        "LIST", ["amqp://user:pw123@host/"]).__repr__()) is None
