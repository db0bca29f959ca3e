"""While proposing, a citizen is told that their idea already exists 30 m away: on a
phone, with the keyboard alone, heard by a screen reader, the titles shown as text."""

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from playwright.sync_api import expect

from proposals.models import Proposal
from tests.e2e.test_citizen_journey import log_in
from tests.factories import project_make, proposal_make, user_make

pytestmark = pytest.mark.browser

CENTRE = (2.17, 41.39)
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def north(metres: float) -> dict:
    return {"type": "Point", "coordinates": [CENTRE[0], CENTRE[1] + metres / 111_132]}


@pytest.mark.quality("similar-while-proposing")
def test_typing_a_title_and_placing_a_point_lists_the_alike_one_30_m_away(
        new_page, transactional_db):
    # A small area centred on CENTRE: the drawing map fits it, so the map's centre is
    # CENTRE, and "Point at the map's centre" places the point there.
    project = project_make("sol", area=MultiPolygon(Polygon.from_bbox(
        (CENTRE[0] - 0.004, CENTRE[1] - 0.003, CENTRE[0] + 0.004, CENTRE[1] + 0.003)),
        srid=4326))
    neighbour = user_make("neighbour")
    existing = proposal_make(project, neighbour, title="Benches on Plaça del Sol",
                             geometry=north(30))
    proposal_make(project, neighbour, title="<img src=x onerror=alert(1)> shade",
                  geometry=north(120))
    proposal_make(project, neighbour, title="Night buses", geometry=north(600))
    user_make("ana")
    page = new_page(**PHONE)
    log_in(page, "ana")
    page.goto(f"/projects/{project.slug}/propose/")
    expect(page.locator("#map.leaflet-container")).to_be_visible()
    similar = page.locator("section.similar")
    expect(similar).to_be_hidden()

    # By keyboard: type the title, then place the point at the map's centre.
    page.locator("#id_title").focus()
    page.keyboard.type("Benches at placa del sol")
    expect(similar).to_be_visible()
    expect(similar.locator("li").first).to_contain_text("Benches on Plaça del Sol")
    page.get_by_role("button", name="Point at the map's centre").focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-map-status]")).to_contain_text(
        "Your point is at the map's centre")

    first = similar.locator("li").first
    expect(first).to_contain_text("Benches on Plaça del Sol")
    expect(first).to_contain_text(r"m away")
    distance = first.locator(".similar-distance").text_content()
    metres = int(distance.strip(" —").split()[0])
    assert 20 <= metres <= 40, distance
    # The near one with another subject is listed too, its title as text, not markup.
    expect(similar).to_contain_text("<img src=x onerror=alert(1)> shade")
    expect(similar.locator("img")).to_have_count(0)
    expect(similar).not_to_contain_text("Night buses")
    expect(page.locator("[data-similar-status]")).to_contain_text("similar proposal")
    assert page.locator("[data-similar-status]").get_attribute("aria-live") == "polite"

    # On a 360 px phone nothing sticks out sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # The citizen supports the existing one instead: its link opens it.
    first.get_by_role("link", name="Support or comment").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{page.url.split('/projects/')[0]}/proposals/{existing.pk}/")
    assert Proposal.objects.count() == 3  # nothing proposed twice
