"""The project page's map and list share one state, kept in the URL, and a voter votes
from the list: with JavaScript (in place) and without it (plain forms), on a desktop and
on a phone."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import ClaimStatus
from tests.e2e.test_citizen_journey import log_in
from tests.factories import claim_make, project_make, proposal_make, role_make, user_make
from voting.models import Vote

pytestmark = pytest.mark.browser
DESKTOP = {"viewport": {"width": 1200, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
CENTRE = [2.16, 41.40]  # the middle of the factories' project area
EDGES = [[2.105, 41.355], [2.215, 41.445], [2.105, 41.445]]


def point(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


def six_proposals(project):
    """Three near the middle of the area (two about mobility), three at its edges."""
    author = user_make("author")
    near = [proposal_make(project, author, title=f"Near {i}", geometry=point(
        CENTRE[0] + i * 0.0005, CENTRE[1]), category="mobility" if i else "green")
        for i in range(3)]
    far = [proposal_make(project, author, title=f"Far {i}", geometry=point(*where))
           for i, where in enumerate(EDGES)]
    return near, far


def show_map(page):
    toggle = page.get_by_role("button", name="Show the map")
    if toggle.is_visible():
        toggle.click()


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_filter_changes_the_map_and_the_list_together_and_the_url_keeps_it(
        new_page, transactional_db, device):
    project = project_make("gracia")
    six_proposals(project)
    page = new_page(**device)
    page.goto(f"/projects/{project.slug}/")
    count = page.locator("[data-list-count]")
    expect(count).to_have_text("6 of 6 proposals")
    show_map(page)
    expect(page.locator("#map")).to_have_attribute("data-loaded", "6")

    page.get_by_label("Category").select_option("mobility")
    expect(page.locator("#map")).to_have_attribute("data-loaded", "2")
    expect(count).to_have_text("2 of 6 proposals")
    expect(page.locator(".proposal-list > li")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"[?&]category=mobility"))
    assert count.get_attribute("role") == "status"  # read out when it changes

    page.reload()
    expect(page.get_by_label("Category")).to_have_value("mobility")
    expect(count).to_have_text("2 of 6 proposals")
    show_map(page)
    expect(page.locator("#map")).to_have_attribute("data-loaded", "2")

    page.go_back()  # the page before the filter, without it
    expect(page.get_by_label("Category")).to_have_value("")
    expect(count).to_have_text("6 of 6 proposals")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_moving_the_map_narrows_the_list_and_a_reload_keeps_the_view(
        new_page, transactional_db, device):
    project = project_make("sants")
    six_proposals(project)
    page = new_page(**device)
    page.goto(f"/projects/{project.slug}/")
    show_map(page)
    expect(page.locator("#map")).to_have_attribute("data-loaded", "6")
    for _ in range(3):  # around the middle of the area, away from its edges
        page.locator(".leaflet-control-zoom-in").click()
        page.wait_for_timeout(400)
    expect(page.locator("#map")).to_have_attribute("data-loaded", "3")
    expect(page).to_have_url(re.compile(r"[?&]bbox="))
    count = page.locator("[data-list-count]")
    expect(count).to_have_text("3 of 6 proposals, in the map's view")
    url = page.url

    page.reload()
    expect(count).to_have_text("3 of 6 proposals, in the map's view")
    show_map(page)
    expect(page.locator("#map")).to_have_attribute("data-loaded", "3")
    expect(page).to_have_url(url)  # restoring the view does not move it

    # The list may leave the map's view: a clear box, heard at once.
    if device is PHONE:
        page.get_by_role("button", name="Show the list").click()
    page.get_by_label("Only what is on the map").uncheck()
    expect(count).to_have_text("6 of 6 proposals")
    expect(page).to_have_url(re.compile(r"[?&]in_view=0"))


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_voter_votes_on_two_proposals_from_the_list(new_page, transactional_db, device):
    planner = user_make("planner", planner=True)
    resident = role_make("resident", "1", name="Resident")
    project = project_make("sant-antoni", phase="voting")
    author = user_make("author")
    shade, bays, _ = [proposal_make(project, author, title=title)
                      for title in ("Shade trees", "Loading bays", "Bike lane")]
    rosa = user_make("rosa")
    claim_make(rosa, resident, status=ClaimStatus.VERIFIED, decided_by=planner)
    page = new_page(**device)
    log_in(page, "rosa")
    page.goto(f"/projects/{project.slug}/")
    expect(page.get_by_text("You voted on 0 of 3 proposals.")).to_be_attached()

    def choice(proposal, name):
        return page.locator(f"#p-{proposal.pk}").get_by_role("button", name=name, exact=True)

    choice(shade, "Support").click()
    expect(choice(shade, "Support")).to_have_attribute("aria-pressed", "true")
    expect(choice(shade, "Support")).to_be_focused()  # focus stays where it was
    choice(bays, "Oppose").focus()  # by keyboard too
    page.keyboard.press("Enter")
    expect(choice(bays, "Oppose")).to_have_attribute("aria-pressed", "true")
    expect(choice(bays, "Oppose")).to_be_focused()
    expect(choice(bays, "Support")).to_have_attribute("aria-pressed", "false")
    expect(page.get_by_text("You voted on 2 of 3 proposals.")).to_be_attached()
    expect(page.locator("[data-vote-status]")).to_contain_text("Your vote (oppose)")

    page.reload()
    expect(choice(shade, "Support")).to_have_attribute("aria-pressed", "true")
    expect(choice(bays, "Oppose")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_text("You voted on 2 of 3 proposals.")).to_be_attached()


def test_without_javascript_filtering_and_voting_from_the_list_still_work(
        new_page, transactional_db):
    planner = user_make("planner", planner=True)
    resident = role_make("resident", "1", name="Resident")
    project = project_make("poblenou", phase="voting")
    near, _ = six_proposals(project)
    rosa = user_make("rosa")
    claim_make(rosa, resident, status=ClaimStatus.VERIFIED, decided_by=planner)
    page = new_page(java_script_enabled=False, **PHONE)
    log_in(page, "rosa")
    page.goto(f"/projects/{project.slug}/")
    page.get_by_label("Category").select_option("mobility")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"[?&]category=mobility"))
    expect(page.locator("[data-list-count]")).to_have_text("2 of 6 proposals")

    card = page.locator(f"#p-{near[1].pk}")
    card.get_by_role("button", name="Abstain", exact=True).click()
    expect(page.get_by_text("Your vote (abstain)")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"[?&]category=mobility.*#p-{near[1].pk}$"))
    expect(page.locator("[data-list-count]")).to_have_text("2 of 6 proposals")
    expect(card.get_by_role("button", name="Abstain", exact=True)).to_have_attribute(
        "aria-pressed", "true")
    expect(page.get_by_text("You voted on 1 of 6 proposals.")).to_be_attached()


def three_supported(project_slug):
    """Three proposals whose newest is the least supported: the two orders disagree."""
    resident = role_make("resident", "1", name="Resident")
    project = project_make(project_slug, phase="voting")
    author = user_make("author")
    made = [proposal_make(project, author, title=title)
            for title in ("Well liked", "Liked", "Unknown yet")]
    for proposal, supporters in zip(made, (3, 1, 0), strict=True):
        for _ in range(supporters):
            Vote.objects.create(proposal=proposal, user=user_make(), value=1, weight=1,
                                role=resident)
    return project


NEWEST = ["Unknown yet", "Liked", "Well liked"]
SUPPORTED = ["Well liked", "Liked", "Unknown yet"]


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_choosing_most_supported_reorders_the_list_and_a_reload_keeps_it(
        new_page, transactional_db, device):
    project = three_supported("hostafrancs")
    page = new_page(**device)
    page.goto(f"/projects/{project.slug}/")
    titles = page.locator(".proposal-list > li > a")
    expect(titles).to_have_text(NEWEST)

    page.get_by_label("Order").select_option(label="Most supported")
    expect(titles).to_have_text(SUPPORTED)
    expect(page).to_have_url(re.compile(r"[?&]order=most_supported"))
    expect(page.locator("[data-list-count]")).to_have_text("3 of 3 proposals")

    page.reload()
    expect(page.get_by_label("Order")).to_have_value("most_supported")
    expect(titles).to_have_text(SUPPORTED)

    page.go_back()  # newest first again, the URL without the key
    expect(page.get_by_label("Order")).to_have_value("newest")
    expect(titles).to_have_text(NEWEST)
    assert "order=" not in page.url


def test_the_order_is_chosen_by_keyboard_and_without_javascript(new_page, transactional_db):
    project = three_supported("la-marina")
    page = new_page(**DESKTOP)
    page.goto(f"/projects/{project.slug}/")
    titles = page.locator(".proposal-list > li > a")
    page.get_by_label("Order").focus()
    page.keyboard.press("ArrowDown")  # newest → most supported
    expect(titles).to_have_text(SUPPORTED)
    expect(page).to_have_url(re.compile(r"[?&]order=most_supported"))

    plain = new_page(java_script_enabled=False, **PHONE)
    plain.goto(f"/projects/{project.slug}/")
    plain.get_by_label("Order").select_option("most_supported")
    plain.get_by_role("button", name="Filter").click()
    expect(plain).to_have_url(re.compile(r"[?&]order=most_supported"))
    expect(plain.locator(".proposal-list > li > a")).to_have_text(SUPPORTED)
