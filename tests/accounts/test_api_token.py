"""`POST /api/v1/auth/token/`: a token for API clients, throttled per client address."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import PASSWORD, user_make

pytestmark = pytest.mark.django_db
URL = reverse("api:auth-token")


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def test_it_returns_a_token_that_authenticates(citizen):
    api = APIClient()
    response = api.post(URL, {"username": "citizen", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=citizen).key == token
    # The same token comes back on a second request.
    again = api.post(URL, {"username": "citizen", "password": PASSWORD}, format="json")
    assert again.json()["token"] == token


def test_a_wrong_password_gets_a_400_and_no_token(citizen):
    response = APIClient().post(URL, {"username": "citizen", "password": "nope"})
    assert response.status_code == 400
    assert "token" not in response.json()
    assert not Token.objects.exists()


def test_an_unconfirmed_email_gets_no_token(db):
    user_make("newbie", email_verified=False)
    response = APIClient().post(URL, {"username": "newbie", "password": PASSWORD})
    assert response.status_code == 400
    assert "Confirm your e-mail" in str(response.json())


@pytest.mark.quality("forwarded-for")
def test_guessing_is_throttled_even_with_a_rotating_forwarded_for(citizen, settings):
    api = APIClient()
    # A different login each time: the account lock (tests/accounts/test_lockout.py)
    # would stop guesses at one account sooner; this is the per-address limit.
    codes = [
        api.post(URL, {"username": f"citizen{i}", "password": f"guess{i}"},
                 HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(12)
    ]
    assert codes[:10] == [400] * 10
    assert codes[10:] == [429, 429]
