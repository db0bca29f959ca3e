"""No private data in any public answer: every GET route under /api/v1/ and /ogc/,
found by walking the URL resolver, is asked as an anonymous reader for every object
of an open city (public and private alike), and no answer holds an e-mail address or
an individual ballot."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from gisdata.models import Dataset, Feature, Layer
from proposals.models import Comment, Project, Proposal
from voting.models import Vote

pytestmark = pytest.mark.django_db

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def routes(patterns=None, prefix="") -> list[str]:
    """Every route below /api/v1/ and /ogc, as a path template (`/api/v1/proposals/<int:pk>/`)."""
    found = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.startswith(("api/v1/", "ogc")):
            found.append("/" + route)
    return found


def fill(route: str, values: dict[str, list]) -> list[str]:
    """The route with each parameter replaced by each candidate value."""
    urls = [route]
    for converter, name in PARAM.findall(route):
        token = f"<{converter}:{name}>" if converter else f"<{name}>"
        urls = [u.replace(token, str(v), 1) for u in urls for v in values[name]]
    return urls


def body_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def budget_vote(voter) -> tuple:
    """A budget vote with public results, one ballot and a computed outcome."""
    from django.utils import timezone

    from tests.budget_factories import budget_project_make
    from voting.budget_models import Budget, BudgetOutcome
    from voting.budget_services import ballot_submit
    from voting.models import ProjectVoting

    made = budget_project_make("open-budget", unverified_weight="1")
    ProjectVoting.objects.filter(project=made.project).update(results_public=True)
    ballot_submit(user=voter, budget=made.budgets[None],
                  proposal_ids=[made.proposals["Trees"].pk])
    BudgetOutcome.objects.create(budget=made.budgets[None], rule="greedy",
                                 funded=[made.proposals["Trees"].pk], spent=30, ballots=1,
                                 total_weight=1, computed_at=timezone.now())
    return made.project, list(Budget.objects.values_list("pk", flat=True))


def test_no_public_answer_holds_an_email_or_a_ballot(city):
    from opendata.catalogue import collections_all

    budget_project, budget_pks = budget_vote(city["voters"][0])

    everything = {
        "pk": sorted({*Project.objects.values_list("pk", flat=True),
                      *Proposal.objects.values_list("pk", flat=True),
                      *Comment.objects.values_list("pk", flat=True),
                      *Layer.objects.values_list("pk", flat=True),
                      *Dataset.objects.values_list("pk", flat=True)}),
        "collection_id": [c.id for c in collections_all()] + [
            "proposals-secret-draft", f"layer-{city['hidden_layer'].pk}"],
        "feature_id": sorted({*Proposal.objects.values_list("pk", flat=True),
                              *Feature.objects.values_list("pk", flat=True)})[:60],
        "budget_pk": budget_pks,
        "token": ["walk-bad-token"],  # the unsubscribe link (tests/notifications)
    }
    found = routes()
    assert len(found) > 30 and "/ogc/collections/<str:collection_id>/items" in found
    voters = [(v.username, v.display_name) for v in city["voters"]]
    ballots = list(Vote.objects.values_list("pk", "user_id", "value", "weight"))
    client = Client()
    answered = {}
    for route in found:
        for url in fill(route, everything):
            response = client.get(url)
            assert response.status_code < 500, url
            if response.status_code != 200:
                continue
            text = body_of(response)
            answered[url] = response.status_code
            assert not EMAIL.search(text), (url, EMAIL.search(text).group(0))
            for username, name in voters:  # voters who wrote nothing public
                if username != "ballot-voter-one":  # … but one of them commented
                    assert username not in text and name not in text, url
            assert "Hidden idea" not in text and "Insults a neighbour" not in text, url
            assert "Awaiting moderation" not in text and "Draft idea" not in text, url
            if response["Content-Type"].startswith(("application/json",
                                                    "application/geo+json")):
                names = keys(json.loads(text))
                assert not names & {"email", "user", "voter", "ballot", "votes",
                                    "password"}, url
    # The walk reached the public data, ballots included in the tallies it serves.
    assert len(answered) > 40 and ballots
    assert f"/api/v1/proposals/{city['public'][0].pk}/tally/" in answered
    assert f"/api/v1/projects/{city['project'].pk}/proposals.csv" in answered
    assert "/ogc/collections/proposals-open-city/items" in answered
    assert f"/api/v1/projects/{budget_project.pk}/budget/results/" in answered
    assert f"/api/v1/projects/{budget_project.pk}/budget/{budget_pks[0]}.pb" in answered
