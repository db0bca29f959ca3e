"""What crosses between hosts: Plaza run as two web hosts and two worker hosts.

Each host is real processes with a disk of its own (tests/integration/hosts.py); they
share the database, a Redis and, where files are involved, the S3 object storage, as
machines of one deployment would. Each test is a journey that starts on one host and
ends on another.
"""

from __future__ import annotations

import re

import pytest
import requests

from tests.factories import PASSWORD, user_make
from tests.integration.hosts import hosts

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(scope="module")
def two_webs(django_db_setup, django_db_blocker, tmp_path_factory):
    """Two web hosts (no workers): enough for what only the web tier shares."""
    with django_db_blocker.unblock(), hosts(tmp_path_factory.mktemp("hosts"), {},
                                            webs=2, workers=0) as (webs, _):
        yield webs


def log_in(session: requests.Session, web, user) -> None:
    page = session.get(f"{web.url}/accounts/login/", timeout=30)
    assert page.status_code == 200
    answer = session.post(f"{web.url}/accounts/login/", timeout=30, allow_redirects=False,
                          data={"login": user.username, "password": PASSWORD,
                                "csrfmiddlewaretoken": CSRF_FIELD.search(page.text)[1]},
                          headers={"Referer": f"{web.url}/accounts/login/"})
    assert answer.status_code == 302, answer.text[:2000]


def test_a_session_and_csrf_token_from_web_a_work_on_web_b(two_webs):
    web_a, web_b = two_webs
    citizen = user_make("walker")
    browser = requests.Session()
    log_in(browser, web_a, citizen)

    # Logged in on B with A's session cookie: B reads the session A wrote.
    mine = browser.get(f"{web_b.url}/api/v1/me/votes/", timeout=30)
    assert mine.status_code == 200, mine.text[:500]
    # A write on B carrying the CSRF token A gave (the map pages send it as a header):
    # logging out, which B refuses without a valid token.
    refused = requests.post(f"{web_b.url}/accounts/logout/", timeout=30,
                            cookies=browser.cookies, allow_redirects=False)
    assert refused.status_code == 403
    token = browser.cookies["csrftoken"]
    out = browser.post(f"{web_b.url}/accounts/logout/", timeout=30, allow_redirects=False,
                       headers={"X-CSRFToken": token, "Referer": f"{web_b.url}/"})
    assert out.status_code == 302, out.text[:500]
    # …and the session is gone on A too.
    assert browser.get(f"{web_a.url}/api/v1/me/votes/", timeout=30).status_code in (401, 403)
