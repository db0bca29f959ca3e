"""The proposals' assessments on the dashboard: cost, feasibility (with the public
reason) and the budget each competes in, by planners and by the project's assessors;
filters and totals per budget; frozen once voting has opened; every change logged."""

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from tests.budget_factories import EAST_POINT, WEST_POINT, budget_project_make
from tests.factories import proposal_make, user_make
from voting.budget_models import Assessment, Assessor, Feasibility

pytestmark = pytest.mark.django_db


def _list(project) -> str:
    return reverse("dashboard:project-assessments", args=[project.slug])


def _page(proposal) -> str:
    return reverse("dashboard:proposal-assessment", args=[proposal.pk])


def _point(lon_lat) -> dict:
    return {"type": "Point", "coordinates": list(lon_lat)}


@pytest.fixture
def made():
    """Ideation: a city budget of 100 and districts D1 (60) and D2 (50), with two
    assessed proposals; then two proposals nobody has assessed, one in each district."""
    made = budget_project_make(phase="ideation", city=100, districts={"D1": 60, "D2": 50},
                               costs={"Benches": (40, "D1", WEST_POINT),
                                      "Trees": (30, None, EAST_POINT)})
    made.fountain = proposal_make(made.project, made.author, title="Fountain",
                                  geometry=_point(WEST_POINT))
    made.racks = proposal_make(made.project, made.author, title="<script>alert(1)</script>",
                               geometry=_point(EAST_POINT))
    return made


def _form(proposal, **values) -> dict:
    data = {"cost": "", "feasibility": "pending", "unfeasible_reason": "", "budget": ""}
    data.update(values)
    return {f"p{proposal.pk}-{key}": value for key, value in data.items()}


def test_the_list_shows_each_proposal_with_the_budget_it_competes_in(client, made):
    client.force_login(made.planner)
    page = client.get(_list(made.project)).content.decode()
    for title in ("Benches", "Trees", "Fountain"):
        assert title in page
    # Not assessed yet: its district's budget, suggested.
    card = page.split(f'id="proposal-{made.fountain.pk}"')[1].split("</li>")[0]
    assert "Budget: District D1 (suggested)" in card
    assert (f'<option value="{made.budgets["D1"].pk}" selected>District D1</option>'
            in card)
    # A proposal in D1 may compete in the city's budget or D1's, never D2's.
    assert f'<option value="{made.budgets["D2"].pk}"' not in card


def test_an_assessor_gives_a_cost_and_it_is_logged(client, made):
    expert = user_make("expert-eva")
    Assessor.objects.create(project=made.project, user=expert)
    client.force_login(expert)
    back = _list(made.project) + "?feasibility=pending"
    response = client.post(_page(made.fountain), {
        **_form(made.fountain, cost="25000", feasibility="feasible",
                budget=made.budgets["D1"].pk),
        "next": back + f"#proposal-{made.fountain.pk}"})
    assert response.status_code == 302
    assert response["Location"] == back + f"#proposal-{made.fountain.pk}"
    assessment = Assessment.objects.get(proposal=made.fountain)
    assert (assessment.cost, assessment.feasibility, assessment.budget) == (
        25000, Feasibility.FEASIBLE, made.budgets["D1"])
    entry = AuditEntry.objects.get(action=AuditAction.PROPOSAL_ASSESS)
    assert entry.actor_id == expert.pk and entry.target_id == made.fountain.pk
    assert entry.details["after"]["cost"] == 25000


def test_an_unfeasible_proposal_needs_its_public_reason(client, made):
    client.force_login(made.planner)
    response = client.post(_page(made.fountain), _form(made.fountain, feasibility="unfeasible"))
    assert response.status_code == 400
    assert "Say why the proposal cannot be done: the reason is published." in (
        response.content.decode())
    assert not Assessment.objects.filter(proposal=made.fountain).exists()
    response = client.post(_page(made.fountain), _form(
        made.fountain, feasibility="unfeasible", unfeasible_reason="The square is <listed>."))
    assert response.status_code == 302
    page = client.get(_list(made.project) + "?feasibility=unfeasible").content.decode()
    assert "The square is &lt;listed&gt;." in page
    assert "Benches" not in page  # feasible: filtered out


def test_another_districts_budget_and_a_bad_cost_are_refused(client, made):
    client.force_login(made.planner)
    for values in ({"budget": made.budgets["D2"].pk}, {"cost": "-5"}, {"cost": "ten"}):
        response = client.post(_page(made.fountain), _form(made.fountain, **values))
        assert response.status_code == 400, values
    assert not Assessment.objects.filter(proposal=made.fountain).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.PROPOSAL_ASSESS).exists()


def test_filters_by_budget_and_totals_per_budget(client, made):
    client.force_login(made.planner)
    city, d1 = made.budgets[None], made.budgets["D1"]
    page = client.get(_list(made.project) + f"?budget={city.pk}").content.decode()
    assert "Trees" in page and "Benches" not in page and "Fountain" not in page
    page = client.get(_list(made.project) + f"?budget={d1.pk}").content.decode()
    assert "Benches" in page and "Fountain" in page and "Trees" not in page
    totals = page.split('id="totals-heading"')[1].split("</table>")[0]
    rows = {row.split("</th>")[0].rsplit(">", 1)[1]: row for row in totals.split('<tr><th')[1:]}
    assert "40 EUR" in rows["District D1"] and "60 EUR" in rows["District D1"]
    assert "30 EUR" in rows["Whole city"]


def test_titles_are_escaped(client, made):
    client.force_login(made.planner)
    page = client.get(_list(made.project)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    page = client.get(_page(made.racks)).content.decode()
    assert "<script>alert(1)</script>" not in page


def test_once_voting_has_opened_assessments_are_frozen(client):
    made = budget_project_make(phase="voting")
    benches = made.proposals["Benches"]
    client.force_login(made.planner)
    page = client.get(_page(benches)).content.decode()
    assert "costs and feasibility are frozen" in page
    assert "Save the assessment" not in page
    response = client.post(_page(benches), _form(benches, cost="1", feasibility="unfeasible",
                                                 unfeasible_reason="Too late."))
    assert response.status_code == 400
    assert Assessment.objects.get(proposal=benches).cost == 40


def test_the_audit_page_names_the_new_actions(client, made):
    client.force_login(made.planner)
    client.post(_page(made.fountain), _form(made.fountain, cost="10", feasibility="feasible"))
    page = client.get(reverse("dashboard:audit")).content.decode()
    assert "Proposal&#x27;s cost or feasibility assessed" in page
    assert "Fountain" in page
    assert "cost 10" in page
    page = client.get(reverse("dashboard:audit"), HTTP_ACCEPT_LANGUAGE="ca").content.decode()
    assert "Cost o viabilitat d&#x27;una proposta avaluats" in page


def test_a_long_list_is_paged_and_a_row_brings_back_to_its_page(client, made):
    for n in range(30):
        proposal_make(made.project, made.author, title=f"Idea {n:02d}",
                      geometry=_point(EAST_POINT))
    client.force_login(made.planner)
    first = client.get(_list(made.project)).content.decode()
    assert "Page 1 of 2" in first and "Idea 29" not in first
    second = client.get(_list(made.project) + "?feasibility=pending&page=2").content.decode()
    idea = made.project.proposals.get(title="Idea 29")  # the last, on the second page
    assert (f'name="next" value="{_list(made.project)}?feasibility=pending&amp;page=2'
            f'#proposal-{idea.pk}"') in second
