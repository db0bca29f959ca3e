"""The one-click unsubscribe: a signed link, a page with one button, POST without login
(RFC 8058), and a clear refusal for a bad or changed token."""

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client
from django.urls import reverse

from notifications.models import Notification, Preferences
from notifications.unsubscribe import SALT, unsubscribe_read, unsubscribe_token
from proposals import services
from tests.factories import project_make, proposal_make, user_make
from tests.notifications.delivery_helpers import fan_out_all, follow_project, send_immediate

pytestmark = pytest.mark.django_db


def url(token: str) -> str:
    return reverse("notifications:unsubscribe", args=[token])


@pytest.mark.quality("unsubscribe-signed")
def test_a_get_changes_nothing_and_the_button_unsubscribes_without_login(citizen):
    client = Client(enforce_csrf_checks=True)
    page = client.get(url(unsubscribe_token(citizen)))
    assert page.status_code == 200
    assert b'<form method="post">' in page.content and b"Unsubscribe" in page.content
    assert not Preferences.objects.exists()  # a mail scanner's GET does nothing
    done = client.post(url(unsubscribe_token(citizen)))  # no cookie, no CSRF token
    assert done.status_code == 200 and b"no more notification e-mails" in done.content
    assert Preferences.objects.get(user=citizen).cadence == "off"


@pytest.mark.quality("unsubscribe-signed")
def test_the_mail_clients_one_click_post_stops_one_kind_and_whats_waiting(citizen, planner):
    project = project_make()
    follow_project(citizen, project)
    proposal = proposal_make(project, user_make("author"))
    services.proposal_set_status(proposal=proposal, planner=planner, status="shortlisted")
    fan_out_all()
    assert Notification.objects.get(user=citizen).email == "weekly"
    response = Client(enforce_csrf_checks=True).post(
        url(unsubscribe_token(citizen, "proposal_status")),
        "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    prefs = Preferences.objects.get(user=citizen)
    assert (prefs.cadence, prefs.email_off) == ("weekly", ["proposal_status"])
    assert Notification.objects.get(user=citizen).email == "off"  # not in this week's digest
    assert Notification.objects.get(user=citizen).in_app  # still in the bell


@pytest.mark.quality("unsubscribe-signed")
@pytest.mark.parametrize("case", ["tampered", "other scope", "other salt", "garbage",
                                  "unknown user"])
def test_a_bad_or_changed_token_is_refused_clearly_and_changes_nothing(citizen, case):
    token = unsubscribe_token(citizen, "comment_posted")
    if case == "tampered":
        value, signature = token.rsplit(":", 1)
        token = f"{value}:{signature[:-2]}xx"
    elif case == "other scope":  # the payload of another scope with this signature
        token = signing.dumps({"u": citizen.pk, "s": "all"}, salt=SALT).rsplit(":", 1)[0] \
            + ":" + token.rsplit(":", 1)[1]
    elif case == "other salt":
        token = signing.dumps({"u": citizen.pk, "s": "all"})
    elif case == "garbage":
        token = "not-a-token"
    else:
        token = signing.dumps({"u": 999999, "s": "all"}, salt=SALT)
    for method in ("get", "post"):
        response = getattr(Client(), method)(url(token))
        assert response.status_code == 400
        assert b"This unsubscribe link is not valid" in response.content
    assert not Preferences.objects.exists()
    assert unsubscribe_read(unsubscribe_token(citizen, "bogus")) is None


@pytest.mark.quality("unsubscribe-signed")
def test_every_e_mail_carries_the_one_click_headers_and_links(citizen, planner, mailoutbox):
    proposal = proposal_make(project_make(), citizen)
    services.proposal_set_status(proposal=proposal, planner=planner, status="shortlisted")
    fan_out_all()
    assert send_immediate() == 1
    [mail] = mailoutbox
    link = settings.SITE_URL + url(unsubscribe_token(citizen))
    assert mail.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in mail.body
    assert url(unsubscribe_token(citizen, "proposal_status")) in mail.body
