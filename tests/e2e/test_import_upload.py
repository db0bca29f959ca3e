"""A planner uploads a real open data file in the browser, watches the progress bar move while a
real Celery worker imports it, and sees the layer with its feature count."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from gisdata.models import ImportRun, Layer
from tests.e2e.test_citizen_journey import log_in
from tests.factories import user_make

pytestmark = [pytest.mark.browser, pytest.mark.integration]
DEMO = Path(__file__).resolve().parents[2] / "demo"


def test_a_planner_uploads_districts_and_watches_the_import(new_page, worker,  # noqa: F811
                                                             transactional_db):
    user_make("planner", planner=True)
    page = new_page()
    log_in(page, "planner")
    page.goto("/dashboard/")
    page.get_by_role("link", name="import a dataset").click()
    expect(page.get_by_role("heading", name="Import a dataset")).to_be_visible()

    page.get_by_label("Name").fill("Districtes de Barcelona")
    page.set_input_files("input[name=source_file]", str(DEMO / "barcelona" / "districtes.zip"))
    page.get_by_label("Licence").fill("CC BY 4.0")
    polled = []
    page.on("request", lambda r: polled.append(r.url) if "/api/v1/imports/" in r.url else None)
    page.get_by_role("button", name="Start the import").click()

    expect(page).to_have_url(re.compile(r"/dashboard/imports/runs/\d+/$"))
    expect(page.get_by_label("Features done")).to_be_visible()
    status = page.get_by_role("status").filter(has_text=re.compile("Queued|Running|Succeeded"))
    expect(status).to_be_visible()
    first_seen = page.locator("[data-import-progress]").get_attribute("data-status")
    # The worker imports; the script polls the API and reloads the page when it is done.
    expect(page.locator("[data-progress-text]")).to_contain_text("Succeeded", timeout=60_000)

    # The shapefile's layer: 0301040100_Districtes_UNITATS_ADM.
    if first_seen in ("queued", "running"):
        assert polled, "the page did not poll the import's progress"
    row = page.locator("table.import-layers tbody tr").filter(
        has_text=re.compile("districtes", re.I))
    expect(row.locator("td[data-label=Features]")).to_have_text("10")
    expect(row.locator("td[data-label=Geometry]")).to_contain_text("Areas")
    expect(page.get_by_label("Features done")).to_have_attribute("value", "100")
    artefacts = settings.BASE_DIR / "test-artefacts"
    artefacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artefacts / "import-progress.png"), full_page=True)

    row.get_by_role("button", name=re.compile(r"^Publish .*districtes", re.I)).click()
    expect(page.get_by_text("Unpublish")).to_be_visible()
    run = ImportRun.objects.get()
    assert (run.status, run.imported_count) == ("succeeded", 10)
    assert Layer.objects.get(name__icontains="districtes").is_published
