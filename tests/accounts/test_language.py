"""The language of a person's e-mails: kept from the language they sign up in, changed on
their profile, given in their data download, and used by allauth's own e-mails (a
password reset asked for on an English page reaches a Catalan speaker in Catalan)."""

import json
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import user_make

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-long-pass-phrase-for-plaza"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def sign_up(language: str, username: str, mailoutbox):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    response = client.post(reverse("account_signup"), {
        "email": f"{username}@example.org", "username": username,
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "accept_terms": "on"})
    assert response.status_code == 302, response.content[:3000]
    [mail] = [m for m in mailoutbox if f"{username}@example.org" in m.to]
    return User.objects.get(username=username), mail


def test_signing_up_in_catalan_keeps_catalan_for_the_persons_e_mails(mailoutbox):
    user, mail = sign_up("ca", "montse", mailoutbox)
    assert user.language == "ca" and user.email_language == "ca"
    assert mail.subject == "[Plaza] Confirma la teva adreça electrònica"
    assert mail.body.startswith("Hola")


def test_signing_up_in_english_keeps_english(mailoutbox):
    user, mail = sign_up("en", "mary", mailoutbox)
    assert user.language == "en"
    assert mail.subject == "[Plaza] Please Confirm Your Email Address"


def test_the_language_is_changed_on_the_profile(client):
    user = user_make("jordi")
    client.force_login(user)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert 'name="language"' in page and '<option value="ca"' in page
    response = client.post(reverse("accounts:profile"), {
        "save_profile": "1", "display_name": "Jordi", "language": "ca"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "ca"
    refused = client.post(reverse("accounts:profile"), {
        "save_profile": "1", "display_name": "Jordi", "language": "xx"})
    assert refused.status_code == 200  # the form again, with the error
    user.refresh_from_db()
    assert user.language == "ca"


def test_an_account_without_a_language_writes_in_the_sites(settings):
    user = user_make("old")
    assert user.language == "" and user.email_language == settings.LANGUAGE_CODE


def test_the_data_download_gives_the_language(client):
    user = user_make("nuria")
    User.objects.filter(pk=user.pk).update(language="ca")
    client.force_login(user)
    data = json.loads(client.post(reverse("accounts:data-export")).content)
    assert data["profile"]["language"] == "ca"


def reset_mail(client: Client, user, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": user.email})
    [mail] = [m for m in mailoutbox if user.email in m.to]
    assert re.search(r"/accounts/password/reset/key/\S+", mail.body)
    return mail


def test_a_password_reset_asked_for_in_english_reaches_a_catalan_speaker_in_catalan(
        mailoutbox):
    catalan, english = user_make("pau"), user_make("paul")
    User.objects.filter(pk=catalan.pk).update(language="ca")
    User.objects.filter(pk=english.pk).update(language="en")
    page_in_english = Client(HTTP_ACCEPT_LANGUAGE="en")
    to_catalan = reset_mail(page_in_english, catalan, mailoutbox)
    to_english = reset_mail(page_in_english, english, mailoutbox)
    assert "Password Reset" in to_english.subject
    assert "Password Reset" not in to_catalan.subject
    assert "contrasenya" in (to_catalan.subject + to_catalan.body).lower()


def test_the_language_picker_keeps_a_signed_in_person_s_choice(client, citizen):
    url = reverse("set_language")
    response = client.post(url, {"language": "ca", "next": "/"})
    assert response.status_code == 302  # anonymous: the cookie only, no account to keep
    client.force_login(citizen)
    response = client.post(url, {"language": "ca", "next": "/"})
    assert response.status_code == 302 and response.cookies["django_language"].value == "ca"
    assert User.objects.get(pk=citizen.pk).language == "ca"
    client.post(url, {"language": "xx", "next": "/"})  # not one of the site's
    assert User.objects.get(pk=citizen.pk).language == "ca"
    client.post(url, {"language": "en", "next": "/"})
    assert User.objects.get(pk=citizen.pk).language == "en"
