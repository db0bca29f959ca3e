"""A citizen drawing in a flood zone is told so before submitting."""

import pytest
from playwright.sync_api import expect

from proposals.models import Proposal
from tests.e2e.test_citizen_journey import log_in
from tests.e2e.test_propose_on_the_map import map_box, tap
from tests.factories import project_make, user_make
from tests.gisdata.test_constraints import zone_layer

pytestmark = pytest.mark.browser


def test_drawing_in_a_flood_zone_shows_the_feedback_before_submit(new_page, transactional_db):
    from django.contrib.gis.geos import MultiPolygon, Polygon

    zone_layer(message="In flood zone {fld_zone}")  # covers 2.150–2.160 × 41.390–41.400
    project = project_make("riverside", area=MultiPolygon(
        Polygon.from_bbox((2.145, 41.385, 2.165, 41.405)), srid=4326))
    user_make("ana")
    page = new_page(viewport={"width": 1200, "height": 900})
    log_in(page, "ana")
    page.goto(f"/projects/{project.slug}/propose/")
    page.fill("input[name=title]", "A playground")
    page.fill("textarea[name=body]", "For the kids of the river side.")
    page.get_by_role("button", name="Point", exact=True).click()
    x, y, w, h = map_box(page)
    # The map fits the area, whose centre is the flood zone's centre.
    tap(page, x + w * 0.5, y + h * 0.5)
    feedback = page.locator("#geometry-feedback")
    expect(feedback).to_contain_text("In flood zone AE (Flood zones)")
    assert not Proposal.objects.exists()  # told before anything was sent
    page.get_by_role("button", name="Send my proposal").click()
    expect(page.get_by_text("Your proposal is on the map.")).to_be_visible()
    assert Proposal.objects.get().constraint_feedback[0]["message"] == "In flood zone AE"
