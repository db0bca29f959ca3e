"""Log-out, password reset and the log-in rate limit, through allauth's real views."""

import re

import pytest
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def test_log_out_needs_a_post(client, citizen):
    client.force_login(citizen)
    client.get(reverse("account_logout"))
    assert client.get(reverse("accounts:profile")).status_code == 200  # still logged in
    client.post(reverse("account_logout"))
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_a_citizen_resets_a_forgotten_password(client, citizen, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": citizen.email})
    assert len(mailoutbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mailoutbox[0].body)
    response = client.get(link.group(1), follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link.group(1)
    new = "a-brand-new-pass-phrase-9"
    response = client.post(form_url, {"password1": new, "password2": new})
    assert response.status_code == 302
    assert authenticate(username="citizen", password=new) is not None
    assert authenticate(username="citizen", password=PASSWORD) is None


def test_a_reset_for_an_unknown_address_reveals_nothing(client, mailoutbox, citizen):
    known = client.post(reverse("account_reset_password"), {"email": citizen.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


@pytest.mark.quality("forwarded-for")
def test_failed_log_ins_are_limited_whatever_the_forwarded_for(client, citizen):
    limited = "Too many failed login attempts"
    pages = [
        client.post(reverse("account_login"), {"login": "citizen", "password": f"guess-{i}"},
                    HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").content.decode()
        for i in range(7)
    ]
    assert [limited in page for page in pages] == [False] * 5 + [True] * 2
    # Even the right password is refused while the account's limit holds.
    response = client.post(reverse("account_login"), {"login": "citizen", "password": PASSWORD})
    assert limited in response.content.decode()
    assert client.get(reverse("accounts:profile")).status_code == 302
