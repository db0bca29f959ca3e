"""A citizen fills a participatory budget ballot: on a phone (map and list stacked, the
meter in sight and live, over budget flagged before sending and refused by the server
when sent anyway), with the keyboard alone, and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import ClaimStatus
from tests.budget_factories import budget_project_make
from tests.e2e.test_citizen_journey import log_in
from tests.factories import claim_make, role_make, user_make
from voting.budget_models import Ballot

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
COSTS = {"Benches": (40, None, (2.12, 41.40)), "Trees": (30, None, (2.19, 41.40)),
         "Fountain": (30, None, (2.15, 41.42)), "Bike racks": (50, None, (2.17, 41.38))}


def voter_and_project(name="rosa", **options):
    planner = user_make("planner", planner=True)
    resident = role_make("resident", "1", name="Resident")
    voter = user_make(name)
    claim_make(voter, resident, status=ClaimStatus.VERIFIED, decided_by=planner)
    made = budget_project_make(costs=COSTS, planner=planner, **options)
    return voter, made


def meter(page):
    return page.locator("[data-budget-meter]").first


@pytest.mark.quality("budget-ballot-phone")
@pytest.mark.allow_failed(r"^400 POST .*/projects/budget-now/budget/")
def test_a_citizen_fills_a_ballot_on_a_phone(new_page, transactional_db):
    voter, made = voter_and_project()
    page = new_page(**PHONE)
    log_in(page, voter.username)
    page.goto(f"/projects/{made.project.slug}/budget/")
    expect(meter(page)).to_contain_text("0 EUR of 100 EUR spent, 100 EUR left.")

    # Map above the list, both the phone's width.
    the_map = page.locator(".budget-map .leaflet-container").first
    the_list = page.locator(".budget-list").first
    expect(page.locator("path.budget-marker")).to_have_count(4)
    map_box, list_box = the_map.bounding_box(), the_list.bounding_box()
    assert map_box["y"] + map_box["height"] <= list_box["y"] + 1
    assert map_box["width"] > 300 and list_box["width"] > 300

    page.get_by_label("Benches").check()
    expect(meter(page)).to_contain_text("40 EUR of 100 EUR spent, 60 EUR left.")
    expect(meter(page)).to_contain_text("1 picked.")
    page.get_by_label("Trees").check()
    page.get_by_label("Bike racks").check()
    warning = meter(page).locator("[data-meter-warning]")
    expect(warning).to_have_text("Over budget by 20 EUR: take a proposal out.")
    expect(meter(page)).to_have_attribute("data-state", "over")
    expect(meter(page).locator("[aria-live=polite]")).to_be_attached()

    # Scrolled down to the last proposal, the meter is still in sight at the top.
    page.get_by_label("Bike racks").scroll_into_view_if_needed()
    page.mouse.wheel(0, 400)
    page.wait_for_timeout(200)
    box = meter(page).bounding_box()
    assert 0 <= box["y"] < 844 - box["height"], box

    # Sent anyway: the server refuses, says why, stores nothing; the choice stays.
    page.get_by_role("button", name="Save my ballot").click()
    expect(page.locator("[data-budget-errors]")).to_contain_text(
        "Your selection costs 120 EUR, over the budget of 100 EUR")
    assert not Ballot.objects.exists()
    expect(page.get_by_label("Bike racks")).to_be_checked()

    page.get_by_label("Trees").uncheck()
    expect(warning).to_have_text("")
    page.get_by_role("button", name="Save my ballot").click()
    expect(page.get_by_text("is stored. You can change it until voting closes.")).to_be_visible()
    ballot = Ballot.objects.get()
    assert sorted(ballot.proposals) == sorted(
        made.proposals[t].pk for t in ("Benches", "Bike racks"))

    # A marker's tap ticks its proposal in the list and says so in its popup.
    fountain = made.proposals["Fountain"]
    index = sorted(made.proposals.values(), key=lambda p: p.pk).index(fountain)
    page.locator("path.budget-marker").nth(index).dispatch_event("click")
    expect(page.get_by_label("Fountain")).to_be_checked()
    expect(page.locator(".leaflet-popup")).to_contain_text("Fountain")
    expect(page.locator(".leaflet-popup")).to_contain_text("On your ballot")
    expect(warning).to_have_text("Over budget by 20 EUR: take a proposal out.")


def test_a_ballot_filled_with_the_keyboard_alone(new_page, transactional_db):
    voter, made = voter_and_project(max_projects=2)
    page = new_page()
    log_in(page, voter.username)
    page.goto(f"/projects/{made.project.slug}/budget/")
    page.locator("h1").focus()
    boxes = page.locator("input[name=proposal]")
    expect(boxes).to_have_count(4)

    def tab_to(locator, limit=40):
        for _ in range(limit):
            page.keyboard.press("Tab")
            if locator.evaluate("el => el === document.activeElement"):
                return
        raise AssertionError("not reachable with Tab")

    # Every checkbox is reached with Tab, in the list's order; Space ticks it.
    for i in range(4):
        tab_to(boxes.nth(i))
    page.locator("h1").focus()
    tab_to(page.get_by_label("Trees"))
    page.keyboard.press("Space")
    tab_to(page.get_by_label("Fountain"))
    page.keyboard.press("Space")
    expect(meter(page)).to_contain_text("60 EUR of 100 EUR spent, 40 EUR left.")
    tab_to(page.get_by_label("Bike racks"))
    page.keyboard.press("Space")
    expect(meter(page).locator("[data-meter-warning]")).to_have_text(
        re.compile("Over budget by 10 EUR"))
    page.keyboard.press("Space")
    expect(meter(page).locator("[data-meter-warning]")).to_have_text("")
    tab_to(page.get_by_role("button", name="Save my ballot"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("is stored.")).to_be_visible()
    assert sorted(Ballot.objects.get().proposals) == sorted(
        made.proposals[t].pk for t in ("Trees", "Fountain"))


def test_the_ballot_works_without_javascript(new_page, transactional_db):
    voter, made = voter_and_project()
    page = new_page(java_script_enabled=False)
    log_in(page, voter.username)
    page.goto(f"/projects/{made.project.slug}/budget/")
    page.get_by_label("Benches").check()
    page.get_by_role("button", name="Save my ballot").click()
    expect(page.get_by_text("is stored.")).to_be_visible()
    expect(page.get_by_label("Benches")).to_be_checked()
    expect(meter(page)).to_contain_text("40 EUR of 100 EUR spent, 60 EUR left.")
    assert Ballot.objects.get().proposals == [made.proposals["Benches"].pk]
