"""The pabulib file of a budget vote: what pabutools reads from it is the budget, its
options with their costs and every ballot with its weight, and nothing about who voted."""

from decimal import Decimal

import pytest
from pabutools.election.pabulib import parse_pabulib_from_string

from tests.budget_factories import EAST_POINT, WEST_POINT, budget_project_make
from voting.budget_services import ballot_submit
from voting.pabulib import budget_pabulib, budget_profile

pytestmark = pytest.mark.django_db


def test_pabutools_reads_the_budget_the_options_and_the_weighted_ballots(voters):
    made = budget_project_make(max_projects=3)
    p = made.proposals
    ballot_submit(user=voters["expert"], budget=made.budgets[None],
                  proposal_ids=[p["Benches"].pk, p["Trees"].pk])
    ballot_submit(user=voters["resident"], budget=made.budgets[None],
                  proposal_ids=[p["Bike racks"].pk])
    text = budget_pabulib(made.budgets[None], funded=[p["Benches"].pk])
    instance, profile = parse_pabulib_from_string(text)
    assert instance.budget_limit == 100
    assert {(q.name, int(q.cost)) for q in instance} == {
        (str(p[t].pk), c) for t, c in [("Benches", 40), ("Trees", 30), ("Fountain", 30),
                                      ("Bike racks", 50)]}
    assert instance.meta["rule"] == "equalshares" and instance.meta["vote_type"] == "approval"
    assert instance.meta["max_length"] == "3" and instance.meta["currency"] == "EUR"
    read = sorted((Decimal(b.meta["weight"]), sorted(int(q.name) for q in b)) for b in profile)
    assert read == [(Decimal("1"), [p["Bike racks"].pk]),
                    (Decimal("2"), sorted([p["Benches"].pk, p["Trees"].pk]))]
    benches = instance.get_project(str(p["Benches"].pk))
    assert instance.project_meta[benches]["selected"] == "1"
    assert instance.project_meta[benches]["score"] == "2"
    assert "expert" not in text and "res" not in text.split("VOTES")[1]


def test_a_hostile_title_stays_one_field():
    made = budget_project_make(costs={"Benches; with\nnew line;VOTES": (40, None, WEST_POINT),
                                      "Trees": (30, None, EAST_POINT)})
    instance, profile = parse_pabulib_from_string(budget_pabulib(made.budgets[None]))
    assert len(instance) == 2 and profile.num_ballots() == 0


def test_a_districts_file_names_the_district_and_holds_only_its_options(voters):
    made = budget_project_make(city=None, districts={"D1": 100, "D2": 80}, costs={
        "West benches": (40, "D1", WEST_POINT), "East trees": (30, "D2", EAST_POINT)})
    ballot_submit(user=voters["resident"], budget=made.budgets["D2"],
                  proposal_ids=[made.proposals["East trees"].pk])
    instance, profile = parse_pabulib_from_string(budget_pabulib(made.budgets["D2"]))
    assert instance.meta["district"] == "District D2" and instance.budget_limit == 80
    assert [q.name for q in instance] == [str(made.proposals["East trees"].pk)]
    assert profile.num_ballots() == 1


def test_a_hidden_proposal_leaves_the_ballots_and_an_emptied_ballot_is_left_out(voters):
    made = budget_project_make()
    p = made.proposals
    ballot_submit(user=voters["resident"], budget=made.budgets[None],
                  proposal_ids=[p["Trees"].pk])
    ballot_submit(user=voters["expert"], budget=made.budgets[None],
                  proposal_ids=[p["Trees"].pk, p["Benches"].pk])
    p["Trees"].is_hidden, p["Trees"].hidden_reason = True, "Off topic."
    p["Trees"].save()
    profile = budget_profile(made.budgets[None])
    assert profile.ballots == [(Decimal("2.000"), [p["Benches"].pk])]
    assert p["Trees"].pk not in profile.costs
