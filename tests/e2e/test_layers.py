"""A published layer on the project map: in the layer control, off until chosen, with
popups that show imported attribute values as text (GeoJSON and vector tiles)."""

import pytest
from playwright.sync_api import expect

from gisdata import selectors
from tests.factories import project_make
from tests.gisdata.test_layers import layer_make

pytestmark = pytest.mark.browser
XSS = '<img src=x onerror="window.pwned=1">'

# Keeps the Leaflet map of the page reachable from the test (django-leaflet's event).
CAPTURE_MAP = """
window.addEventListener("map:init", function (e) { window.__map = e.detail.map; });
"""


def open_layer(page, project, title):
    page.add_init_script(CAPTURE_MAP)
    page.goto(f"/projects/{project.slug}/")
    expect(page.locator("#map.leaflet-container")).to_be_visible()
    control = page.locator(".leaflet-control-layers")
    control.hover()
    label = control.locator("label", has_text=title)
    expect(label).to_be_visible()
    checkbox = label.locator("input")
    assert not checkbox.is_checked()  # off until chosen
    checkbox.check()
    page.mouse.move(5, 5)  # let the control collapse


def point_on_screen(page, lon, lat):
    x, y = page.evaluate(
        "([lat, lon]) => { const p = window.__map.latLngToContainerPoint([lat, lon]);"
        " return [p.x, p.y]; }", [lat, lon])
    box = page.locator("#map").bounding_box()
    return box["x"] + x, box["y"] + y


def one_point_layer(project, name):
    minx, miny, maxx, maxy = project.area.extent
    lon, lat = (minx + maxx) / 2, (miny + maxy) / 2
    layer = layer_make(name, points=[(lon, lat)],
                       props=lambda i: {"name": XSS, "kind": "fountain"})
    return layer, lon, lat


def assert_popup_is_text(page):
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(XSS)
    expect(popup).to_contain_text("fountain")
    assert popup.locator("img").count() == 0
    assert page.evaluate("window.pwned") is None


@pytest.mark.quality("stored-xss")
def test_a_small_layer_comes_as_geojson_with_text_popups(new_page, transactional_db):
    project = project_make("layers-geojson")
    layer, lon, lat = one_point_layer(project, "fountains")
    page = new_page(viewport={"width": 1200, "height": 900})
    open_layer(page, project, "Fountains")
    expect(page.locator("#map")).to_have_attribute(f"data-layer{layer.pk}", "1")
    page.locator("#map").scroll_into_view_if_needed()
    page.mouse.click(*point_on_screen(page, lon, lat))
    assert_popup_is_text(page)
    # The dataset's attribution is in the map's attribution, as text.
    expect(page.locator(".leaflet-control-attribution")).to_contain_text(
        "City of Barcelona <Open Data>, CC BY 4.0")


def test_a_large_layer_comes_as_vector_tiles(new_page, transactional_db, monkeypatch):
    monkeypatch.setattr(selectors, "TILE_THRESHOLD", 0)
    project = project_make("layers-tiles")
    _layer, lon, lat = one_point_layer(project, "trees")
    page = new_page(viewport={"width": 1200, "height": 900})
    tiles, errors = [], []
    page.on("response", lambda r: tiles.append(r.status) if "/tiles/" in r.url else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    open_layer(page, project, "Trees")
    expect(page.locator("#map canvas").first).to_be_attached()
    page.wait_for_load_state("networkidle")
    assert 200 in tiles
    page.locator("#map").scroll_into_view_if_needed()
    x, y = point_on_screen(page, lon, lat)
    page.mouse.move(x - 20, y - 20)
    page.mouse.move(x, y, steps=4)  # hovering a tile's point must not throw either
    page.mouse.click(x, y)
    assert_popup_is_text(page)
    assert errors == []
