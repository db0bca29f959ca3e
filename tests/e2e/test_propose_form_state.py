"""The propose form keeps still and keeps what the citizen did: the map does not move
when the city's feedback appears, a failed submit keeps the drawing, and an error about
an earlier drawing goes once the drawing changes."""

import pytest
from django.contrib.gis.geos import GEOSGeometry
from playwright.sync_api import expect

from proposals.models import Proposal
from tests.e2e.drawing import (
    DESKTOP,
    PHONE,
    drag_point_to,
    draw_area,
    fill_text,
    map_top,
    open_propose,
    place_point,
    tap_on,
    zone_box,
)

pytestmark = pytest.mark.browser
DEVICES = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]
REFUSED = pytest.mark.allow_failed(r"^400 POST .*/projects/riverside/propose/$")


def _tap_in_zone_measuring(page):
    """Draw a point in the zone; the map's top just before the tap and once the feedback
    has come."""
    page.get_by_role("button", name="Point", exact=True).click()
    zone = zone_box(page)
    before = map_top(page)
    tap_on(page, zone["x"] + zone["width"] / 2, zone["y"] + zone["height"] / 2)
    expect(page.locator("#geometry-feedback")).to_contain_text("In flood zone AE")
    return before, map_top(page)


@pytest.mark.parametrize("device", DEVICES)
def test_the_map_stays_put_when_the_feedback_appears(new_page, transactional_db, device):
    page, _project = open_propose(new_page, device)
    before, after = _tap_in_zone_measuring(page)
    assert after == before


@pytest.mark.parametrize("device", DEVICES)
def test_the_feedback_shows_beside_the_map_on_a_desktop_and_below_it_on_a_phone(
        new_page, transactional_db, device):
    page, _project = open_propose(new_page, device)
    _tap_in_zone_measuring(page)
    item = page.locator("#geometry-feedback .feedback-item")
    expect(item).to_be_visible()
    feedback, the_map = item.bounding_box(), page.locator("#map").bounding_box()
    if device is DESKTOP:
        assert feedback["x"] >= the_map["x"] + the_map["width"]
        assert feedback["y"] < the_map["y"] + the_map["height"]  # beside it, in view
    else:
        assert feedback["y"] >= the_map["y"] + the_map["height"]
    expect(page.locator("#geometry-feedback")).to_have_attribute("aria-live", "polite")


@REFUSED
def test_a_failed_submit_keeps_the_drawing_on_the_map(new_page, transactional_db):
    page, _project = open_propose(new_page)
    fill_text(page, title="")
    draw_area(page)
    drawn = page.locator("#id_geometry").input_value()
    page.get_by_role("button", name="Send my proposal").click()
    expect(page.locator("#id_title_error")).to_be_visible()
    expect(page.locator("#id_geometry")).to_have_value(drawn)
    expect(page.locator("[data-map-status]")).to_have_text("Your drawing is on the map.")
    # On the map again, editable, and checked again.
    expect(page.locator("#map .marker-icon:not(.marker-icon-middle)")).to_have_count(4)
    expect(page.locator("#geometry-feedback")).to_contain_text("In flood zone AE")
    page.fill("input[name=title]", "A playground")
    page.get_by_role("button", name="Send my proposal").click()
    expect(page.get_by_text("Your proposal is on the map.")).to_be_visible()
    assert Proposal.objects.get().geometry.equals_exact(GEOSGeometry(drawn), tolerance=1e-9)


@REFUSED
def test_a_failed_submit_without_a_drawing_shows_none(new_page, transactional_db):
    page, _project = open_propose(new_page)
    fill_text(page)
    page.get_by_role("button", name="Send my proposal").click()
    expect(page.locator("#geometry-errors")).to_have_text("Draw your proposal on the map.")
    expect(page.locator("#id_geometry")).to_have_value("")
    expect(page.locator("[data-map-status]")).to_have_text("Nothing drawn yet.")
    expect(page.locator("#map .leaflet-marker-icon")).to_have_count(0)
    assert not Proposal.objects.exists()


@REFUSED
@pytest.mark.quality("stale-feedback")
def test_a_refused_drawing_s_error_goes_once_the_point_is_moved_out_of_the_zone(
        new_page, transactional_db):
    page, _project = open_propose(new_page, severity="blocking")
    fill_text(page)
    place_point(page)
    page.get_by_role("button", name="Send my proposal").click()
    errors = page.locator("#geometry-errors")
    expect(errors).to_have_text("In flood zone AE")
    expect(errors).to_be_visible()
    zone = zone_box(page)
    drag_point_to(page, zone["x"] + zone["width"] * 1.25, zone["y"] + zone["height"] / 2)
    expect(errors).to_be_hidden()
    expect(page.locator("#geometry-feedback")).to_have_attribute("data-checked", "0")
    expect(page.get_by_text("In flood zone AE")).to_be_hidden()  # nowhere in view
    page.get_by_role("button", name="Send my proposal").click()
    expect(page.get_by_text("Your proposal is on the map.")).to_be_visible()
    assert Proposal.objects.get().geometry.x > 2.160


@REFUSED
@pytest.mark.quality("stale-feedback")
def test_a_refused_drawing_moved_within_the_zone_is_still_refused(new_page, transactional_db):
    page, _project = open_propose(new_page, severity="blocking")
    fill_text(page)
    place_point(page)
    page.get_by_role("button", name="Send my proposal").click()
    expect(page.locator("#geometry-errors")).to_have_text("In flood zone AE")
    before = page.locator("#id_geometry").input_value()
    zone = zone_box(page)
    drag_point_to(page, zone["x"] + zone["width"] * 0.8, zone["y"] + zone["height"] / 2)
    expect(page.locator("#id_geometry")).not_to_have_value(before)
    # The server's error was about the earlier point; the new one gets its own answer.
    expect(page.locator("#geometry-feedback")).to_contain_text(
        "Not possible here: In flood zone AE")
    page.get_by_role("button", name="Send my proposal").click()
    expect(page.locator("#geometry-errors")).to_have_text("In flood zone AE")
    assert not Proposal.objects.exists()


@REFUSED
@pytest.mark.quality("stale-feedback")
def test_the_error_asking_for_a_drawing_goes_with_a_drawing_and_comes_back_with_clear(
        new_page, transactional_db):
    page, _project = open_propose(new_page)
    fill_text(page)
    page.get_by_role("button", name="Send my proposal").click()
    errors = page.locator("#geometry-errors")
    expect(errors).to_have_text("Draw your proposal on the map.")
    place_point(page)
    expect(errors).to_be_hidden()
    page.get_by_role("button", name="Clear").click()
    expect(errors).to_be_visible()
