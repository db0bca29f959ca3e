"""What one vote costs the database: a count of queries, so that a regression shows.

A vote that every rule allows is one statement (voting/services.py, `_cast_at_once`);
through the API, token authentication adds the token's look-up. Here too: the role and
weight that statement picks are the ones `voting_weight_resolve` gives.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import ClaimStatus
from accounts.selectors import voting_weight_resolve
from municipalities import resolver
from tests.factories import claim_make, project_make, proposal_make, user_make
from voting import selectors, services
from voting.models import ProjectVoting, RoleWeight, Vote

pytestmark = pytest.mark.django_db
SUPPORT, OPPOSE = 1, -1


def _sql(ctx) -> str:
    return "\n".join(q["sql"][:200] for q in ctx.captured_queries)


@pytest.mark.parametrize("value", ["support", "oppose"])  # a new vote, then a change
def test_a_vote_through_the_api_is_the_token_and_one_statement(ballot, voters, value):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=voters['expert'])}")
    url = reverse("api:proposal-vote", args=[ballot[0].pk])
    if value == "oppose":
        assert api.post(url, {"value": "support"}, format="json").status_code == 200
    # Each process reads the table of municipalities once, not on each request
    # (municipalities/resolver.py): read it here, as a running server has.
    resolver.directory()
    with CaptureQueriesContext(connection) as ctx:
        response = api.post(url, {"value": value}, format="json")
    assert response.status_code == 200
    assert {k: v for k, v in response.json().items() if k != "updated_at"} == {
        "proposal": ballot[0].pk, "value": value, "role": "Expert", "weight": "2.000"}
    assert len(ctx.captured_queries) == 2, _sql(ctx)
    assert Vote.objects.get().value == (SUPPORT if value == "support" else OPPOSE)


def _weighted(slug, unverified=None, **weights):
    def rules(project):
        from accounts.models import StakeholderRole

        if unverified is not None:
            ProjectVoting.objects.create(project=project, unverified_weight=Decimal(unverified))
        for role, weight in weights.items():
            RoleWeight.objects.create(project=project, weight=Decimal(weight),
                                      role=StakeholderRole.objects.get(slug=role))
    return project_make(slug, phase="voting", before_phases=rules)


def _claim(user, role, planner, **fields):
    claim_make(user, role, status=ClaimStatus.VERIFIED, decided_by=planner, **fields)


# (project weights, the voter's verified roles, expected role): the highest weight in
# the project wins, the first by position on a tie, an expired claim does not count.
CASES = {
    "highest default": ({}, ["resident", "expert"], "expert"),
    "the project's weight over the default": ({"resident": "3"}, ["resident", "expert"],
                                              "resident"),
    "a tie: the first by position": ({}, ["business", "resident"], "resident"),
    "an expired claim does not count": ({}, ["resident", "expert:expired"], "resident"),
    "no verified role: the unverified weight": ({"unverified": "0.5"}, [], None),
}


@pytest.mark.quality("vote-fast-path")
@pytest.mark.parametrize("case", list(CASES))
def test_vote_cast_is_one_statement_with_the_resolved_role_and_weight(voters, planner,
                                                                      case):
    weights, claims, expected = CASES[case]
    project = _weighted("weights-" + str(list(CASES).index(case)), **weights)
    proposal = proposal_make(project, voters["nobody"])
    voter = user_make("voter")
    for claim in claims:
        role, _, expired = claim.partition(":")
        now = timezone.now()
        _claim(voter, voters["roles"][role], planner, **(
            {"decided_at": now - timedelta(days=2), "expires_at": now - timedelta(days=1)}
            if expired else {}))
    with CaptureQueriesContext(connection) as ctx:
        vote = services.vote_cast(user=voter, proposal=proposal, value=SUPPORT)
    assert len(ctx.captured_queries) == 1, _sql(ctx)
    resolved = voting_weight_resolve(
        user=voter, role_weights=selectors.project_weights(project),
        unverified_weight=selectors.voting_rules(project).unverified_weight)
    assert (vote.role, vote.weight) == (resolved.role, resolved.weight)
    assert (vote.role.slug if vote.role else None) == expected
    stored = Vote.objects.get()
    assert (stored.role, stored.weight) == (vote.role, vote.weight)
