"""A citizen signs in, draws a point and an area on the map, and sees both on the map."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from proposals.models import Proposal
from tests.e2e.test_citizen_journey import log_in
from tests.factories import project_make, proposal_make, user_make

pytestmark = pytest.mark.browser
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts"


def tap(page, x, y):
    # Geoman places what is drawn where its hint follows the pointer: move, then click.
    page.mouse.move(x - 5, y - 5)
    page.mouse.move(x, y, steps=3)
    page.mouse.click(x, y)


def map_box(page):
    """The map's box in viewport coordinates, once the map is scrolled into view."""
    page.locator("#map").scroll_into_view_if_needed()
    box = page.locator("#map").bounding_box()
    return box["x"], box["y"], box["width"], box["height"]


def propose(page, slug, title, draw):
    page.goto(f"/projects/{slug}/propose/")
    expect(page.locator("#map.leaflet-container")).to_be_visible()
    page.fill("input[name=title]", title)
    page.fill("textarea[name=body]", f"{title}: the neighbours would love it.")
    page.select_option("select[name=category]", "green")
    draw(page)
    expect(page.locator("[data-map-status]")).to_contain_text("Your drawing is on the map")
    page.get_by_role("button", name="Send my proposal").click()
    expect(page.get_by_text("Your proposal is on the map.")).to_be_visible()


def draw_point(page):
    page.get_by_role("button", name="Point", exact=True).click()
    x, y, w, h = map_box(page)
    tap(page, x + w * 0.5, y + h * 0.5)


def draw_area(page):
    page.get_by_role("button", name="Area", exact=True).click()
    x, y, w, h = map_box(page)
    corners = [(0.35, 0.35), (0.45, 0.35), (0.45, 0.45), (0.35, 0.45)]
    for fx, fy in corners:
        tap(page, x + w * fx, y + h * fy)
    tap(page, x + w * corners[0][0], y + h * corners[0][1])  # close the ring


def test_draw_a_point_and_an_area_and_see_both(new_page, transactional_db):
    project = project_make("poblenou")
    user_make("nuria")
    page = new_page(viewport={"width": 1200, "height": 900})
    log_in(page, "nuria")
    propose(page, project.slug, "A fountain by the school", draw_point)
    propose(page, project.slug, "A pocket park", draw_area)

    kinds = sorted(p.geometry.geom_type for p in Proposal.objects.all())
    assert kinds == ["Point", "Polygon"]
    expect(page.locator("#map")).to_have_attribute("data-loaded", "2")
    # The area is drawn as a shape, the point as a marker.
    expect(page.locator("#map path.leaflet-interactive")).to_have_count(2)
    expect(page.locator(".leaflet-popup-content")).to_contain_text("A pocket park")
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "propose-on-the-map.png"), full_page=True)


def test_on_a_phone_the_list_comes_first_and_the_map_on_request(new_page, transactional_db):
    project = project_make("gracia")
    author = user_make("marta")
    for i in range(30):
        proposal_make(project, author, title=f"Idea {i}",
                      geometry={"type": "Point", "coordinates": [2.15 + i * 0.001, 41.40]})
    page = new_page(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page.goto(f"/projects/{project.slug}/")
    expect(page.get_by_role("heading", name="Proposals")).to_be_visible()
    expect(page.locator("[data-list-count]")).to_have_text("30 of 30 proposals")
    expect(page.locator("#map")).to_be_hidden()
    page.get_by_role("button", name="Show the map").click()
    expect(page.locator("#map")).to_be_visible()
    expect(page.locator("#map")).to_have_attribute("data-loaded", "30")
    # Thirty points close together are clustered, not thirty markers.
    expect(page.locator(".map-bubble").first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "project-on-a-phone.png"))


@pytest.mark.quality("stored-xss")
def test_popups_show_user_text_as_text(new_page, transactional_db):
    project = project_make("sants")
    proposal_make(project, user_make("mallory"), title='<img src=x onerror="window.pwned=1">')
    page = new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"/projects/{project.slug}/?focus={Proposal.objects.get().pk}")
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text('<img src=x onerror="window.pwned=1">')
    assert popup.locator("img").count() == 0
    assert page.evaluate("window.pwned") is None


def test_on_a_phone_a_citizen_proposes_an_area_with_taps(new_page, transactional_db):
    project = project_make("eixample")
    user_make("pol")
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(page, "pol")

    def draw_by_touch(page):
        page.get_by_role("button", name="Area", exact=True).click()
        x, y, w, h = map_box(page)
        for fx, fy in [(0.4, 0.4), (0.6, 0.4), (0.6, 0.6), (0.4, 0.6), (0.4, 0.4)]:
            page.touchscreen.tap(x + w * fx, y + h * fy)
            # A person's taps are apart; two quick taps are a double tap (zoom) to Leaflet.
            page.wait_for_timeout(350)

    propose(page, project.slug, "A square with benches", draw_by_touch)
    proposal = Proposal.objects.get()
    assert proposal.geometry.geom_type == "Polygon" and proposal.author.username == "pol"
    # Back on the project page, the phone shows the map with the new proposal open.
    expect(page.locator("#map")).to_be_visible()
    expect(page.locator(".leaflet-popup-content")).to_contain_text("A square with benches")
