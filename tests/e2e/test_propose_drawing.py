"""Proposing with the city's layers in sight: the flood zone is on the propose map and
named in its legend, and a drawn point, line or area can be moved, edited and undone,
each change checked again against the city's rules."""

import pytest
from django.contrib.gis.geos import GEOSGeometry
from playwright.sync_api import expect

from proposals.models import Proposal
from tests.e2e.drawing import (
    DESKTOP,
    PHONE,
    corner,
    drag,
    drag_point_to,
    draw_area,
    drawn_geometry,
    fill_text,
    open_propose,
    place_point,
    riverside,
    zone_box,
)
from tests.e2e.test_citizen_journey import log_in
from tests.e2e.test_propose_on_the_map import map_box
from tests.factories import user_make

pytestmark = pytest.mark.browser
DEVICES = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]


@pytest.mark.parametrize("device", DEVICES)
def test_the_flood_zone_is_on_the_propose_map_and_named_in_the_legend(
        new_page, transactional_db, device):
    page, _project = open_propose(new_page, device)
    zone_box(page)  # drawn from the start, without opening the layer control
    expect(page.locator("[data-map-legend]")).to_contain_text(
        "Flood zones — Proposals inside or touching it get a warning.")
    swatch = page.locator("[data-legend-swatch]")
    expect(swatch).to_have_class("layer-swatch layer-swatch-area")
    assert swatch.evaluate("el => el.style.getPropertyValue('--swatch')") == "#7b3294"
    control = page.locator(".leaflet-control-layers")
    control.hover()
    expect(control.get_by_label("Flood zones")).to_be_checked()


def test_a_layer_without_rules_is_offered_but_off_and_not_in_the_legend(
        new_page, transactional_db):
    project = riverside(rules=False)
    user_make("ana")
    page = new_page(**DESKTOP)
    log_in(page, "ana")
    page.goto(f"/projects/{project.slug}/propose/")
    control = page.locator(".leaflet-control-layers")
    control.hover()
    expect(control.get_by_label("Flood zones")).not_to_be_checked()
    expect(page.locator("[data-map-legend]")).to_have_count(0)
    expect(page.locator("#map .leaflet-plazaCity-pane path")).to_have_count(0)


@pytest.mark.quality("stored-xss")
def test_a_layer_popup_shows_its_attributes_as_text(new_page, transactional_db):
    page, _project = open_propose(new_page)
    zone = zone_box(page)
    page.mouse.click(zone["x"] + zone["width"] * 0.3, zone["y"] + zone["height"] * 0.3)
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("<b>deep</b>")  # the feature's "note", as text
    assert popup.locator("b").count() == 0


def test_drawing_in_the_zone_opens_no_popup_of_the_layer(new_page, transactional_db):
    page, _project = open_propose(new_page)
    place_point(page)
    expect(page.locator("#geometry-feedback")).to_contain_text("In flood zone AE")
    expect(page.locator(".leaflet-popup-content")).to_have_count(0)


@pytest.mark.parametrize("device", DEVICES)
def test_dragging_the_point_out_of_the_zone_clears_the_warning(
        new_page, transactional_db, device):
    page, _project = open_propose(new_page, device)
    fill_text(page)
    place_point(page)
    feedback = page.locator("#geometry-feedback")
    expect(feedback).to_contain_text("Note: In flood zone AE (Flood zones)")
    # Half-way between the zone's east edge (2.160) and the area's (2.165).
    zone = zone_box(page)
    drag_point_to(page, zone["x"] + zone["width"] * 1.25, zone["y"] + zone["height"] / 2)
    expect(feedback).to_have_attribute("data-checked", "0")
    expect(feedback).not_to_contain_text("flood zone")
    assert drawn_geometry(page)["coordinates"][0] > 2.1605
    page.get_by_role("button", name="Send my proposal").click()
    expect(page.get_by_text("Your proposal is on the map.")).to_be_visible()
    proposal = Proposal.objects.get()
    assert 2.1605 < proposal.geometry.x < 2.165
    assert proposal.constraint_feedback == []


def test_dragging_the_point_within_the_zone_keeps_the_warning(new_page, transactional_db):
    page, _project = open_propose(new_page)
    fill_text(page)
    place_point(page)
    before = drawn_geometry(page)["coordinates"]
    zone = zone_box(page)
    drag_point_to(page, zone["x"] + zone["width"] * 0.8, zone["y"] + zone["height"] / 2)
    expect(page.locator("#id_geometry")).not_to_have_value(f'{{"type":"Point","coordinates":'
                                                           f'[{before[0]},{before[1]}]}}')
    expect(page.locator("#geometry-feedback")).to_contain_text("In flood zone AE")
    page.get_by_role("button", name="Send my proposal").click()
    expect(page.get_by_text("Your proposal is on the map.")).to_be_visible()
    proposal = Proposal.objects.get()
    assert before[0] < proposal.geometry.x < 2.160
    assert [f["message"] for f in proposal.constraint_feedback] == ["In flood zone AE"]


def test_moving_a_corner_of_an_area_changes_the_stored_shape(new_page, transactional_db):
    page, _project = open_propose(new_page)
    fill_text(page)
    draw_area(page)
    drawn_text = page.locator("#id_geometry").input_value()
    drawn = GEOSGeometry(drawn_text)
    x, y = corner(page)
    drag(page, x, y, x - 40, y - 30)
    expect(page.locator("#id_geometry")).not_to_have_value(drawn_text)
    edited = GEOSGeometry(page.locator("#id_geometry").input_value())
    assert not edited.equals(drawn) and edited.area > drawn.area
    page.get_by_role("button", name="Send my proposal").click()
    expect(page.get_by_text("Your proposal is on the map.")).to_be_visible()
    assert Proposal.objects.get().geometry.equals_exact(edited, tolerance=1e-9)


def test_undo_brings_back_the_area_as_drawn_before_its_corner_moved(
        new_page, transactional_db):
    page, _project = open_propose(new_page)
    fill_text(page)
    draw_area(page)
    drawn = page.locator("#id_geometry").input_value()
    x, y = corner(page)
    drag(page, x, y, x - 40, y - 30)
    expect(page.locator("#id_geometry")).not_to_have_value(drawn)
    page.get_by_role("button", name="Undo").click()
    expect(page.locator("#id_geometry")).to_have_value(drawn)
    page.get_by_role("button", name="Send my proposal").click()
    expect(page.get_by_text("Your proposal is on the map.")).to_be_visible()
    assert Proposal.objects.get().geometry.equals_exact(GEOSGeometry(drawn), tolerance=1e-9)


def test_clearing_the_drawing_clears_its_warning(new_page, transactional_db):
    page, _project = open_propose(new_page)
    place_point(page)
    feedback = page.locator("#geometry-feedback")
    expect(feedback).to_contain_text("In flood zone AE")
    page.get_by_role("button", name="Clear").click()
    expect(feedback).not_to_contain_text("In flood zone AE")
    expect(page.locator("#id_geometry")).to_have_value("")
    # Undo brings the point back, and its warning with it.
    page.get_by_role("button", name="Undo").click()
    expect(feedback).to_contain_text("In flood zone AE")


def test_by_keyboard_a_citizen_places_a_point_at_the_map_centre_and_moves_it(
        new_page, transactional_db):
    page, _project = open_propose(new_page)
    fill_text(page)
    undo = page.get_by_role("button", name="Undo")
    expect(undo).to_have_attribute("aria-disabled", "true")
    centre = page.get_by_role("button", name="Point at the map's centre")
    centre.focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-map-status]")).to_have_text(
        "Your point is at the map's centre. Move it with the arrow keys; with Shift it "
        "moves further.")
    expect(page.locator("#geometry-feedback")).to_contain_text("In flood zone AE")
    first = drawn_geometry(page)["coordinates"]
    # Leaflet moves the map with the arrow keys once it has the focus.
    page.locator("#map").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(400)  # the pan animates
    centre.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#id_geometry")).not_to_have_value(
        f'{{"type":"Point","coordinates":[{first[0]},{first[1]}]}}')
    assert drawn_geometry(page)["coordinates"][0] > first[0]
    expect(undo).to_have_attribute("aria-disabled", "false")
    page.get_by_role("button", name="Send my proposal").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your proposal is on the map.")).to_be_visible()
    assert Proposal.objects.get().geometry.x > first[0]


def test_undo_with_nothing_drawn_changes_nothing(new_page, transactional_db):
    page, _project = open_propose(new_page)
    undo = page.get_by_role("button", name="Undo")
    undo.focus()
    page.keyboard.press("Enter")
    expect(undo).to_be_focused()
    expect(page.locator("#id_geometry")).to_have_value("")
    expect(page.locator("[data-map-status]")).to_have_text("Nothing drawn yet.")
    map_box(page)
