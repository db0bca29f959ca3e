"""Ballots in a budget vote: refused with a reason and nothing stored when over budget,
outside the allowed count or in another district's budget; one per voter and budget;
guarded by the database on every path (voting/migrations/0007)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from tests.budget_factories import EAST_POINT, WEST_POINT, budget_project_make
from tests.voting.test_concurrency import in_threads
from tests.voting.test_frozen_paths import at_commit
from voting import services
from voting.budget_models import Assessment, Ballot, Budget, Feasibility
from voting.budget_services import assessment_set, ballot_submit, ballot_withdraw
from voting.models import Vote

pytestmark = pytest.mark.django_db


def ids(made, *titles):
    return [made.proposals[t].pk for t in titles]


def test_a_ballot_within_budget_is_stored_with_the_voters_weight(voters):
    made = budget_project_make()
    ballot = ballot_submit(user=voters["expert"], budget=made.budgets[None],
                           proposal_ids=ids(made, "Benches", "Trees", "Fountain"))
    stored = Ballot.objects.get(pk=ballot.pk)
    assert sorted(stored.proposals) == sorted(ids(made, "Benches", "Trees", "Fountain"))
    assert (stored.weight, stored.role.slug) == (Decimal("2"), "expert")
    assert stored.project_id == made.project.pk and stored.area_id is None


@pytest.mark.quality("budget-ballot-refused")
def test_over_budget_is_refused_with_the_total_and_nothing_is_stored(voters):
    made = budget_project_make()
    with pytest.raises(ValidationError) as refused:
        ballot_submit(user=voters["resident"], budget=made.budgets[None],
                      proposal_ids=ids(made, "Benches", "Trees", "Bike racks"))
    assert "120 EUR" in str(refused.value) and "100 EUR" in str(refused.value)
    assert not Ballot.objects.exists()


@pytest.mark.quality("budget-ballot-refused")
def test_a_changed_ballot_that_goes_over_keeps_the_previous_one(voters):
    made = budget_project_make()
    ballot_submit(user=voters["resident"], budget=made.budgets[None],
                  proposal_ids=ids(made, "Benches"))
    with pytest.raises(ValidationError):
        ballot_submit(user=voters["resident"], budget=made.budgets[None],
                      proposal_ids=ids(made, "Benches", "Bike racks", "Trees"))
    assert Ballot.objects.get().proposals == ids(made, "Benches")


@pytest.mark.quality("budget-ballot-refused")
def test_wrong_count_is_refused(voters):
    made = budget_project_make(min_projects=2, max_projects=2)
    for picked in (["Benches"], ["Benches", "Trees", "Fountain"]):
        with pytest.raises(ValidationError) as refused:
            ballot_submit(user=voters["resident"], budget=made.budgets[None],
                          proposal_ids=ids(made, *picked))
        assert "between 2 and 2" in str(refused.value)
    assert not Ballot.objects.exists()


@pytest.mark.quality("budget-ballot-refused")
def test_another_districts_proposal_is_refused_and_one_district_per_voter(voters):
    made = budget_project_make(city=None, districts={"D1": 100, "D2": 100}, costs={
        "West benches": (40, "D1", WEST_POINT), "East trees": (30, "D2", EAST_POINT)})
    with pytest.raises(ValidationError) as refused:
        ballot_submit(user=voters["resident"], budget=made.budgets["D1"],
                      proposal_ids=ids(made, "West benches", "East trees"))
    assert "District D2" in str(refused.value)
    assert not Ballot.objects.exists()
    ballot_submit(user=voters["resident"], budget=made.budgets["D1"],
                  proposal_ids=ids(made, "West benches"))
    with pytest.raises(ValidationError) as refused:
        ballot_submit(user=voters["resident"], budget=made.budgets["D2"],
                      proposal_ids=ids(made, "East trees"))
    assert "already voted in the budget of District D1" in str(refused.value)
    assert ballot_withdraw(user=voters["resident"], budget=made.budgets["D1"])
    ballot_submit(user=voters["resident"], budget=made.budgets["D2"],
                  proposal_ids=ids(made, "East trees"))
    assert Ballot.objects.get().area.code == "D2"


@pytest.mark.quality("budget-ballot-refused")
@pytest.mark.parametrize("problem", ["over", "foreign", "count", "weight", "twice"])
def test_the_database_refuses_what_the_service_would(voters, problem):
    made = budget_project_make(max_projects=3)
    other = budget_project_make("other-budget")
    picked = {"over": ids(made, "Benches", "Trees", "Bike racks"),
              "foreign": [other.proposals["Trees"].pk],
              "count": ids(made, "Trees", "Fountain", "Benches", "Bike racks"),
              "weight": ids(made, "Trees"), "twice": ids(made, "Trees", "Trees")}[problem]
    weight = Decimal("5") if problem == "weight" else Decimal("1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(budget=made.budgets[None], project=made.project,
                              user=voters["resident"], role=voters["roles"]["resident"],
                              proposals=picked, weight=weight)


def test_ballots_are_taken_only_while_voting_is_open(voters):
    made = budget_project_make(phase="decision")
    with pytest.raises(PermissionDenied):
        ballot_submit(user=voters["resident"], budget=made.budgets[None],
                      proposal_ids=ids(made, "Trees"))


def test_a_budget_project_takes_no_for_or_against_vote(voters):
    made = budget_project_make()
    with pytest.raises(PermissionDenied, match="votes with a budget"):
        services.vote_cast(user=voters["resident"], proposal=made.proposals["Trees"], value=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(proposal=made.proposals["Trees"], user=voters["resident"],
                            value=1, role=voters["roles"]["resident"], weight=1)


def test_assessments_and_budgets_are_frozen_once_voting_opened(voters):
    made = budget_project_make()
    with pytest.raises(ValidationError):
        assessment_set(proposal=made.proposals["Trees"], assessor=made.planner, cost=10,
                       feasibility=Feasibility.FEASIBLE, budget=made.budgets[None])
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(proposal=made.proposals["Trees"]).update(cost=1)
        at_commit()
    with pytest.raises(IntegrityError), transaction.atomic():
        Budget.objects.filter(pk=made.budgets[None].pk).update(amount=10**6)


def test_a_frozen_project_can_still_be_deleted(voters):
    made = budget_project_make()
    ballot_submit(user=voters["resident"], budget=made.budgets[None],
                  proposal_ids=ids(made, "Trees"))
    made.project.delete()
    assert not Budget.objects.exists() and not Assessment.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.quality("budget-ballot-fifty")
def test_fifty_concurrent_changes_by_one_voter_leave_one_ballot(voters):
    made = budget_project_make()
    choices = [ids(made, "Benches"), ids(made, "Trees", "Fountain"),
               ids(made, "Bike racks", "Trees")]
    results = in_threads(50, lambda i: ballot_submit(
        user=voters["resident"], budget=made.budgets[None], proposal_ids=choices[i % 3]))
    assert not [r for r in results if isinstance(r, Exception)]
    [ballot] = Ballot.objects.all()
    assert ballot.proposals in choices


def test_an_erased_voter_leaves_the_ballot_counting_and_takes_their_name(voters):
    from accounts.privacy_registry import account_erase, personal_data_export
    from tests.factories import PASSWORD

    made = budget_project_make()
    ballot_submit(user=voters["expert"], budget=made.budgets[None],
                  proposal_ids=ids(made, "Trees"))
    assert personal_data_export(user=voters["expert"])["budget_ballots"][0]["proposals"] == \
        ids(made, "Trees")
    account_erase(user=voters["expert"], password=PASSWORD)
    ballot = Ballot.objects.get()
    assert ballot.user_id is None and ballot.proposals == ids(made, "Trees")
    assert ballot.weight == Decimal("2")


def test_ballots_stay_once_voting_closed(voters):
    from datetime import timedelta

    from django.utils import timezone

    from proposals.models import Phase

    made = budget_project_make()
    ballot_submit(user=voters["resident"], budget=made.budgets[None],
                  proposal_ids=ids(made, "Trees"))
    voting = Phase.objects.get(project=made.project, kind="voting")
    # Close it: the phases after it move on so that none overlaps.
    Phase.objects.filter(project=made.project, kind__in=["decision", "implementation"]
                         ).delete()
    Phase.objects.filter(pk=voting.pk).update(ends_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.all().delete()
        at_commit()
    assert Ballot.objects.count() == 1
