"""Casting, changing and withdrawing votes; weights; tallies; the ranking."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from proposals.models import Proposal
from tests.factories import project_make, proposal_make
from voting import selectors, services
from voting.models import ProjectVoting, RoleWeight, Vote

pytestmark = pytest.mark.django_db
SUPPORT, ABSTAIN, OPPOSE = 1, 0, -1


@pytest.mark.quality("client-weight")
def test_a_vote_snapshots_the_role_and_weight_on_the_server(ballot, voters):
    vote = services.vote_cast(user=voters["expert"], proposal=ballot[0], value=SUPPORT)
    assert (vote.role.slug, vote.weight) == ("expert", Decimal("2"))


def weighted_project(slug, **weights):
    def rules(project):
        from accounts.models import StakeholderRole

        unverified = weights.pop("unverified", None)
        if unverified is not None:
            ProjectVoting.objects.create(project=project, unverified_weight=Decimal(unverified))
        for slug_, weight in weights.items():
            RoleWeight.objects.create(project=project, weight=Decimal(weight),
                                      role=StakeholderRole.objects.get(slug=slug_))
    return project_make(slug, phase="voting", before_phases=rules)


def test_project_weights_override_role_defaults(voters):
    project = weighted_project("weighted", resident="3")
    proposal = proposal_make(project, voters["nobody"])
    vote = services.vote_cast(user=voters["resident"], proposal=proposal, value=SUPPORT)
    assert vote.weight == Decimal("3")


def test_changing_a_vote_keeps_one_row(ballot, voters):
    for value in (SUPPORT, OPPOSE, ABSTAIN):
        services.vote_cast(user=voters["resident"], proposal=ballot[0], value=value)
    assert Vote.objects.get().value == ABSTAIN


def test_withdrawing_removes_the_vote(ballot, voters):
    services.vote_cast(user=voters["resident"], proposal=ballot[0], value=SUPPORT)
    assert services.vote_withdraw(user=voters["resident"], proposal=ballot[0]) is True
    assert services.vote_withdraw(user=voters["resident"], proposal=ballot[0]) is False
    assert not Vote.objects.exists()


def test_unverified_users_may_not_vote_unless_the_project_allows(ballot, voters):
    with pytest.raises(PermissionDenied, match="verified stakeholder role"):
        services.vote_cast(user=voters["nobody"], proposal=ballot[0], value=SUPPORT)
    open_project = weighted_project("open-to-all", unverified="0.5")
    proposal = proposal_make(open_project, voters["resident"])
    vote = services.vote_cast(user=voters["nobody"], proposal=proposal, value=SUPPORT)
    assert (vote.role, vote.weight) == (None, Decimal("0.5"))


@pytest.mark.parametrize("phase", [None, "ideation", "decision", "implementation"])
@pytest.mark.quality("vote-outside-phase")
def test_votes_outside_the_voting_phase_are_refused(voters, phase):
    project = project_make(f"p-{phase}", phase=phase)
    proposal = proposal_make(project, voters["nobody"])
    with pytest.raises(PermissionDenied, match="voting phase"):
        services.vote_cast(user=voters["resident"], proposal=proposal, value=SUPPORT)
    assert not Vote.objects.exists()


@pytest.mark.parametrize("fields", [{"is_hidden": True, "hidden_reason": "Spam."},
                                    {"status": "submitted"}, {"status": "withdrawn"},
                                    {"status": "rejected", "official_answer": "No."}])
@pytest.mark.quality("vote-outside-phase")
def test_votes_on_proposals_not_open_to_votes_are_refused(voting_project, voters, fields):
    proposal = proposal_make(voting_project, voters["nobody"], **fields)
    with pytest.raises(PermissionDenied, match="not open to votes"):
        services.vote_cast(user=voters["resident"], proposal=proposal, value=SUPPORT)


def test_anonymous_and_invalid_values_are_refused(ballot, voters):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.vote_cast(user=AnonymousUser(), proposal=ballot[0], value=SUPPORT)
    with pytest.raises(ValidationError):
        services.vote_cast(user=voters["resident"], proposal=ballot[0], value=5)


@pytest.mark.quality("client-weight")
def test_a_role_that_expires_after_voting_keeps_its_vote(ballot, voters):
    vote = services.vote_cast(user=voters["expert"], proposal=ballot[0], value=SUPPORT)
    voters["expert"].role_claims.update(status="withdrawn")
    assert Vote.objects.get(pk=vote.pk).weight == Decimal("2")
    # ...but a new cast is weighed afresh: without a role the expert may not vote.
    with pytest.raises(PermissionDenied):
        services.vote_cast(user=voters["expert"], proposal=ballot[0], value=OPPOSE)


@pytest.mark.quality("vote-fifty-times")
def test_the_database_refuses_a_second_row_for_the_same_voter(ballot, voters):
    services.vote_cast(user=voters["resident"], proposal=ballot[0], value=SUPPORT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(user=voters["resident"], proposal=ballot[0], value=OPPOSE,
                            weight=Decimal("1"))


def test_tally_counts_weights_and_roles(ballot, voters, settings):
    settings.PLAZA_MIN_GROUP_SIZE = 1  # one voter per role: shown only without the threshold
    services.vote_cast(user=voters["expert"], proposal=ballot[0], value=SUPPORT)
    services.vote_cast(user=voters["resident"], proposal=ballot[0], value=OPPOSE)
    services.vote_cast(user=voters["business"], proposal=ballot[0], value=ABSTAIN)
    tally = selectors.proposal_tally(ballot[0])
    assert (tally["supporters"], tally["opponents"], tally["abstentions"]) == (1, 1, 1)
    assert (tally["support_weight"], tally["oppose_weight"]) == (Decimal(2), Decimal(1))
    assert tally["score_weighted"] == Decimal(1) and tally["score_equal"] == 0
    assert tally["share"] == Decimal("0.6667")
    assert {t.role: (t.supporters, t.opponents, t.abstentions) for t in tally["roles"]} == {
        "Resident": (0, 1, 0), "Business Owner": (0, 0, 1), "Expert": (1, 0, 0)}


def test_the_ranking_shows_where_weights_changed_the_order(ballot, voters):
    a, b, c = ballot
    # Equal weights: b (2 for) beats a (1 for). Weighted: a (expert, 2) ties b (1 + 1).
    services.vote_cast(user=voters["expert"], proposal=a, value=SUPPORT)
    services.vote_cast(user=voters["resident"], proposal=b, value=SUPPORT)
    services.vote_cast(user=voters["business"], proposal=b, value=SUPPORT)
    services.vote_cast(user=voters["resident"], proposal=c, value=OPPOSE)
    ranks = {p.pk: (p.rank_weighted, p.rank_equal)
             for p in selectors.ranking_queryset(ballot[0].project)}
    assert ranks == {a.pk: (1, 2), b.pk: (1, 1), c.pk: (3, 3)}


def test_hidden_proposals_leave_the_ranking(ballot, voters):
    services.vote_cast(user=voters["resident"], proposal=ballot[0], value=SUPPORT)
    Proposal.objects.filter(pk=ballot[0].pk).update(is_hidden=True, hidden_reason="Spam.")
    assert ballot[0].pk not in [p.pk for p in selectors.ranking_queryset(ballot[0].project)]


@pytest.mark.quality("erased-voter")
def test_an_erased_voter_leaves_the_tally_unchanged(ballot, voters):
    services.vote_cast(user=voters["expert"], proposal=ballot[0], value=SUPPORT)
    before = selectors.proposal_tally(ballot[0])
    voters["expert"].delete()
    after = selectors.proposal_tally(ballot[0])
    assert before["support_weight"] == after["support_weight"] == Decimal(2)
    assert Vote.objects.get().user is None


@pytest.mark.quality("client-weight")
def test_weights_are_set_before_voting_and_frozen_once_it_opens(planner, voters):
    project = project_make("later", phase="ideation")
    services.role_weights_set(project=project, planner=planner, weights={"expert": "3"},
                              unverified_weight="0.5")
    assert selectors.project_weights(project)[voters["roles"]["expert"].pk] == Decimal(3)
    with pytest.raises(PermissionDenied):
        services.role_weights_set(project=project, planner=voters["resident"],
                                  weights={"expert": "1"})
    with pytest.raises(ValidationError, match="between 0"):
        services.role_weights_set(project=project, planner=planner, weights={"expert": "-1"})
    voting = project_make("voting-now-2", phase="voting")
    with pytest.raises(ValidationError, match="frozen"):
        services.role_weights_set(project=voting, planner=planner, weights={"expert": "5"})


@pytest.mark.quality("client-weight")
def test_the_database_freezes_weights_whatever_the_code_path(voting_project, voters):
    expert = voters["roles"]["expert"]
    with pytest.raises(IntegrityError, match="frozen"), transaction.atomic():
        RoleWeight.objects.create(project=voting_project, role=expert, weight=Decimal("9"))
    with pytest.raises(IntegrityError, match="frozen"), transaction.atomic():
        ProjectVoting.objects.create(project=voting_project, unverified_weight=Decimal("1"))
    assert not RoleWeight.objects.exists() and not ProjectVoting.objects.exists()


def test_results_can_be_published_after_voting_opened(voting_project):
    rules = ProjectVoting.objects.create(project=voting_project)
    rules.results_public = True
    rules.save()
    assert ProjectVoting.objects.get().results_public


def test_a_project_with_frozen_weights_can_still_be_deleted(voters):
    project = weighted_project("to-delete", expert="4", unverified="1")
    project.delete()
    assert not RoleWeight.objects.exists()
