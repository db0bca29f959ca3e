"""A planner, on a phone and with the keyboard alone, makes a project a participatory
budget with a budget per district, then assesses a proposal."""

import pytest
from playwright.sync_api import expect

from municipalities.models import Area, AreaLevel
from tests.area_factories import grid_import
from tests.budget_factories import WEST_POINT
from tests.e2e.test_citizen_journey import log_in
from tests.e2e.test_dashboard_setup import shot
from tests.factories import project_make, proposal_make, user_make
from voting.budget_models import Assessment, Budget, Feasibility

pytestmark = pytest.mark.browser


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_a_planner_sets_a_budget_per_district_and_assesses_with_the_keyboard(
        new_page, transactional_db):
    planner = user_make("planner", planner=True)
    grid_import(2, 1)
    project = project_make("budget-e2e", phase="ideation")
    fountain = proposal_make(project, user_make("author"), title="Fountain",
                             geometry={"type": "Point", "coordinates": list(WEST_POINT)})
    d1, d2 = (Area.objects.get(level=AreaLevel.DISTRICT, code=c) for c in ("D1", "D2"))
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(page, planner.username)

    page.goto(f"/dashboard/projects/{project.slug}/budget/")
    _no_sideways_scroll(page)
    page.get_by_label("Participatory budget: pick projects within a budget").focus()
    page.keyboard.press("Space")
    page.get_by_label("District D1").focus()
    page.keyboard.type("150000")
    page.keyboard.press("Tab")  # to D1's neighbourhood, then to District D2
    while page.evaluate("document.activeElement.name") != f"area_{d2.pk}":
        page.keyboard.press("Tab")
    page.keyboard.type("90000")
    page.keyboard.press("Enter")  # sends the form, as its first button would
    expect(page.get_by_text("The participatory budget is saved.")).to_be_visible()
    shot(page, "dashboard-budget-phone.png")
    assert dict(Budget.objects.filter(project=project).values_list("area_id", "amount")) == {
        d1.pk: 150000, d2.pk: 90000}

    page.get_by_role("link", name="Assessments: the proposals' costs and feasibility").focus()
    page.keyboard.press("Enter")
    card = page.locator(f"#proposal-{fountain.pk}")
    expect(card).to_contain_text("Budget: District D1 (suggested)")
    _no_sideways_scroll(page)
    card.get_by_label("Cost").focus()
    page.keyboard.type("25000")
    for _step in range(12):  # on to the feasibility's radios, then to the save button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == f"p{fountain.pk}-feasibility":
            break
    page.keyboard.press("ArrowDown")  # "Not assessed yet" → "Feasible"
    for _step in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "submit":
            break
    shot(page, "dashboard-assessment-phone.png")
    page.keyboard.press("Enter")
    expect(page.get_by_text("The assessment of “Fountain” is saved.")).to_be_visible()
    expect(page.locator(f"#proposal-{fountain.pk}")).to_contain_text("25,000 EUR")
    assessment = Assessment.objects.get(proposal=fountain)
    assert (assessment.cost, assessment.feasibility, assessment.budget.area_id) == (
        25000, Feasibility.FEASIBLE, d1.pk)
