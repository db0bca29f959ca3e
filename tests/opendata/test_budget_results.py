"""A budget vote's open results: the format tools read (`budgets`, one entry per budget,
with its pabulib file), under the results page's rule of who may see them."""

import pytest
from django.test import Client
from django.utils import timezone
from pabutools.election.pabulib import parse_pabulib_from_string

from tests.budget_factories import EAST_POINT, WEST_POINT, budget_project_make, verified_voter
from tests.factories import project_make
from voting.budget_models import BudgetOutcome
from voting.budget_services import ballot_submit
from voting.models import ProjectVoting

pytestmark = pytest.mark.django_db


def outcome(budget, rule, funded, *, equal=False, final=True):
    return BudgetOutcome.objects.create(
        budget=budget, rule=rule, equal_weights=equal, funded=funded, spent=0, ballots=1,
        total_weight=1, final=final, computed_at=timezone.now())


@pytest.fixture
def budget_vote(db):
    expert = verified_voter("exp", "expert", "2")
    made = budget_project_make(districts={"D1": 100, "D2": 80}, city=500, costs={
        "Library": (300, None, WEST_POINT), "West benches": (40, "D1", WEST_POINT),
        "East trees": (30, "D2", EAST_POINT)})
    ProjectVoting.objects.filter(project=made.project).update(results_public=True)
    ballot_submit(user=expert, budget=made.budgets["D2"],
                  proposal_ids=[made.proposals["East trees"].pk])
    return made


def test_one_entry_per_budget_with_each_rules_funded_ids(budget_vote):
    made, p = budget_vote, budget_vote.proposals
    outcome(made.budgets[None], "greedy", [p["Library"].pk])
    outcome(made.budgets[None], "equalshares", [])
    outcome(made.budgets[None], "greedy", [p["Library"].pk], equal=True)
    body = Client().get(f"/api/v1/projects/{made.project.pk}/budget/results/").json()
    assert body["currency"] == "EUR" and body["official_rule"] == "equalshares"
    city, d1, d2 = body["budgets"]
    assert (city["district"], city["budget"]) == (None, 500)
    assert city["greedy"] == [p["Library"].pk] and city["equal_shares"] == []
    assert city["equal_weights"] == {"greedy": [p["Library"].pk], "equal_shares": None}
    assert (d1["district"], d1["budget"], d2["district"]) == ("District D1", 100,
                                                              "District D2")
    assert d1["greedy"] is None and d1["final"] is False and d1["computed_at"] is None
    pb = Client().get(d2["pabulib"].replace("http://testserver", ""))
    assert pb.status_code == 200 and pb["Content-Type"].startswith("text/plain")
    assert 'filename="budget-now-district-d2.pb"' in pb["Content-Disposition"]
    instance, profile = parse_pabulib_from_string(pb.content.decode())
    assert instance.budget_limit == 80 and profile.num_ballots() == 1
    assert profile[0].meta["weight"] == "2"


def test_the_official_rules_funded_are_selected_in_the_file(budget_vote):
    made, p = budget_vote, budget_vote.proposals
    outcome(made.budgets["D2"], "equalshares", [p["East trees"].pk])
    pb = Client().get(f"/api/v1/projects/{made.project.pk}/budget/"
                      f"{made.budgets['D2'].pk}.pb").content.decode()
    instance, _ = parse_pabulib_from_string(pb)
    [trees] = list(instance)
    assert instance.project_meta[trees]["selected"] == "1"


def test_hidden_until_the_results_are_public_but_not_to_planners(budget_vote, client):
    made = budget_vote
    ProjectVoting.objects.filter(project=made.project).update(results_public=False)
    urls = [f"/api/v1/projects/{made.project.pk}/budget/results/",
            f"/api/v1/projects/{made.project.pk}/budget/{made.budgets[None].pk}.pb"]
    assert [Client().get(u).status_code for u in urls] == [404, 404]
    client.force_login(made.planner)
    assert [client.get(u).status_code for u in urls] == [200, 200]


def test_a_project_without_a_budget_vote_has_no_budget_results(budget_vote):
    other = project_make("for-against", phase="voting")
    ProjectVoting.objects.create(project=other, results_public=True)
    assert Client().get(f"/api/v1/projects/{other.pk}/budget/results/").status_code == 404
    made = budget_vote
    foreign = budget_project_make("other-budget").budgets[None]
    assert Client().get(f"/api/v1/projects/{made.project.pk}/budget/{foreign.pk}.pb"
                        ).status_code == 404
