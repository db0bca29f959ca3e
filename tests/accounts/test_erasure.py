"""Erasure removes what identifies the person beyond their user row (accounts/privacy_registry.py):
their reports of others' proposals and comments, their API token, their e-mail
addresses with pending confirmations, the links already mailed to them (password reset,
e-mail confirmation) and their other sessions; and no table keeps their address."""

import re

import pytest
from allauth.account.models import EmailAddress, EmailConfirmation, EmailConfirmationHMAC
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from proposals import comment_services, services
from proposals.models import CommentFlag, Flag
from tests.factories import PASSWORD, comment_make, project_make, proposal_make, user_make

pytestmark = pytest.mark.django_db
ADDRESS = "marta.puig@example.org"
SECOND = "marta@work.example.org"


@pytest.fixture
def marta(mailoutbox):
    cache.clear()  # allauth's reset rate limit counts per address in the cache
    """Marta reported a proposal and a comment, holds an API token, has a second address
    waiting for confirmation, and was mailed a password reset link."""
    user = user_make("marta", email=ADDRESS)
    project = project_make()
    jordi = user_make("jordi")
    proposal = proposal_make(project, jordi, title="A car park on the square")
    comment = comment_make(proposal, jordi, body="Cars first.")
    services.proposal_flag(proposal=proposal, user=user, reason="Advertising a business.")
    comment_services.comment_flag(comment=comment, user=user, reason="Off topic.")
    # Someone else's reports of the same things stay.
    services.proposal_flag(proposal=proposal, user=user_make("pere"), reason="Spam.")
    token = Token.objects.create(user=user)
    second = EmailAddress.objects.create(user=user, email=SECOND, verified=False)
    confirmation = EmailConfirmation.create(second)
    confirmation.sent = confirmation.created
    confirmation.save()
    client = Client()
    client.post(reverse("account_reset_password"), {"email": ADDRESS})
    [reset_mail] = [m for m in mailoutbox if ADDRESS in m.to]
    reset_link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)",
                           reset_mail.body).group(1)
    return {"user": user, "token": token.key, "proposal": proposal, "comment": comment,
            "reset_link": reset_link, "hmac_key": EmailConfirmationHMAC(second).key,
            "confirmation": confirmation.key}


def erase(client: Client, user) -> None:
    client.force_login(user)
    response = client.post(reverse("accounts:account-erase"),
                           {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302, response.content[:2000]


def test_erasing_removes_the_persons_reports_of_others_posts(client, marta):
    assert Flag.objects.filter(user=marta["user"]).count() == 1
    assert CommentFlag.objects.filter(user=marta["user"]).count() == 1
    erase(client, marta["user"])
    assert list(Flag.objects.values_list("reason", flat=True)) == ["Spam."]
    assert not CommentFlag.objects.filter(comment=marta["comment"]).exists()
    assert not Flag.objects.filter(reason="Advertising a business.").exists()


def test_erasing_removes_the_api_token_and_it_no_longer_opens_the_api(client, marta):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {marta['token']}")
    me = f"/api/v1/proposals/{marta['proposal'].pk}/"
    assert api.get(me).status_code == 200
    erase(client, marta["user"])
    assert not Token.objects.filter(key=marta["token"]).exists()
    response = api.get(me)
    assert response.status_code in (401, 403)
    assert response.json()["detail"] == "Invalid token."


def test_erasing_removes_the_addresses_and_the_links_mailed_to_them(client, marta):
    erase(client, marta["user"])
    assert not EmailAddress.objects.filter(email__in=[ADDRESS, SECOND]).exists()
    assert not EmailConfirmation.objects.filter(key=marta["confirmation"]).exists()
    # The password reset link mailed before the erasure opens nothing now.
    fresh = Client()
    page = fresh.get(marta["reset_link"], follow=True)
    assert b'name="password1"' not in page.content
    # Nor does the confirmation link for the second address.
    confirm = fresh.post(reverse("account_confirm_email", args=[marta["hmac_key"]]))
    assert confirm.status_code in (200, 302, 404)
    assert not EmailAddress.objects.filter(email=SECOND, verified=True).exists()


def test_erasing_signs_out_the_persons_other_sessions(marta):
    elsewhere = Client()
    elsewhere.force_login(marta["user"])
    assert elsewhere.get(reverse("accounts:profile")).status_code == 200
    erase(Client(), marta["user"])
    assert elsewhere.get(reverse("accounts:profile")).status_code == 302


def test_no_table_keeps_the_address_after_erasure(client, marta):
    erase(client, marta["user"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables "
                       "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
        tables = [row[0] for row in cursor.fetchall()]
        holding = []
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}" t WHERE t::text ILIKE %s',  # noqa: S608
                           [f"%{ADDRESS.split('@')[0]}%"])
            if cursor.fetchone()[0]:
                holding.append(table)
    assert holding == []


def test_the_twin_without_erasure_keeps_everything(client, marta):
    # What the tests above see go is there until the person erases their account.
    user = marta["user"]
    assert Token.objects.filter(user=user).exists()
    assert EmailAddress.objects.filter(user=user).count() == 2
    assert EmailConfirmation.objects.filter(key=marta["confirmation"]).exists()
    page = Client().get(marta["reset_link"], follow=True)
    assert b'name="password1"' in page.content
