"""A planner imports a real open dataset (a real Celery worker runs it), publishes its layer,
gives it a colour and makes it a constraint; the project map draws it in that colour."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from audit.models import AuditEntry
from gisdata.models import Constraint, Layer
from tests.e2e.test_citizen_journey import log_in
from tests.e2e.test_dashboard_setup import shot
from tests.factories import project_make, user_make

pytestmark = [pytest.mark.browser, pytest.mark.integration]
DEMO = Path(__file__).resolve().parents[2] / "demo"


def test_a_planner_imports_publishes_styles_and_constrains_a_layer(new_page, worker,
                                                                  transactional_db):
    user_make("planner", planner=True)
    project = project_make()
    page = new_page()
    log_in(page, "planner")
    page.goto("/dashboard/")
    page.get_by_role("link", name="Datasets", exact=True).click()
    page.get_by_role("link", name="Import a dataset").click()
    page.get_by_label("Name").fill("Bike lanes of Barcelona")
    page.set_input_files("input[name=source_file]", str(DEMO / "barcelona" / "bike_lanes.geojson"))
    page.get_by_label("Licence").fill("CC BY 4.0")
    page.get_by_role("button", name="Start the import").click()
    expect(page.locator("[data-progress-text]")).to_contain_text("Succeeded", timeout=60_000)
    shot(page, "dashboard-import-done.png")

    page.get_by_role("link", name="bike_lanes").click()
    expect(page.get_by_role("heading", name="bike_lanes")).to_be_visible()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".message")).to_contain_text("is published")
    page.get_by_label("Colour on the map").fill("#c2410c")
    page.get_by_role("button", name="Save the colour").click()
    expect(page.locator(".message")).to_have_text("The colour is saved.")
    add = page.locator("form.constraint").last
    add.get_by_label("Rule").select_option("within")
    add.get_by_label("Distance in metres").fill("20")
    add.get_by_label("Severity").select_option("info")
    add.get_by_label("Message").fill("Near a bike lane")
    add.get_by_role("button", name="Add the constraint").click()
    expect(page.locator(".message")).to_have_text("The constraint is added.")
    shot(page, "dashboard-layer.png")

    layer = Layer.objects.get(name="bike_lanes")
    assert layer.is_published and layer.style["color"] == "#c2410c"
    assert Constraint.objects.get(layer=layer).distance_m == 20
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {
        "layer.publish", "layer.style", "constraint.create"}

    # The citizens' map lists the layer with the planner's colour in its swatch.
    page.goto(f"/projects/{project.slug}/")
    swatch = page.locator(".layer-swatch").first
    expect(swatch).to_have_attribute("style", re.compile("#c2410c"))
