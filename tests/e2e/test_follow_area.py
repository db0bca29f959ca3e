"""A resident follows their street: on a phone by tapping its corners, or by keyboard
alone; then sees it in what they follow. And the bell, on a phone, leads to the news."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from notifications.models import Event, Follow, Kind, Notification
from tests.e2e.test_citizen_journey import log_in
from tests.e2e.test_propose_on_the_map import map_box
from tests.factories import project_make, proposal_make, user_make

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1200, "height": 900}}


@pytest.mark.quality("follow-area-phone")
def test_on_a_phone_a_resident_draws_their_street_and_follows_it(new_page, transactional_db):
    project_make("eixample")  # its area is where the map opens
    user_make("nuria")
    page = new_page(**PHONE)
    log_in(page, "nuria")
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="Follow an area").click()
    expect(page.locator("#map.leaflet-container")).to_be_visible()

    page.get_by_role("button", name="Draw the area").click()
    x, y, w, h = map_box(page)
    for fx, fy in [(0.45, 0.45), (0.55, 0.45), (0.55, 0.5), (0.45, 0.5), (0.45, 0.45)]:
        page.touchscreen.tap(x + w * fx, y + h * fy)
        page.wait_for_timeout(350)  # apart: two quick taps are a double tap (zoom)
    expect(page.locator("[data-map-status]")).to_have_text("Your area is on the map.")
    page.get_by_label("Name of the area").fill("Carrer de Pujades")
    page.get_by_role("button", name="Follow this area").click()

    expect(page).to_have_url(re.compile(r"/follows/$"))
    expect(page.get_by_role("main")).to_contain_text("Carrer de Pujades")
    expect(page.locator("#map path.leaflet-interactive")).to_have_count(1)
    follow = Follow.objects.get(user__username="nuria")
    assert follow.name == "Carrer de Pujades" and follow.area.num_points == 5
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def tab_to(page, test: str, *, backwards: bool = False, limit: int = 80) -> None:
    """Press Tab (Shift+Tab) until the focused element passes `test`, a JS expression
    on `el`: the way a keyboard user moves through the page."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if page.evaluate(f"(el => Boolean({test}))(document.activeElement)"):
            return
    raise AssertionError(f"the keyboard never reached {test}")


@pytest.mark.quality("follow-area-phone")
def test_by_keyboard_alone_the_area_the_map_shows_is_followed(new_page, transactional_db):
    project_make("eixample")
    user_make("joan")
    page = new_page(**DESKTOP)
    log_in(page, "joan")
    page.goto("/follows/area/new/")
    expect(page.locator("#map.leaflet-container")).to_be_visible()

    tab_to(page, "el.id === 'map'")
    for _ in range(4):  # closer in: a whole city is too large to follow
        page.keyboard.press("+")
        page.wait_for_timeout(300)
    page.keyboard.press("ArrowLeft")
    tab_to(page, "el.matches('[data-area-view]')", backwards=True)
    page.keyboard.press("Enter")
    expect(page.locator("[data-map-status]")).to_have_text(
        "Your area is the part of the map on the screen.")
    tab_to(page, "el.name === 'name'")
    page.keyboard.type("Around the market")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/follows/$"))
    expect(page.get_by_role("main")).to_contain_text("Around the market")
    assert Follow.objects.get(user__username="joan").area.num_points == 5


@pytest.mark.allow_failed(r"^400 POST .*/follows/area/new/$")  # the refusal, on purpose
def test_by_keyboard_a_circle_around_the_centre_and_a_clear_error_first(
        new_page, transactional_db):
    project_make("eixample")
    user_make("marc")
    page = new_page(**DESKTOP)
    log_in(page, "marc")
    page.goto("/follows/area/new/")
    expect(page.locator("#map.leaflet-container")).to_be_visible()
    # The whole city first: refused, and said why; the name stays.
    page.get_by_role("button", name="The area the map shows").press("Enter")
    page.get_by_label("Name of the area").fill("Everything")
    page.get_by_role("button", name="Follow this area").press("Enter")
    expect(page.locator("#area-errors")).to_contain_text("The area is too large")
    expect(page.get_by_label("Name of the area")).to_have_value("Everything")
    assert not Follow.objects.exists()
    page.get_by_label("Around the map's centre").select_option("500")
    page.get_by_role("button", name="Use this circle").press("Enter")
    expect(page.locator("[data-map-status]")).to_have_text(
        "Your area is a circle around the map's centre.")
    page.get_by_role("button", name="Follow this area").press("Enter")
    expect(page).to_have_url(re.compile(r"/follows/$"))
    area = Follow.objects.get().area
    assert area.num_points == 33


def test_on_a_phone_the_bell_shows_the_news_and_leads_to_it(new_page, transactional_db):
    project = project_make("eixample")
    reader = user_make("laia")
    proposal = proposal_make(project, user_make(), title="Benches on Pujades")
    event = Event.objects.create(kind=Kind.PROPOSAL_PUBLISHED, project=project,
                                 municipality_id=project.municipality_id, proposal=proposal)
    Notification.objects.create(user=reader, event=event, reason="area", email="off")
    page = new_page(**PHONE)
    log_in(page, "laia")
    bell = page.get_by_role("link", name="Notifications: 1 unread")
    expect(bell).to_be_visible()
    bell.click()
    page.get_by_role("link", name=re.compile("Benches on Pujades")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Benches on Pujades")
    expect(page.get_by_role("button", name="Follow this proposal")).to_be_visible()
    # Read: the bell no longer counts it (the count is forgotten when read).
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()


def test_on_a_phone_in_the_street_a_circle_around_where_one_stands(new_page, transactional_db):
    project_make("eixample")
    user_make("pau")
    page = new_page(**PHONE, geolocation={"latitude": 41.3901, "longitude": 2.1702},
                    permissions=["geolocation"])
    log_in(page, "pau")
    page.goto("/follows/area/new/")
    expect(page.locator("#map.leaflet-container")).to_be_visible()
    page.get_by_label("Around the map's centre").select_option("100")
    page.get_by_role("button", name="Around my location").tap()
    expect(page.locator("[data-map-status]")).to_have_text(
        "Your area is a circle around your location.")
    page.get_by_label("Name of the area").fill("Here")
    page.get_by_role("button", name="Follow this area").tap()
    expect(page).to_have_url(re.compile(r"/follows/$"))
    area = Follow.objects.get().area
    centre = area.centroid
    assert abs(centre.x - 2.1702) < 1e-4 and abs(centre.y - 41.3901) < 1e-4
    assert area.num_points == 33
