"""A planner clicks "Compile report" on the dashboard, watches the progress bar reach
done while the real worker compiles, and downloads the PDF."""

from __future__ import annotations

import re
import subprocess

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.e2e.conftest import browser, new_page  # noqa: F401 - fixtures
from tests.e2e.test_citizen_journey import log_in
from tests.reports.readback import PDF_ROW

pytestmark = [pytest.mark.browser, pytest.mark.integration,
              pytest.mark.django_db(transaction=True)]


def test_a_planner_compiles_a_report_and_downloads_the_pdf(new_page, worker,  # noqa: F811
                                                          council, districts, tmp_path):
    page = new_page()  # the `planner` of the council fixture
    log_in(page, "planner")
    page.goto("/dashboard/")
    page.get_by_role("link", name="decision reports").click()
    page.get_by_role("link", name="Poblenou superblock").click()
    expect(page.get_by_role("heading", name=re.compile("Reports of"))).to_be_visible()
    page.get_by_label("Count participation by").select_option(
        label="Districts — Districts (2 areas)")
    polled = []
    page.on("request", lambda r: polled.append(r.url) if "/api/v1/reports/" in r.url
            else None)
    page.get_by_role("button", name="Compile report").click()

    progress = page.locator("[data-import-progress]").first
    first_seen = progress.get_attribute("data-status")
    # The worker compiles; the script polls the API and reloads the page when done.
    expect(page.locator("[data-progress-text]").first).to_contain_text("Succeeded",
                                                                       timeout=120_000)
    if first_seen in ("queued", "running"):
        assert polled, "the page did not poll the report's progress"
    expect(page.locator("progress").first).to_have_attribute("value", "100")
    artefacts = settings.BASE_DIR / "test-artefacts"
    artefacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artefacts / "report-progress.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").first.click()
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    assert target.name.endswith(".pdf") and target.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(target), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "Decision report: Poblenou superblock" in text
    assert sum(1 for line in text.splitlines() if PDF_ROW.match(line)) == 4
