"""The budget pages: the ballot (who sees what, refusals shown with nothing stored, the
stored ballot ticked, changed and withdrawn), the results (visibility, both rules, the
effect of weights, provisional), the assessment on the proposal page and the ballot
link in place of the vote boxes."""

from datetime import timedelta
from html import escape

import pytest
from django.urls import reverse
from django.utils import timezone

from municipalities.models import Municipality
from tests.budget_factories import EAST_POINT, WEST_POINT, budget_project_make
from tests.factories import PASSWORD
from tests.permission_walk.towns import planner_make
from voting.budget_models import Ballot, BudgetOutcome, Feasibility
from voting.budget_services import ballot_submit
from voting.models import ProjectVoting

pytestmark = pytest.mark.django_db
HOSTILE = '<img src=x onerror="alert(1)">Benches & "trees"'


def page(made):
    return reverse("voting:budget", args=[made.project.slug])


def logged(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def ids(made, *titles):
    return [made.proposals[t].pk for t in titles]


def post(client, made, *titles, budget=None, **extra):
    budget = budget or made.budgets[None]
    return client.post(page(made), {"budget": budget.pk,
                                    "proposal": [str(pk) for pk in ids(made, *titles)],
                                    **extra})


# ------------------------------------------------------------------------ who sees what

def test_an_anonymous_visitor_sees_the_options_and_a_log_in_link(client, voters):
    made = budget_project_make()
    body = client.get(page(made)).content.decode()
    for title in made.proposals:
        assert title in body
    assert "40 EUR" in body and "100 EUR" in body
    assert reverse("account_login") in body and 'type="checkbox"' not in body


def test_an_anonymous_post_is_sent_to_log_in_and_stores_nothing(client, voters):
    made = budget_project_make()
    answer = post(client, made, "Trees")
    assert answer.status_code == 302 and reverse("account_login") in answer["Location"]
    assert not Ballot.objects.exists()


def test_a_voter_without_a_verified_role_sees_why_and_cannot_store(client, voters):
    made = budget_project_make()
    logged(client, voters["nobody"])
    body = client.get(page(made)).content.decode()
    assert "only participants with a verified stakeholder role may vote" in body
    assert 'type="checkbox"' not in body
    answer = post(client, made, "Trees")
    assert answer.status_code == 403
    assert "verified stakeholder role" in answer.content.decode()
    assert not Ballot.objects.exists()


def test_a_verified_voter_fills_changes_and_withdraws_the_ballot(client, voters):
    made = budget_project_make()
    logged(client, voters["expert"])
    body = client.get(page(made)).content.decode()
    assert body.count('type="checkbox"') == 4 and "weight <strong>2</strong>" in body
    answer = post(client, made, "Benches", "Trees")
    assert answer.status_code == 302
    assert sorted(Ballot.objects.get().proposals) == sorted(ids(made, "Benches", "Trees"))
    body = client.get(page(made)).content.decode()
    for title, ticked in (("Benches", True), ("Trees", True), ("Fountain", False)):
        pk = made.proposals[title].pk
        tag = body.split(f'id="pick-{made.budgets[None].pk}-{pk}"')[1].split(">")[0]
        assert (" checked" in tag) == ticked, title
    assert "70 EUR of 100 EUR spent, 30 EUR left." in body
    post(client, made, "Bike racks")
    assert Ballot.objects.get().proposals == ids(made, "Bike racks")
    post(client, made, action="withdraw")
    assert not Ballot.objects.exists()


def test_a_planner_without_a_role_sees_the_page_and_why_they_cannot_vote(client, voters):
    made = budget_project_make()
    logged(client, made.planner)
    body = client.get(page(made)).content.decode()
    assert "Benches" in body and "verified stakeholder role" in body


def test_a_project_that_does_not_vote_with_a_budget_has_no_ballot_page(client, voters):
    from tests.factories import project_make
    project = project_make("plain-vote", phase="voting")
    assert client.get(reverse("voting:budget", args=[project.slug])).status_code == 404


def test_another_municipality_does_not_serve_the_page(client, voters):
    made = budget_project_make()
    Municipality.objects.create(slug="b-town", name="B town")
    assert client.get(f"/b-town{page(made)}").status_code == 404


def test_a_closed_vote_shows_the_options_without_a_form(client, voters):
    made = budget_project_make(phase="decision")
    logged(client, voters["resident"])
    body = client.get(page(made)).content.decode()
    assert "only while the voting phase is open" in body and 'type="checkbox"' not in body


# ------------------------------------------------------------------ refusals, escaping

def test_over_budget_is_refused_on_the_page_and_nothing_is_stored(client, voters):
    made = budget_project_make()
    logged(client, voters["resident"])
    answer = post(client, made, "Benches", "Trees", "Bike racks")
    body = answer.content.decode()
    assert answer.status_code == 400
    assert "120 EUR, over the budget of 100 EUR" in body
    assert "Over budget by 20 EUR" in body  # the meter, from the server too
    assert body.count(" checked") == 3  # what the voter tried stays ticked
    assert not Ballot.objects.exists()


def test_a_refused_change_keeps_the_stored_ballot(client, voters):
    made = budget_project_make(max_projects=2)
    logged(client, voters["resident"])
    post(client, made, "Trees")
    answer = post(client, made, "Trees", "Fountain", "Benches")
    assert answer.status_code == 400 and "Pick between 1 and 2 proposals" in (
        answer.content.decode())
    assert Ballot.objects.get().proposals == ids(made, "Trees")


def test_another_districts_budget_is_refused_with_the_services_message(client, voters):
    made = budget_project_make(city=None, districts={"D1": 100, "D2": 100}, costs={
        "West benches": (40, "D1", WEST_POINT), "East trees": (30, "D2", EAST_POINT)})
    logged(client, voters["resident"])
    body = client.get(page(made)).content.decode()
    assert "District D1" in body and "District D2" in body and "West benches" not in body
    d1, d2 = made.budgets["D1"], made.budgets["D2"]
    assert "West benches" in client.get(f"{page(made)}?district={d1.pk}").content.decode()
    post(client, made, "West benches", budget=d1)
    # The voter's district is shown by default; another one says the rule before trying.
    assert "West benches" in client.get(page(made)).content.decode()
    other = client.get(f"{page(made)}?district={d2.pk}").content.decode()
    assert "one district&#x27;s budget per voter" in other
    answer = post(client, made, "East trees", budget=d2)
    assert answer.status_code == 400 and "already voted in the budget of District D1" in (
        answer.content.decode())
    assert Ballot.objects.get().budget == d1


def test_a_budget_of_another_project_is_not_found(client, voters):
    made = budget_project_make()
    other = budget_project_make("other-budget")
    logged(client, voters["resident"])
    answer = post(client, made, budget=other.budgets[None])
    assert answer.status_code == 404 and not Ballot.objects.exists()


def test_hostile_titles_are_escaped_on_the_ballot_and_in_the_map_data(client, voters):
    made = budget_project_make(costs={HOSTILE: (40, None, WEST_POINT)})
    logged(client, voters["resident"])
    body = client.get(page(made)).content.decode()
    assert HOSTILE not in body and "<img src=x" not in body
    assert escape(HOSTILE) in body  # the list
    assert "\\u003Cimg src=x" in body  # the map's data, read with textContent


# ---------------------------------------------------------------------------- results

def outcome(budget, rule, funded, *, equal=False, final=False, spent=0, ballots=3):
    return BudgetOutcome.objects.create(
        budget=budget, rule=rule, equal_weights=equal, funded=funded, spent=spent,
        ballots=ballots, total_weight=ballots, final=final, computed_at=timezone.now(),
        details={str(pk): {"score": "3", "voters": 2} for pk in funded})


def public(made):
    ProjectVoting.objects.filter(project=made.project).update(results_public=True)


def results(made):
    return reverse("voting:results", args=[made.project.slug])


def test_results_follow_todays_visibility_rule(client, voters):
    made = budget_project_make()
    assert client.get(results(made)).status_code == 404
    logged(client, voters["resident"])
    assert client.get(results(made)).status_code == 404
    logged(client, made.planner)
    assert client.get(results(made)).status_code == 200
    client.logout()
    stranger = planner_make("b-planner", municipality=Municipality.objects.create(
        slug="b-town", name="B town"))
    logged(client, stranger)
    assert client.get(results(made)).status_code == 404
    public(made)
    client.logout()
    assert client.get(results(made)).status_code == 200


def test_no_outcome_yet_is_said(client, voters):
    made = budget_project_make()
    public(made)
    body = client.get(results(made)).content.decode()
    assert "No outcome has been computed for this budget yet." in body


def test_both_rules_side_by_side_with_the_effect_of_weights(client, voters):
    made = budget_project_make()
    ProjectVoting.objects.filter(project=made.project).update(results_public=True,
                                                              budget_rule="greedy")
    city = made.budgets[None]
    outcome(city, "greedy", ids(made, "Bike racks", "Benches"), spent=90)
    outcome(city, "greedy", ids(made, "Bike racks", "Trees"), equal=True, spent=80)
    outcome(city, "equalshares", ids(made, "Trees", "Fountain", "Benches"), spent=100)
    outcome(city, "equalshares", ids(made, "Trees", "Fountain", "Benches"), equal=True,
            spent=100)
    body = client.get(results(made)).content.decode()
    greedy, shares = body.split(f'id="rule-{city.pk}-greedy"')[1].split(
        f'id="rule-{city.pk}-equalshares"')
    assert "Official rule" in greedy and "Official rule" not in shares.split("</section>")[0]
    assert "Spends 90 EUR of 100 EUR" in greedy and "Spends 100 EUR" in shares
    assert "Funded because of the weights: Benches" in greedy
    assert "Funded only with equal weights: Trees" in greedy
    assert "Equal weights would have funded the same proposals." in shares
    assert "Provisional." in body and "3 ballots." in body
    assert 'class="changed"' in body


def test_a_final_outcome_after_voting_is_not_provisional(client, voters):
    made = budget_project_make(phase="decision")
    public(made)
    outcome(made.budgets[None], "equalshares", ids(made, "Trees"), final=True, spent=30)
    body = client.get(results(made)).content.decode()
    assert "Provisional" not in body and "Final outcome." in body


def test_results_are_per_district(client, voters):
    made = budget_project_make(city=None, districts={"D1": 100, "D2": 70}, costs={
        "West benches": (40, "D1", WEST_POINT), "East trees": (30, "D2", EAST_POINT)})
    public(made)
    outcome(made.budgets["D1"], "equalshares", ids(made, "West benches"), spent=40)
    body = client.get(results(made)).content.decode()
    d1 = body.split("Budget of District D1")[1].split("Budget of District D2")[0]
    assert "Spends 40 EUR of 100 EUR" in d1
    assert "No outcome has been computed for this budget yet." in body.split(
        "Budget of District D2")[1]


def test_results_escape_hostile_titles(client, voters):
    made = budget_project_make(costs={HOSTILE: (40, None, WEST_POINT)})
    public(made)
    outcome(made.budgets[None], "equalshares", ids(made, HOSTILE), spent=40)
    body = client.get(results(made)).content.decode()
    assert HOSTILE not in body and "<img src=x" not in body and escape(HOSTILE) in body


# -------------------------------------------------------------- proposal and project page

def test_the_assessment_is_public_with_the_reason_of_an_unfeasible_one(client, voters):
    made = budget_project_make(city=None, districts={"D1": 100}, costs={
        "West benches": (1234, "D1", WEST_POINT)}, phase="ideation")
    proposal = made.proposals["West benches"]
    body = client.get(reverse("proposals:proposal", args=[proposal.pk])).content.decode()
    assert "1,234 EUR" in body and "Feasible" in body and "In the budget of District D1." in body
    proposal.assessment.feasibility = Feasibility.UNFEASIBLE
    proposal.assessment.unfeasible_reason = "<b>Under a listed building</b>"
    proposal.assessment.save()
    body = client.get(reverse("proposals:proposal", args=[proposal.pk])).content.decode()
    assert "Unfeasible" in body and "&lt;b&gt;Under a listed building&lt;/b&gt;" in body


def test_the_project_and_proposal_pages_link_the_ballot_instead_of_vote_boxes(client, voters):
    made = budget_project_make()
    logged(client, voters["resident"])
    for url in (reverse("proposals:project", args=[made.project.slug]),
                reverse("proposals:proposal", args=[made.proposals["Trees"].pk])):
        body = client.get(url).content.decode()
        assert "Fill your ballot" in body and page(made) in body, url
        assert 'value="support"' not in body, url


def test_a_stored_ballot_stays_after_the_vote_closes_and_is_shown(client, voters):
    made = budget_project_make()
    ballot_submit(user=voters["resident"], budget=made.budgets[None],
                  proposal_ids=ids(made, "Trees"))
    made.project.phases.filter(kind="voting").update(
        ends_at=timezone.now() - timedelta(seconds=1))
    logged(client, voters["resident"])
    answer = post(client, made, "Benches")
    assert answer.status_code == 403 and Ballot.objects.get().proposals == ids(made, "Trees")
