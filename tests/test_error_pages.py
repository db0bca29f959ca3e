"""A page someone may not open, or one that does not exist, is the site's own page: its
header and footer, a sentence that says why, and a way back. The API keeps its JSON."""

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import project_make, proposal_make

pytestmark = pytest.mark.django_db


def _layout(page: str) -> None:
    assert 'class="site-header"' in page and 'class="site-footer"' in page
    assert re.search(r'<a class="button" href="/">Back to the projects</a>', page)


@override_settings(DEBUG=False)
def test_a_citizen_on_the_dashboard_gets_the_sites_403_page(client, citizen):
    client.force_login(citizen)
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 403
    page = response.content.decode()
    _layout(page)
    assert "<h1>You may not open this page</h1>" in page
    assert f"You are signed in as {citizen.public_name}" in page
    assert 'href="/dashboard/"' not in page  # no way on to where they may not go


@override_settings(DEBUG=False)
def test_a_refusal_in_the_api_stays_json(client, citizen):
    proposal = proposal_make(project_make(), citizen)
    client.force_login(citizen)
    response = client.post(reverse("api:proposal-hide", args=[proposal.pk]),
                           {"reason": "x"}, content_type="application/json")
    assert response.status_code == 403 and response["Content-Type"] == "application/json"
    assert "detail" in response.json() and "<html" not in response.content.decode()


@override_settings(DEBUG=False)
def test_a_missing_page_is_the_sites_404_page():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    _layout(page)
    assert "<h1>There is no page here</h1>" in page
