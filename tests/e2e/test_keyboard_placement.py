"""A proposal placed with the keyboard alone: find the street by name in the map's
search box, place the point at the map's centre, move it with the arrow keys (each
move said in the map's status), write the proposal and send it."""

import math

import pytest
from django.contrib.gis.geos import GEOSGeometry
from playwright.sync_api import expect

from proposals.models import Proposal
from tests.e2e.places_world import KEEP_MAP, map_centre, streets_make, tab_to
from tests.e2e.test_citizen_journey import log_in
from tests.factories import project_make, user_make

pytestmark = pytest.mark.browser


def geometry(page) -> GEOSGeometry:
    return GEOSGeometry(page.locator("#id_geometry").input_value(), srid=4326)


@pytest.mark.quality("places-keyboard-placement")
def test_find_a_street_place_the_point_nudge_it_and_send_by_keyboard(new_page,
                                                                     transactional_db):
    project = project_make("poblenou")
    streets_make()
    user_make("nuria")
    page = new_page(viewport={"width": 1200, "height": 900})
    page.add_init_script(KEEP_MAP)
    log_in(page, "nuria")
    page.goto(f"/projects/{project.slug}/propose/")
    expect(page.locator("#map.leaflet-container")).to_be_visible()
    page.locator("h1").focus()

    # Find the street by name.
    search = page.get_by_role("combobox", name="Find a street or place")
    tab_to(page, search)
    page.keyboard.type("placa gran")
    expect(page.get_by_role("option").first).to_contain_text("Carrer de la Plaça Gran")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator(".plaza-places [role=status]")).to_contain_text(
        "Carrer de la Plaça Gran")

    # Place the point at the map's centre: on the street; the point has the focus.
    centre = page.get_by_role("button", name="Point at the map's centre")
    tab_to(page, centre, back=True)
    page.keyboard.press("Enter")
    status = page.locator("[data-map-status]")
    expect(status).to_contain_text("Your point is at the map's centre")
    street = GEOSGeometry("MULTILINESTRING((2.190 41.420, 2.195 41.423),"
                          "(2.195 41.423, 2.198 41.425))", srid=4326)
    placed = geometry(page)
    assert placed.geom_type == "Point" and street.distance(placed) < 1e-5
    handle = page.get_by_role("button", name="Your point. Move it with the arrow keys")
    expect(handle).to_be_focused()

    # Move it east three times, then north with Shift (further); the map stays put.
    before_map = map_centre(page)
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(status).to_contain_text("m east")
    east = geometry(page)
    assert east.x > placed.x and east.y == pytest.approx(placed.y, abs=1e-9)
    page.keyboard.press("Shift+ArrowUp")
    expect(status).to_contain_text("m north")
    north = geometry(page)
    assert north.y > east.y and north.x == pytest.approx(east.x, abs=1e-9)
    # A step is 10 pixels, with Shift 50: in degrees, a pixel north is cos(latitude)
    # of one east.
    ratio = (north.y - east.y) / ((east.x - placed.x) / 3)
    assert ratio == pytest.approx(5 * math.cos(math.radians(placed.y)), rel=0.05)
    assert map_centre(page) == pytest.approx(before_map)  # the map did not pan
    # Undo is one arrow press back.
    undo = page.get_by_role("button", name="Undo")
    tab_to(page, undo, back=True)
    page.keyboard.press("Enter")
    assert geometry(page).equals_exact(east, 1e-9)
    tab_to(page, page.get_by_role("button", name="Your point. Move it with the arrow keys"))
    page.keyboard.press("Shift+ArrowUp")
    expect(status).to_contain_text("m north")

    # Write the proposal and send it, by keyboard.
    tab_to(page, page.locator("input[name=title]"))
    page.keyboard.type("Benches on the Plaça Gran street")
    tab_to(page, page.locator("textarea[name=body]"))
    page.keyboard.type("Shade and benches for the neighbours.")
    tab_to(page, page.locator("select[name=category]"))
    page.keyboard.press("ArrowDown")
    tab_to(page, page.get_by_role("button", name="Send my proposal"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your proposal is on the map.")).to_be_visible()

    proposal = Proposal.objects.get(title="Benches on the Plaça Gran street")
    sent = proposal.geometry
    assert sent.geom_type == "Point"
    assert sent.x == pytest.approx(north.x, abs=1e-6) and sent.y > east.y
    assert street.distance(sent) < 0.002  # still by the street: nudged, not lost
