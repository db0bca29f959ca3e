"""Sign-up with the terms, log-in and e-mail confirmation that lead back to the page
people came from (accounts/entrance.py, accounts/adapter.py, accounts/entrance_views.py)."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, project_make, proposal_make, user_make

NEW_PASSWORD = "a-brand-new-pass-phrase-9"
EVIL = ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]


@pytest.fixture(autouse=True)
def _no_rate_limits():
    cache.clear()


def sign_up(client, *, accept=True, next_path=None, username="newcomer"):
    data = {"email": f"{username}@example.org", "username": username,
            "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    if accept:
        data["accept_terms"] = "on"
    if next_path is not None:
        data["next"] = next_path
    return client.post(reverse("account_signup"), data)


def confirmation_link(mailoutbox) -> str:
    return re.search(r"https?://\S+/accounts/confirm-email/\S+", mailoutbox[-1].body).group(0)


def log_in(client, username, next_path=None):
    data = {"login": username, "password": PASSWORD}
    url = reverse("account_login") + (f"?next={next_path}" if next_path else "")
    return client.post(url, data)


# ------------------------------------------------------------------ terms at sign-up
@pytest.mark.django_db
def test_sign_up_keeps_the_version_of_the_terms_accepted_and_when(client, settings):
    settings.TERMS_VERSION = "2027-01"
    assert sign_up(client).status_code == 302
    user = User.objects.get(username="newcomer")
    assert user.terms_version == "2027-01"
    assert user.terms_accepted_at is not None


@pytest.mark.django_db
def test_sign_up_without_accepting_the_terms_is_refused_and_keeps_what_was_typed(client):
    response = sign_up(client, accept=False)
    assert response.status_code == 200
    assert not User.objects.filter(username="newcomer").exists()
    page = response.content.decode()
    assert "To sign up, tick the box to accept the terms of use and the privacy policy." in page
    assert 'value="newcomer@example.org"' in page and 'value="newcomer"' in page


@pytest.mark.django_db
def test_an_account_from_before_the_terms_still_logs_in(client):
    user_make("veteran")
    assert User.objects.get(username="veteran").terms_version == ""
    response = log_in(client, "veteran")
    assert response.status_code == 302 and client.session.get("_auth_user_id")


@pytest.mark.django_db
def test_the_data_export_names_the_terms_accepted(client, settings):
    settings.TERMS_VERSION = "2027-01"
    from accounts.privacy_registry import personal_data_export
    sign_up(client)
    profile = personal_data_export(user=User.objects.get(username="newcomer"))["profile"]
    assert profile["terms_version"] == "2027-01" and profile["terms_accepted_at"]


# ------------------------------------------------------------------ where a log-in lands
@pytest.mark.django_db
def test_a_log_in_with_no_next_lands_a_citizen_on_the_home_page(client):
    user_make("carla")
    assert log_in(client, "carla")["Location"] == reverse("proposals:home")


@pytest.mark.django_db
def test_a_log_in_with_no_next_lands_a_planner_on_the_dashboard(client):
    user_make("pau", planner=True)
    assert log_in(client, "pau")["Location"] == reverse("dashboard:index")


@pytest.mark.django_db
def test_a_log_in_lands_on_its_next(client):
    user_make("pau", planner=True)
    assert log_in(client, "pau", "/proposals/7/")["Location"] == "/proposals/7/"


@pytest.mark.django_db
@pytest.mark.parametrize("evil", EVIL)
@pytest.mark.quality("open-redirect")
def test_a_log_in_ignores_a_next_on_another_site(client, evil):
    user_make("carla")
    assert log_in(client, "carla", evil)["Location"] == reverse("proposals:home")


# ------------------------------------------------------------------ the links carry next
@pytest.mark.django_db
def test_the_headers_log_in_link_carries_the_page_it_is_on(client, citizen):
    proposal = proposal_make(project_make(), citizen)
    page = client.get(reverse("proposals:proposal", args=[proposal.pk])).content.decode()
    assert f'href="/accounts/login/?next=%2Fproposals%2F{proposal.pk}%2F"' in page
    assert f'href="/accounts/signup/?next=%2Fproposals%2F{proposal.pk}%2F"' in page


@pytest.mark.django_db
def test_the_headers_log_in_link_on_the_home_page_carries_no_next(client):
    page = client.get(reverse("proposals:home")).content.decode()
    assert 'href="/accounts/login/"' in page and "login/?next=" not in page


@pytest.mark.django_db
def test_the_log_in_page_passes_its_next_on_to_sign_up(client):
    page = client.get(reverse("account_login") + "?next=/proposals/7/").content.decode()
    assert 'href="/accounts/signup/?next=%2Fproposals%2F7%2F"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("evil", EVIL)
@pytest.mark.quality("open-redirect")
def test_the_log_in_page_passes_no_unsafe_next_on(client, evil):
    page = client.get(reverse("account_login"), {"next": evil}).content.decode()
    assert 'href="/accounts/signup/"' in page


# ------------------------------------------------------------------ e-mail confirmation
@pytest.mark.django_db
def test_confirming_in_the_browser_that_signed_up_logs_in_and_goes_back(client, mailoutbox):
    sign_up(client, next_path="/proposals/7/")
    link = confirmation_link(mailoutbox)
    assert "next=%2Fproposals%2F7%2F" in link
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.post("/" + path)
    assert response.status_code == 302 and response["Location"] == "/proposals/7/"
    assert client.session.get("_auth_user_id")


@pytest.mark.django_db
def test_confirming_in_another_browser_confirms_and_asks_to_log_in_then_goes_back(
        client, mailoutbox):
    sign_up(client, next_path="/proposals/7/")
    path = "/" + confirmation_link(mailoutbox).split("://", 1)[1].split("/", 1)[1]
    other = Client()
    response = other.post(path, follow=True)
    assert not other.session.get("_auth_user_id")
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fproposals%2F7%2F&confirmed=1"
    page = response.content.decode()
    assert "Your e-mail address is confirmed. Log in to continue." in page
    assert "Your e-mail address newcomer@example.org is confirmed." in page
    assert User.objects.get(username="newcomer").emailaddress_set.get().verified
    response = other.post(response.redirect_chain[-1][0],
                          {"login": "newcomer", "password": NEW_PASSWORD})
    assert response["Location"] == "/proposals/7/"


@pytest.mark.django_db
@pytest.mark.parametrize("evil", EVIL)
@pytest.mark.quality("open-redirect")
def test_a_confirmation_link_never_carries_an_unsafe_next(client, mailoutbox, evil):
    sign_up(client, next_path=evil)
    link = confirmation_link(mailoutbox)
    assert "next=" not in link and "evil" not in link


# ------------------------------------------------------------------ wording and pages
ACCOUNT_PAGES = ["account_login", "account_signup", "account_reset_password",
                 "account_reset_password_done", "account_email_verification_sent",
                 "account_reset_password_from_key_done", "account_logout"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ACCOUNT_PAGES)
def test_no_account_page_says_sign_in_or_sign_out(client, name):
    page = client.get(reverse(name), follow=True).content.decode()
    text = re.sub(r"<[^>]*>", " ", page)  # what shows, not the addresses of the links
    assert not re.search(r"\bsign(ed)?[ -]?(in|out)\b|\bsignup\b", text, re.I), name


@pytest.mark.django_db
def test_log_in_and_log_out_messages_say_log_in_and_log_out(client):
    user_make("carla")
    page = client.post(reverse("account_login"), {"login": "carla", "password": PASSWORD},
                       follow=True).content.decode()
    assert "You are logged in as carla." in page
    page = client.post(reverse("account_logout"), follow=True).content.decode()
    assert "You have logged out." in page


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["pages:terms", "pages:privacy", "pages:contact"])
def test_the_terms_privacy_and_contact_pages_show_the_contact_address(client, settings, name):
    settings.CONTACT_EMAIL = "participa@city.example"
    settings.TERMS_VERSION = "2027-01"
    page = client.get(reverse(name)).content.decode()
    assert 'href="mailto:participa@city.example"' in page
    if name != "pages:contact":
        assert "Version 2027-01" in page


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["account_reset_password", "account_reset_password_done",
                                  "account_email_verification_sent"])
def test_every_contact_us_links_to_the_contact_page(client, name):
    page = client.get(reverse(name)).content.decode()
    assert re.search(r'<a href="/contact/">contact us</a>', page, re.I), name


@pytest.mark.django_db
def test_a_city_replaces_the_terms_with_its_own_template(client, settings, tmp_path):
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "terms.html").write_text(
        '{% extends "pages/terms.html" %}{% block terms_text %}<p>Our own rules.</p>'
        '{% endblock %}')
    settings.TEMPLATES = [{**settings.TEMPLATES[0],
                           "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    page = client.get(reverse("pages:terms")).content.decode()
    assert "Our own rules." in page and "One person, one account" not in page
    assert 'href="/privacy/"' in page  # still Plaza's layout
