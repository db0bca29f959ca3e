"""The privacy walk of energy communities: no page or answer anyone but a planner may
read carries a member's pledge or own figures, whoever asks (tests/energy/test_api.py
checks the API's rules one by one; this walks every URL of the table)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.permission_walk.energy_world import MEMBER_FIGURE, PLEDGED_KWH
from tests.permission_walk.routes import ANONYMOUS, CITIZEN, allowed
from tests.permission_walk.table import ROUTES
from tests.permission_walk.test_walk import _args

pytestmark = pytest.mark.django_db
SECRETS = [f"{value:.4f}".encode() for value in (*PLEDGED_KWH, MEMBER_FIGURE)]


def _readable():
    for key, spec in ROUTES.items():
        for case in spec if isinstance(spec, tuple) else (spec,):
            if case.read is not None:
                yield key, case


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.quality("energy-aggregates-only")
@pytest.mark.parametrize("actor", [ANONYMOUS, CITIZEN])
def test_no_page_or_answer_shows_a_members_figures(actor, world, client_for):
    client = client_for(actor)
    walked = 0
    for key, case in _readable():
        if not allowed(case.read, actor):
            continue
        url = reverse(key, kwargs=_args(case.args, world))
        body = _body(client.get(url))
        walked += 1
        for secret in SECRETS:
            assert secret not in body, f"GET {url} as {actor} shows a member's {secret!r}"
    assert walked > 50


def test_the_walk_would_see_a_members_figures(world, client_for):
    """The negative twin: the figures are in the database, where a planner's admin page
    of the pledge shows them."""
    from energy.models import Pledge

    pledge = Pledge.objects.filter(community=world["energy_public"]).order_by("pk").first()
    body = client_for("admin").get(reverse("admin:energy_pledge_change", args=[pledge.pk]))
    assert any(secret in body.content for secret in SECRETS)


def test_the_walk_reads_the_blocks_of_the_communitys_members(world, client_for):
    """The walk above reads the open data by building block with something in it: the
    members' sums in their one cell, none of their own figures."""
    from energy.models import Pledge, PledgeStatus

    community = world["energy_public"]
    url = reverse("api:energy-community-blocks", args=[community.pk])
    body = client_for(ANONYMOUS).get(url)
    [cell] = body.json()["features"]
    members = Pledge.objects.filter(community=community, status=PledgeStatus.ACTIVE).count()
    assert members >= 3 and cell["properties"]["members"] == members
    assert not any(secret in body.content for secret in SECRETS)
