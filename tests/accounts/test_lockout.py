"""One log-in lock per account, whatever the way in: the site's form, the admin's form
and the API token endpoint, with the username or the e-mail address typed.

Five failures in five minutes (ACCOUNT_RATE_LIMITS "login_failed", `5/5m/key`) lock the
account everywhere; the right password is refused while it holds (429 with Retry-After
on the API, the "too many attempts" message on the forms); the window's end opens it."""

import time

import pytest
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.core.cache import cache
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import PASSWORD, user_make

pytestmark = pytest.mark.django_db
TOKEN_URL = reverse("api:auth-token")
LOCKED = "Too many failed login attempts"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


class _Clock:
    """allauth's rate limits read time.time(): a clock the test moves forward."""

    def __init__(self):
        self.now = time.time()

    def time(self):
        return self.now

    def __getattr__(self, name):  # monotonic, sleep: the real ones (the cache lock)
        return getattr(time, name)


@pytest.fixture
def clock(monkeypatch):
    fake = _Clock()
    monkeypatch.setattr(allauth_ratelimit, "time", fake)
    return fake


def _form(client, login, password, address="198.51.100.1"):
    return client.post(reverse("account_login"), {"login": login, "password": password},
                       REMOTE_ADDR=address)


def _token(login, password, address="198.51.100.1"):
    # A new client address each time: the per-address throttle of the endpoint is not
    # what these tests are about.
    return APIClient().post(TOKEN_URL, {"username": login, "password": password},
                            format="json", REMOTE_ADDR=address)


def _form_locked(response) -> bool:
    return LOCKED in response.content.decode()


@pytest.mark.quality("login-lock")
def test_failures_on_the_form_lock_the_token_endpoint(client, citizen):
    for i in range(5):
        assert not _form_locked(_form(client, "citizen", f"guess-{i}", f"198.51.100.{i}"))
    response = _token("citizen", PASSWORD, "203.0.113.7")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "token" not in response.json()
    assert not Token.objects.exists()


@pytest.mark.quality("login-lock")
def test_failures_on_the_token_endpoint_lock_the_form(client, citizen):
    for i in range(5):
        assert _token("citizen", f"guess-{i}", f"203.0.113.{i}").status_code == 400
    assert _token("citizen", PASSWORD, "203.0.113.9").status_code == 429
    response = _form(client, "citizen", PASSWORD, "198.51.100.9")
    assert _form_locked(response)
    assert client.get(reverse("accounts:profile")).status_code == 302  # not logged in


@pytest.mark.quality("login-lock")
def test_the_username_and_the_email_address_share_one_count(client, citizen):
    for i in range(3):
        _form(client, "citizen", f"guess-{i}", f"198.51.100.{i}")
    for i in range(2):
        _token("CITIZEN@example.org", f"guess-e{i}", f"203.0.113.{i}")
    assert _form_locked(_form(client, "citizen@example.org", PASSWORD, "198.51.100.20"))
    assert _token("Citizen", PASSWORD, "203.0.113.20").status_code == 429


@pytest.mark.quality("login-lock")
def test_the_admin_log_in_counts_and_is_locked_too(client, planner):
    url = reverse("admin:login")
    for i in range(5):
        client.post(url, {"username": "planner", "password": f"guess-{i}"},
                    REMOTE_ADDR=f"198.51.100.{i}")
    response = client.post(url, {"username": "planner", "password": PASSWORD},
                           REMOTE_ADDR="198.51.100.30")
    assert LOCKED in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302  # not logged in
    assert _token("planner", PASSWORD, "203.0.113.30").status_code == 429


@pytest.mark.quality("login-lock")
def test_the_window_s_end_opens_every_way_in_again(client, citizen, clock):
    for i in range(5):
        _token("citizen", f"guess-{i}", f"203.0.113.{i}")
    assert _token("citizen", PASSWORD, "203.0.113.40").status_code == 429
    clock.now += 5 * 60 + 1
    assert _token("citizen", PASSWORD, "203.0.113.41").status_code == 200
    response = _form(client, "citizen", PASSWORD, "198.51.100.41")
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_successes_do_not_count_and_a_lock_is_the_account_s_own(citizen):
    user_make("neighbour")
    assert [_token("citizen", PASSWORD, f"203.0.113.{50 + i}").status_code
            for i in range(6)] == [200] * 6
    for i in range(5):
        _token("neighbour", f"guess-{i}", f"203.0.113.{60 + i}")
    assert _token("neighbour", PASSWORD, "203.0.113.70").status_code == 429
    assert _token("citizen", PASSWORD, "203.0.113.71").status_code == 200


@pytest.mark.quality("login-lock")
def test_a_login_that_matches_no_account_locks_the_same_way(client, citizen):
    """No account: the same answers, so the lock does not tell who has one."""
    codes = [_token("nobody", f"guess-{i}", f"203.0.113.{80 + i}").status_code
             for i in range(6)]
    assert codes == [400] * 5 + [429]
