"""A planner merges a duplicate into another proposal: its votes, budget-ballot picks and
followers carried over where the rules allow, the duplicate marked merged and leading to
its target, the act audited and told (docs/duplicates.md)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from core import events
from notifications.models import Follow
from proposals.models import Proposal
from tests.budget_factories import budget_project_make, verified_voter
from tests.factories import project_make, proposal_make, user_make
from tests.reports.test_provisional import close_the_vote
from tests.voting.test_frozen_paths import at_commit
from voting.budget_models import Ballot
from voting.budget_services import ballot_submit
from voting.merge_services import proposal_merge
from voting.models import Vote, VoteTally
from voting.services import vote_cast

pytestmark = pytest.mark.django_db

heard: list[events.Event] = []
events.event_listener_register(heard.append)


def follow(user, proposal, active=True):
    return Follow.objects.create(user=user, proposal=proposal, active=active,
                                 municipality_id=proposal.project.municipality_id)


@pytest.mark.quality("merge-carries-over")
def test_votes_and_followers_are_carried_over_and_the_merge_is_audited(
        voting_project, voters, planner):
    author, other_author = user_make("dup-author"), user_make("target-author")
    duplicate = proposal_make(voting_project, author, title="Shade at the school")
    target = proposal_make(voting_project, other_author, title="Trees by the school")
    vote_cast(user=voters["resident"], proposal=duplicate, value=1)
    vote_cast(user=voters["expert"], proposal=duplicate, value=1)
    vote_cast(user=voters["expert"], proposal=target, value=-1)  # voted on both
    fan, both, quitter = user_make("fan"), user_make("both"), user_make("quitter")
    follow(fan, duplicate)
    follow(both, duplicate)
    follow(both, target, active=False)  # stopped following the target: still so
    follow(quitter, duplicate, active=False)
    heard.clear()

    result = proposal_merge(planner=planner, duplicate=duplicate, target=target,
                            reason="The same trees, asked twice.")
    at_commit()

    assert (result.votes_moved, result.votes_dropped) == (1, 1)
    assert sorted(Vote.objects.filter(proposal=target).values_list("user__username", "value")
                  ) == [("exp", -1), ("res", 1)]  # the expert's own vote on it kept
    assert not Vote.objects.filter(proposal=duplicate).exists()
    tally = {t.role.slug: (t.supporters, t.opponents)
             for t in VoteTally.objects.filter(proposal=target)}
    assert tally == {"resident": (1, 0), "expert": (0, 1)}
    assert not VoteTally.objects.filter(proposal=duplicate).exists()
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into_id) == ("merged", target.pk)
    assert not Proposal.objects.public().filter(pk=duplicate.pk).exists()

    follows = {(f.user.username, f.active) for f in Follow.objects.filter(proposal=target)}
    assert follows == {("fan", True), ("both", False), ("quitter", False),
                       ("dup-author", True)}
    assert not Follow.objects.filter(proposal=duplicate).exists()

    entry = AuditEntry.objects.get(action=AuditAction.PROPOSAL_MERGE)
    assert (entry.target_id, entry.reason, entry.actor_id) == (
        duplicate.pk, "The same trees, asked twice.", planner.pk)
    assert entry.details["into"] == target.pk and entry.details["duplicate"] == duplicate.pk
    assert (entry.details["votes_moved"], entry.details["votes_dropped"]) == (1, 1)
    [event] = [e for e in heard if e.kind == events.PROPOSAL_MERGED]
    assert (event.proposal_id, event.data, event.actor_id) == (
        duplicate.pk, {"into": target.pk}, planner.pk)


@pytest.mark.quality("merge-carries-over")
def test_budget_ballots_pick_the_target_where_the_rules_allow(voters):
    made = budget_project_make(planner=voters.get("planner"))
    p = made.proposals
    budget = made.budgets[None]
    one, two, three = (verified_voter(name) for name in ("one", "two", "three"))
    ballot_submit(user=one, budget=budget, proposal_ids=[p["Trees"].pk])
    ballot_submit(user=two, budget=budget, proposal_ids=[p["Trees"].pk, p["Bike racks"].pk])
    # 40 + 30 + 30 = 100; with the bike racks (50) for the trees it would cost 120.
    ballot_submit(user=three, budget=budget,
                  proposal_ids=[p["Benches"].pk, p["Trees"].pk, p["Fountain"].pk])

    result = proposal_merge(planner=made.planner, duplicate=p["Trees"], target=p["Bike racks"],
                            reason="Same corner.")
    at_commit()

    assert (result.ballots_carried, result.ballots_left) == (2, 1)
    picks = {b.user.username: sorted(b.proposals) for b in Ballot.objects.all()}
    assert picks == {
        "one": [p["Bike racks"].pk], "two": [p["Bike racks"].pk],
        "three": sorted([p["Benches"].pk, p["Trees"].pk, p["Fountain"].pk])}


def test_the_merged_page_and_api_lead_to_the_target(client, voting_project, planner):
    author = user_make("writer")
    duplicate = proposal_make(voting_project, author, title="Dup")
    target = proposal_make(voting_project, author, title="Target")
    proposal_merge(planner=planner, duplicate=duplicate, target=target, reason="Same.")
    page = client.get(reverse("proposals:proposal", args=[duplicate.pk]))
    assert page.status_code == 302
    assert page["Location"] == reverse("proposals:proposal", args=[target.pk])
    followed = client.get(page["Location"])
    assert "was merged into this one" in followed.content.decode()
    api = client.get(reverse("api:proposal-detail", args=[duplicate.pk]))
    assert api.status_code == 301 and api.json()["merged_into"] == target.pk
    assert api["Location"].endswith(reverse("api:proposal-detail", args=[target.pk]))


def test_refusals_say_why_and_change_nothing(voting_project, planner):
    author = user_make("writer")
    target = proposal_make(voting_project, author, title="Target")
    hidden = proposal_make(voting_project, author, is_hidden=True, hidden_reason="Spam.")
    elsewhere = proposal_make(project_make("elsewhere"), author)
    waiting = proposal_make(voting_project, author, status="submitted")
    duplicate = proposal_make(voting_project, author)
    withdrawn = proposal_make(voting_project, author, status="withdrawn")
    cases = [(hidden, target, "hidden"), (elsewhere, target, "same project"),
             (withdrawn, target, "it is “Withdrawn by its author”"),
             (duplicate, waiting, "must be public"), (duplicate, duplicate, "itself")]
    for dup, into, said in cases:
        with pytest.raises(ValidationError) as refused:
            proposal_merge(planner=planner, duplicate=dup, target=into, reason="Same.")
        assert said in str(refused.value)
    with pytest.raises(ValidationError):
        proposal_merge(planner=planner, duplicate=duplicate, target=target, reason=" ")
    with pytest.raises(PermissionDenied):
        proposal_merge(planner=author, duplicate=duplicate, target=target, reason="Same.")
    assert not Proposal.objects.filter(status="merged").exists()
    assert not AuditEntry.objects.filter(action=AuditAction.PROPOSAL_MERGE).exists()


def test_once_voting_closed_a_duplicate_with_votes_stays(voters, planner):
    project = project_make("closing", phase="voting")
    author = user_make("writer")
    duplicate = proposal_make(project, author, title="Dup")
    target = proposal_make(project, author, title="Target")
    lonely = proposal_make(project, author, title="No votes")
    vote_cast(user=voters["resident"], proposal=duplicate, value=1)
    close_the_vote(project)
    with pytest.raises(ValidationError) as refused:
        proposal_merge(planner=planner, duplicate=duplicate, target=target, reason="Same.")
    assert "Voting has closed" in str(refused.value)
    result = proposal_merge(planner=planner, duplicate=lonely, target=target, reason="Same.")
    assert (result.voting, result.votes_moved) == ("closed", 0)
