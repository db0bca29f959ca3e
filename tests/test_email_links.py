"""Every link in every e-mail Plaza sends starts with SITE_URL and opens its page.

Run against pytest-django's live server with SITE_URL set to its address, the way
`make run` sets it to its own (platform/run.py): each link is opened over HTTP, as its
recipient would open it. Plaza's notifications are sent by their tasks, run eagerly here;
allauth's e-mails come from forms posted on another host ("testserver"), as behind a
proxy, so a link built from the request's host would show.
"""

import re

import pytest
import requests
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts import services as account_services
from config.celery import app
from dashboard import services as dashboard_services
from proposals import comment_services, services
from tests.factories import project_make, proposal_make, role_make, user_make

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Benches in the shade"
NEW_PASSWORD = "a-brand-new-pass-phrase-9"


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    cache.clear()  # allauth's rate limits
    return live_server.url


@pytest.fixture
def eager_tasks():
    """The notification tasks run where they are published, once the data has committed."""
    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


def links(message) -> list[str]:
    found = [url.rstrip(".,;:)»”") for url in re.findall(r"https?://[^\s<>\"]+", message.body)]
    assert found, f"no link in “{message.subject}”:\n{message.body}"
    return found


def browser_of(user=None) -> requests.Session:
    """An HTTP client with `user`'s log-in (none: nobody logged in)."""
    session = requests.Session()
    if user is not None:
        client = Client()
        client.force_login(user)
        session.cookies.set(settings.SESSION_COOKIE_NAME,
                            client.cookies[settings.SESSION_COOKIE_NAME].value)
    return session


def open_link(link: str, session: requests.Session) -> requests.Response:
    assert link.startswith(settings.SITE_URL + "/"), link
    response = session.get(link, timeout=30)
    assert response.status_code == 200, (link, response.status_code)
    return response


# ------------------------------------------------------------------ Plaza's notifications
@pytest.mark.quality("email-links")
def test_every_link_in_plazas_notifications_opens_its_page_for_the_recipient(
        site, eager_tasks, mailoutbox):
    author, planner = user_make("montse"), user_make("planner", planner=True)
    proposal = proposal_make(project_make(), author, title=TITLE)
    with transaction.atomic():
        comment_services.comment_create(proposal=proposal, author=user_make("neighbour"),
                                        body="Yes, by the school.")
    services.proposal_set_status(proposal=proposal, planner=planner, status="shortlisted")
    dashboard_services.proposal_answer_write(proposal=proposal, planner=planner,
                                             answer="We put two there in May.")
    claim = account_services.role_claim_submit(user=author, role=role_make("resident"),
                                               evidence="Carrer de Pujades, 1")
    with transaction.atomic():
        account_services.role_claim_verify(claim_id=claim.pk, planner=planner)

    subjects = sorted(m.subject for m in mailoutbox)
    assert subjects == [  # the notifications tell the author at once (docs/notifications.md)
        "[Plaza] Your claim as Resident: verified",
        f"[Plaza] Your proposal “{TITLE}” is now: Shortlisted",
        f"[Plaza] neighbour commented on “{TITLE}”",
        f"[Plaza] “{TITLE}” received an official answer",
    ]
    session = browser_of(author)
    for message in mailoutbox:
        assert message.to == ["montse@example.org"]
        for link in links(message):
            response = open_link(link, session)
            assert response.url == link  # the page itself, no log-in detour
            expected = ("montse" if "/accounts/" in link else
                        "Unsubscribe" if "/unsubscribe/" in link else TITLE)
            assert expected in response.text, link
            if "#" in link:  # the part of the page it points at
                assert f'id="{link.partition("#")[2]}"' in response.text, link


def test_a_link_to_a_page_behind_the_log_in_asks_a_stranger_to_log_in(site, eager_tasks,
                                                                      mailoutbox):
    citizen, planner = user_make("montse"), user_make("planner", planner=True)
    claim = account_services.role_claim_submit(user=citizen, role=role_make("resident"),
                                               evidence="Carrer de Pujades, 1")
    with transaction.atomic():
        account_services.role_claim_verify(claim_id=claim.pk, planner=planner)
    [message] = mailoutbox
    [link] = links(message)
    response = open_link(link, browser_of())
    assert response.url.startswith(f"{site}{reverse('account_login')}?next=")


# ------------------------------------------------------------------ allauth's e-mails
def sign_up(client, email="newcomer@example.org", username="newcomer"):
    client.post(reverse("account_signup"), {"email": email, "username": username,
                                            "password1": NEW_PASSWORD,
                                            "password2": NEW_PASSWORD,
                                            "accept_terms": "on"})


def ask_for_a_new_password(client, email="montse@example.org"):
    client.post(reverse("account_reset_password"), {"email": email})


ALLAUTH_EMAILS = {
    # what a person does: (the e-mail's subject, what the linked page shows)
    "sign-up": (sign_up, "[Plaza] Please Confirm Your Email Address", "newcomer@example.org"),
    "password reset": (ask_for_a_new_password, "[Plaza] Password Reset Email",
                       'name="password1"'),
    "reset for an unknown address": (
        lambda client: ask_for_a_new_password(client, "nobody@example.org"),
        "[Plaza] Unknown Account", 'name="username"'),
    "sign-up with a known address": (
        lambda client: sign_up(client, email="montse@example.org"),
        "[Plaza] Account Already Exists", 'name="email"'),
}


@pytest.mark.parametrize("action", ALLAUTH_EMAILS)
@pytest.mark.quality("email-links")
def test_every_link_in_allauths_emails_opens_its_page_and_names_plaza(site, mailoutbox,
                                                                      action):
    user_make("montse")
    do, subject, page_shows = ALLAUTH_EMAILS[action]
    do(Client())  # on host "testserver", not the live server's
    [message] = mailoutbox
    assert message.subject == subject
    for link in links(message):
        assert page_shows in open_link(link, browser_of()).text, link
    assert message.body.startswith("Hello from Plaza!")
    assert "Thank you for using Plaza!" in message.body
    assert "testserver" not in message.body
    assert not re.search(r"(from|using) [\w.-]+:\d+", message.body)
