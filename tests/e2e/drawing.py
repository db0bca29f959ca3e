"""Helpers of the browser tests of the drawing map: a project by a flood zone, and the
moves a citizen makes on the map (tap, drag a point or a corner)."""

from __future__ import annotations

import json

from django.contrib.gis.geos import MultiPolygon, Polygon
from playwright.sync_api import expect

from gisdata.models import Layer
from tests.e2e.test_citizen_journey import log_in
from tests.e2e.test_propose_on_the_map import map_box, tap
from tests.factories import project_make, user_make
from tests.gisdata.test_constraints import FLOOD, zone_layer

DESKTOP = {"viewport": {"width": 1200, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
# The project's area reaches half the zone's width beyond it on every side.
AREA = Polygon.from_bbox((2.145, 41.385, 2.165, 41.405))


def riverside(*, rules: bool = True, severity: str = "warning"):
    """A project whose area is centred on a published flood zone (2.150–2.160 ×
    41.390–41.400) that says "In flood zone AE" with `severity`; `rules=False`: the
    layer has no rule."""
    layer = zone_layer(message="In flood zone {fld_zone}", severity=severity)
    if not rules:
        layer.constraints.all().delete()
    # What an import records (gisdata/imports/load.py): the map shows layers with features
    # inside the project's area.
    Layer.objects.filter(pk=layer.pk).update(extent=FLOOD, feature_count=1)
    return project_make("riverside", area=MultiPolygon(AREA, srid=4326))


def open_propose(new_page, device=DESKTOP, *, username="ana", severity="warning"):
    project = riverside(severity=severity)
    user_make(username)
    page = new_page(**device)
    log_in(page, username)
    page.goto(f"/projects/{project.slug}/propose/")
    expect(page.locator("#map.leaflet-container")).to_be_visible()
    return page, project


def fill_text(page, title="A playground"):
    page.fill("input[name=title]", title)
    page.fill("textarea[name=body]", "For the kids of the river side.")


def zone_box(page):
    """The flood zone's box on screen, once it is drawn."""
    zone = page.locator("#map .leaflet-plazaCity-pane path")
    expect(zone).to_have_count(1)
    map_box(page)
    return zone.bounding_box()


def drawn_geometry(page) -> dict:
    return json.loads(page.locator("#id_geometry").input_value())


def drag(page, x0, y0, x1, y1):
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()


def drag_point_to(page, x, y):
    """Drag the drawn point so that its tip lands on (x, y)."""
    icon = page.locator("#map .leaflet-marker-pane .leaflet-marker-icon").first.bounding_box()
    grab_x, grab_y = icon["x"] + icon["width"] / 2, icon["y"] + icon["height"] / 2
    tip_x, tip_y = icon["x"] + icon["width"] / 2, icon["y"] + icon["height"]
    drag(page, grab_x, grab_y, x + grab_x - tip_x, y + grab_y - tip_y)


def tap_on(page, x, y):
    """A tap on a phone, a click with the mouse on a desktop."""
    if page.viewport_size["width"] < 600:
        page.touchscreen.tap(x, y)
    else:
        tap(page, x, y)


def place_point(page, fx=0.5, fy=0.5):
    """Draw a point at (fx, fy) of the flood zone's box (0.5, 0.5: its centre)."""
    page.get_by_role("button", name="Point", exact=True).click()
    zone = zone_box(page)  # after the click, which may have scrolled the page
    x, y = zone["x"] + zone["width"] * fx, zone["y"] + zone["height"] * fy
    tap_on(page, x, y)
    expect(page.locator("[data-map-status]")).to_contain_text("a point")


def map_top(page) -> tuple[float, float]:
    """The map's top in the viewport and in the document."""
    return tuple(page.evaluate(
        "(() => { const r = document.getElementById('map').getBoundingClientRect();"
        " return [r.top, r.top + window.scrollY]; })()"))


def draw_area(page, corners=((0.2, 0.2), (0.6, 0.2), (0.6, 0.6), (0.2, 0.6))):
    """Draw an area with corners at fractions of the flood zone's box, and close it."""
    page.get_by_role("button", name="Area", exact=True).click()
    zone = zone_box(page)
    for fx, fy in (*corners, corners[0]):
        tap(page, zone["x"] + zone["width"] * fx, zone["y"] + zone["height"] * fy)
    expect(page.locator("[data-map-status]")).to_contain_text("an area")


def corner(page):
    """The middle of the drawn area's first corner handle (Geoman's vertex marker)."""
    handle = page.locator("#map .marker-icon:not(.marker-icon-middle)").first
    expect(handle).to_be_visible()
    box = handle.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
