"""Members vote on their community's sharing options: options are proposals of the
community's project, so a member's vote weighs as their verified role does; only members
with an active pledge may vote on them (energy/gates.py through proposals/vote_gates.py),
on the page and in the API, and the gate leaves every other proposal alone."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ClaimStatus
from energy.models import PledgeStatus
from proposals import vote_gates
from tests.energy.conftest import community_make, option_row, pledge_row
from tests.factories import claim_make, project_make, proposal_make, role_make, user_make
from voting import services
from voting.models import Vote
from voting.selectors import proposal_tally

pytestmark = pytest.mark.django_db
SUPPORT = 1
NOT_A_MEMBER = "Only the energy community's members vote"
WITHDRAWN = "You withdrew your pledge to this energy community"


@pytest.fixture
def expert(planner):
    """A verified expert (weight 2; the default weight of a resident is 1)."""
    role_make("resident", "1", position=10)
    role = role_make("expert", "2", position=30)
    user = user_make("expert")
    claim_make(user, role, status=ClaimStatus.VERIFIED, decided_by=planner)
    return user


@pytest.fixture
def voting_community(planner, expert):
    community = community_make(planner, slug="energy-vote", phase="voting")
    return community, option_row(community, "demand"), option_row(community, "equal")


def api_vote(user, proposal, value: str = "support"):
    api = APIClient()
    api.force_authenticate(user)
    return api.post(reverse("api:proposal-vote", args=[proposal.pk]), {"value": value},
                    format="json")


def page_vote(client, user, proposal, value: str = "support"):
    client.force_login(user)
    return client.post(reverse("voting:vote", args=[proposal.pk]), {"value": value},
                       HTTP_ACCEPT="application/json")


# ------------------------------------------------------------------ members


@pytest.mark.quality("energy-members-vote")
def test_a_member_votes_and_the_tally_counts_their_roles_weight(voting_community, expert):
    community, demand, _equal = voting_community
    pledge_row(community, expert)
    response = api_vote(expert, demand.proposal)
    assert response.status_code == 200, response.content
    assert (response.json()["role"], response.json()["weight"]) == ("Expert", "2.000")
    tally = proposal_tally(demand.proposal)
    assert (tally["supporters"], tally["support_weight"]) == (1, 2)


def test_a_member_votes_on_the_page_too(voting_community, expert, client):
    community, demand, _equal = voting_community
    pledge_row(community, expert)
    response = page_vote(client, expert, demand.proposal)
    assert response.status_code == 200 and response.json()["ok"] is True
    assert Vote.objects.get(user=expert, proposal=demand.proposal).weight == 2


@pytest.mark.quality("energy-members-vote")
def test_a_non_member_is_refused_in_the_api_and_nothing_counts(voting_community, expert):
    _community, demand, _equal = voting_community
    response = api_vote(expert, demand.proposal)
    assert response.status_code == 403
    assert NOT_A_MEMBER in response.json()["detail"]
    assert not Vote.objects.exists()
    assert proposal_tally(demand.proposal)["support_weight"] == 0


def test_a_non_member_is_refused_on_the_page_with_the_reason(voting_community, expert,
                                                              client):
    _community, demand, _equal = voting_community
    response = page_vote(client, expert, demand.proposal)
    assert response.status_code == 403 and response.json()["ok"] is False
    assert NOT_A_MEMBER in response.json()["message"]
    assert not Vote.objects.exists()


def test_a_member_of_another_community_is_refused(voting_community, expert, planner):
    _community, demand, _equal = voting_community
    other = community_make(planner, slug="energy-other", phase="voting")
    pledge_row(other, expert)
    with pytest.raises(PermissionDenied, match=NOT_A_MEMBER):
        services.vote_cast(user=expert, proposal=demand.proposal, value=SUPPORT)


@pytest.mark.quality("energy-members-vote")
def test_a_withdrawn_member_is_refused(voting_community, expert):
    community, demand, _equal = voting_community
    pledge_row(community, expert, status=PledgeStatus.WITHDRAWN)
    response = api_vote(expert, demand.proposal)
    assert response.status_code == 403
    assert WITHDRAWN in response.json()["detail"]
    assert not Vote.objects.exists()


def test_a_withdrawn_member_may_still_take_back_the_vote_they_cast(voting_community,
                                                                   expert):
    community, demand, _equal = voting_community
    pledge = pledge_row(community, expert)
    services.vote_cast(user=expert, proposal=demand.proposal, value=SUPPORT)
    pledge.status = PledgeStatus.WITHDRAWN
    pledge.save(update_fields=["status"])
    with pytest.raises(PermissionDenied, match=WITHDRAWN):
        services.vote_cast(user=expert, proposal=demand.proposal, value=-1)
    assert services.vote_withdraw(user=expert, proposal=demand.proposal) is True
    assert not Vote.objects.exists()


# ------------------------------------------------------------------ other proposals


def test_the_gate_leaves_an_ordinary_projects_votes_alone(voting_community, expert):
    project = project_make("ordinary", phase="voting")
    proposal = proposal_make(project, user_make("author"))
    response = api_vote(expert, proposal)
    assert response.status_code == 200
    assert proposal_tally(proposal)["support_weight"] == 2


def test_the_gate_leaves_the_communitys_other_proposals_alone(voting_community, expert):
    community, _demand, _equal = voting_community
    idea = proposal_make(community.project, user_make("author"), title="A bench")
    assert api_vote(expert, idea).status_code == 200


def test_the_members_gate_is_registered(voting_community):
    """The negative twin of the tests above: they pass because energy registered its
    gate, not because voting refuses these votes by itself."""
    from energy.gates import members_only

    assert any(g.check is members_only for g in vote_gates._GATES)
    assert "energy_sharingoption" in vote_gates.vote_gates_pass_sql("pr.id")


@pytest.fixture
def refuse_everything():
    """A gate that names no proposals: it must be asked about every vote."""
    def gate(user, proposal):
        return "Closed for this test."
    vote_gates.vote_gate_register(gate)
    yield
    vote_gates._GATES[:] = [g for g in vote_gates._GATES if g.check is not gate]


def test_a_gate_that_names_no_proposals_is_asked_about_every_vote(expert,
                                                                  refuse_everything):
    project = project_make("ordinary", phase="voting")
    proposal = proposal_make(project, user_make("author"))
    response = api_vote(expert, proposal)
    assert response.status_code == 403
    assert response.json()["detail"] == "Closed for this test."
    assert vote_gates.vote_gates_pass_sql("pr.id") == "FALSE"
