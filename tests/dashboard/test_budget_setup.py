"""A project's participatory budget on the dashboard: the voting method, a budget for
the city and per district, the ballot's limits and the official rule; its assessors;
frozen once voting has opened; every change in the audit log."""

import re

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from municipalities.models import Area, AreaLevel
from tests.area_factories import grid_import
from tests.budget_factories import budget_project_make
from tests.factories import project_make, user_make
from voting.budget_models import Assessor, Budget, BudgetRule, VotingMethod
from voting.models import ProjectVoting

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, planner):
    client.force_login(planner)
    return client


def _url(project) -> str:
    return reverse("dashboard:project-budget", args=[project.slug])


def _district(code: str) -> Area:
    return Area.objects.get(level=AreaLevel.DISTRICT, code=code)


def _form(**extra) -> dict:
    data = {"method": VotingMethod.BUDGET, "city": "", "min_projects": "1",
            "max_projects": "", "currency": "EUR", "rule": BudgetRule.EQUAL_SHARES,
            "reason": "", "save": "1"}
    data.update(extra)
    return data


def test_a_planner_sets_a_budget_per_district(desk, planner):
    grid_import(2, 1)
    project = project_make()
    d1, d2 = _district("D1"), _district("D2")
    page = desk.get(_url(project)).content.decode()
    assert f'name="area_{d1.pk}"' in page and f'name="area_{d2.pk}"' in page
    response = desk.post(_url(project), _form(**{
        f"area_{d1.pk}": "150000", f"area_{d2.pk}": "90000", "max_projects": "5",
        "currency": "eur", "rule": BudgetRule.GREEDY, "reason": "Next year's works."}))
    assert response.status_code == 302
    assert dict(Budget.objects.filter(project=project).values_list("area_id", "amount")) == {
        d1.pk: 150000, d2.pk: 90000}
    rules = ProjectVoting.objects.get(project=project)
    assert (rules.method, rules.currency, rules.max_projects, rules.budget_rule) == (
        VotingMethod.BUDGET, "EUR", 5, BudgetRule.GREEDY)
    entry = AuditEntry.objects.get(action=AuditAction.BUDGET_SET)
    assert entry.actor_id == planner.pk and entry.reason == "Next year's works."
    assert entry.project_id == project.pk
    # Shown again as saved.
    page = desk.get(_url(project)).content.decode()
    assert re.search(rf'name="area_{d1.pk}" value="150000"', page)


def test_the_whole_city_budget_and_a_change_of_districts(desk):
    grid_import(2, 1)
    project = project_make()
    d1 = _district("D1")
    desk.post(_url(project), _form(**{f"area_{d1.pk}": "100"}))
    assert desk.post(_url(project), _form(city="500")).status_code == 302
    assert dict(Budget.objects.filter(project=project).values_list("area_id", "amount")) == {
        None: 500}


def test_a_project_for_one_district_is_offered_that_districts_budget(desk):
    grid_import(2, 2)
    d1, d2 = _district("D1"), _district("D2")
    project = project_make(scope_area=d1)
    page = desk.get(_url(project)).content.decode()
    assert f'name="area_{d1.pk}"' in page
    assert f'name="area_{d2.pk}"' not in page
    for hood in Area.objects.filter(parent=d1):  # and its neighbourhoods
        assert f'name="area_{hood.pk}"' in page


@pytest.mark.parametrize(("extra", "message"), [
    ({"min_projects": "3", "max_projects": "2", "city": "100"},
     "The most proposals a ballot may pick is at least the fewest."),
    ({}, "A budget vote needs at least one budget."),
    ({"city": "0"}, "Ensure this value is greater than or equal to 1."),
    ({"city": "12.5"}, "Enter a whole number."),
    ({"city": "100", "currency": "€"}, "A three-letter code, such as EUR."),
])
def test_errors_are_shown_on_the_form_and_nothing_is_saved(desk, extra, message):
    project = project_make()
    response = desk.post(_url(project), _form(**extra))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Budget.objects.filter(project=project).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.BUDGET_SET).exists()


def test_once_voting_has_opened_only_the_official_rule_changes(client):
    made = budget_project_make(phase="voting", city=100)
    client.force_login(made.planner)
    page = client.get(_url(made.project)).content.decode()
    assert "Voting has opened" in page
    assert re.search(r'<input[^>]*name="city"[^>]*disabled', page)
    assert not re.search(r'<input[^>]*name="rule"[^>]*disabled', page)
    response = client.post(_url(made.project), _form(city="999999", rule=BudgetRule.GREEDY,
                                                     method=VotingMethod.VOTES))
    assert response.status_code == 302
    assert Budget.objects.get(project=made.project).amount == 100
    rules = ProjectVoting.objects.get(project=made.project)
    assert (rules.method, rules.budget_rule) == (VotingMethod.BUDGET, BudgetRule.GREEDY)


def test_area_names_are_escaped(desk):
    grid_import(1, 1)
    Area.objects.filter(level=AreaLevel.DISTRICT).update(name="<b>Sants</b>")
    page = desk.get(_url(project_make())).content.decode()
    assert "&lt;b&gt;Sants&lt;/b&gt;" in page and "<b>Sants" not in page


# ------------------------------------------------------------------------ assessors


def _assessors_url(project) -> str:
    return reverse("dashboard:project-assessors", args=[project.slug])


def test_a_planner_adds_an_assessor_by_e_mail_and_removes_them(desk, planner):
    project = project_make()
    expert = user_make("expert-eva", display_name="<i>Eva</i>")
    response = desk.post(_assessors_url(project), {"who": "EXPERT-EVA@example.org"})
    assert response.status_code == 302 and response["Location"].endswith("#assessors")
    assert list(Assessor.objects.values_list("user", flat=True)) == [expert.pk]
    entry = AuditEntry.objects.get(action=AuditAction.BUDGET_ASSESSORS)
    assert entry.details["assessors"] == [[], ["expert-eva"]]
    page = desk.get(_url(project)).content.decode()
    assert "&lt;i&gt;Eva&lt;/i&gt;" in page and "<i>Eva" not in page
    desk.post(_assessors_url(project), {"who": "expert-eva"})  # again: still one, no entry
    assert Assessor.objects.count() == 1
    assert desk.post(_assessors_url(project), {"remove": str(expert.pk)}).status_code == 302
    assert not Assessor.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.BUDGET_ASSESSORS).count() == 2


def test_an_unknown_assessor_is_an_error_on_the_form(desk):
    project = project_make()
    user_make("expert-eva")
    response = desk.post(_assessors_url(project), {"who": "expert"})  # no partial match
    assert response.status_code == 400
    assert "No one has that username or e-mail address." in response.content.decode()
    assert not Assessor.objects.exists()
