"""A reader whose browser speaks Catalan gets the map scripts' messages in Catalan."""

import pytest
from playwright.sync_api import expect

from tests.factories import project_make, proposal_make, user_make

pytestmark = pytest.mark.browser


def test_the_project_map_speaks_catalan_to_a_catalan_browser(new_page, transactional_db):
    project = project_make("sant-marti")
    author = user_make("laia")
    proposal_make(project, author, title="Un banc a l'ombra", category="green",
                  geometry={"type": "Point", "coordinates": [2.16, 41.395]})
    proposal_make(project, author, title="Un carril bici", category="mobility",
                  geometry={"type": "Point", "coordinates": [2.165, 41.40]})
    page = new_page(locale="ca-ES", viewport={"width": 1200, "height": 900})
    page.goto(f"/projects/{project.slug}/")
    expect(page.locator("html")).to_have_attribute("lang", "ca")
    status = page.locator("[data-map-status]")
    expect(page.locator("#map")).to_have_attribute("data-loaded", "2")
    expect(status).to_have_text("2 propostes a la vista.")

    # One proposal left by the filter: the singular, from the catalogue's plural rule.
    page.select_option("select[name=category]", label="Walking and cycling")
    expect(status).to_have_text("1 proposta a la vista.")

    control = page.locator(".leaflet-control-layers")
    control.hover()
    expect(control).to_contain_text("Propostes: punts")
    expect(control).to_contain_text("Àmbit del projecte")


@pytest.mark.allow_failed(r"^failed GET .*/jsi18n/\?language=ca: net::ERR_FAILED$")
def test_without_the_catalogue_the_map_works_in_english(new_page, transactional_db):
    project = project_make("sant-andreu")
    proposal_make(project, user_make("pau"))
    page = new_page(locale="ca-ES", viewport={"width": 1200, "height": 900})
    page.route("**/jsi18n/**", lambda route: route.abort())
    page.goto(f"/projects/{project.slug}/")
    expect(page.locator("#map")).to_have_attribute("data-loaded", "1")
    expect(page.locator("[data-map-status]")).to_have_text("1 proposal in view.")


def test_leaflet_s_own_buttons_speak_the_page_s_language(new_page, transactional_db):
    project = project_make("sant-gervasi")
    proposal_make(project, user_make("marc"))
    page = new_page(locale="ca-ES", viewport={"width": 1200, "height": 900})
    page.goto(f"/projects/{project.slug}/")
    expect(page.locator(".leaflet-control-zoom-in")).to_have_attribute("title", "Apropa")
    expect(page.locator(".leaflet-control-zoom-out")).to_have_attribute("title", "Allunya")
    expect(page.locator(".leaflet-control-layers-toggle")).to_have_attribute("title", "Capes")


def test_the_drawing_hints_speak_spanish_to_a_spanish_browser(new_page, transactional_db):
    from tests.e2e.drawing import DESKTOP, open_propose
    from tests.e2e.test_propose_on_the_map import map_box

    page, _ = open_propose(new_page, DESKTOP)
    # Logged in in English; the same reader's browser now asks for Spanish.
    page.set_extra_http_headers({"Accept-Language": "es"})
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.click("[data-draw=Marker]")
    x, y, width, height = map_box(page)
    page.mouse.move(x + width / 3, y + height / 3)
    expect(page.locator(".leaflet-tooltip")).to_contain_text("Haz clic para situar el punto")
