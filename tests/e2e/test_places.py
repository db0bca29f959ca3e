"""The place search box on every map: a labelled combobox that lists the city's named
places as one types (without accents), chosen with the keyboard or a tap, moving the
map there; on a phone too."""

import pytest
from playwright.sync_api import expect

from tests.e2e.places_world import KEEP_MAP, map_centre, streets_make, tab_to
from tests.factories import project_make, user_make

pytestmark = pytest.mark.browser


@pytest.mark.quality("places-keyboard-placement")
def test_find_a_street_by_keyboard_and_the_map_goes_there(new_page, transactional_db):
    project = project_make("poblenou")
    streets_make()
    page = new_page(viewport={"width": 1200, "height": 900})
    page.add_init_script(KEEP_MAP)
    page.goto(f"/projects/{project.slug}/")
    box = page.get_by_role("combobox", name="Find a street or place")
    expect(box).to_be_visible()
    page.locator("h1").focus()
    tab_to(page, box)
    page.keyboard.type("placa gran")
    listbox = page.get_by_role("listbox", name="Places found")
    expect(listbox.get_by_role("option").first).to_contain_text("Carrer de la Plaça Gran")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".plaza-places [role=status]")).to_contain_text("found")
    page.keyboard.press("ArrowDown")
    first = listbox.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    page.keyboard.press("Enter")
    expect(listbox).to_be_hidden()
    expect(page.locator(".plaza-places [role=status]")).to_have_text(
        "The map shows Carrer de la Plaça Gran.")
    lon, lat = map_centre(page)
    # Centred on a point of the street, which its two segments frame.
    assert 2.190 <= lon <= 2.198 and 41.420 <= lat <= 41.425
    assert page.evaluate("window.plazaTestMap.getZoom()") >= 15
    # Escape closes a list, then empties the box.
    box.fill("gracia")
    expect(listbox.get_by_role("option")).to_have_count(2)
    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    page.keyboard.press("Escape")
    expect(box).to_have_value("")


def test_on_a_phone_a_tap_chooses_a_place(new_page, transactional_db):
    project = project_make("gracia")
    streets_make()
    user_make("marta")
    page = new_page(viewport={"width": 360, "height": 740}, has_touch=True, is_mobile=True)
    page.add_init_script(KEEP_MAP)
    page.goto(f"/projects/{project.slug}/")
    # The list comes first on a phone; the map on request.
    shows_map = page.get_by_role("button", name="Map")
    if shows_map.count():
        shows_map.first.click()
    box = page.get_by_role("combobox", name="Find a street or place")
    expect(box).to_be_visible()
    width = box.bounding_box()["width"]
    assert 150 <= width <= 360 - 60
    box.tap()
    box.fill("plaça del sol")
    option = page.get_by_role("option", name="Plaça del Sol")
    expect(option).to_be_visible()
    assert option.bounding_box()["height"] >= 44  # a finger's size
    option.tap()
    lon, lat = map_centre(page)
    assert abs(lon - 2.1565) < 1e-4 and abs(lat - 41.4010) < 1e-4
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_no_place_of_that_name_is_said(new_page, transactional_db):
    project = project_make("poblenou")
    streets_make()
    page = new_page()
    page.goto(f"/projects/{project.slug}/")
    box = page.get_by_role("combobox", name="Find a street or place")
    box.fill("zzqqxx")
    expect(page.locator(".plaza-places [role=status]")).to_have_text("No place of that name.")
    expect(box).to_have_attribute("aria-expanded", "false")


def test_the_box_speaks_catalan_to_a_catalan_browser(new_page, transactional_db):
    project = project_make("sant-marti")
    streets_make()
    page = new_page(locale="ca-ES", viewport={"width": 1200, "height": 900})
    page.goto(f"/projects/{project.slug}/")
    box = page.get_by_role("combobox", name="Cerca un carrer o un lloc")
    box.fill("gracia")
    expect(page.get_by_role("listbox", name="Llocs trobats").get_by_role("option")
           ).to_have_count(2)
    expect(page.locator(".plaza-places [role=status]")).to_have_text(
        "S'han trobat 2 llocs: tria amb les fletxes i Retorn.")
    expect(page.locator(".plaza-places-option").first).to_contain_text("àrea · Streets")
