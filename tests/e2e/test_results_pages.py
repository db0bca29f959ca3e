"""A city's ranking is read a page at a time: by keyboard, the reader goes to the next
page and to a page by its number, and each page says which proposals it shows."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import user_make
from tests.voting.test_ranking_pages import city
from voting.views import RESULTS_PAGE

pytestmark = pytest.mark.browser
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts"


@pytest.mark.parametrize("device", [
    {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    {"viewport": {"width": 1280, "height": 800}}], ids=["phone", "desktop"])
def test_the_ranking_is_paged_by_keyboard(new_page, transactional_db, device):
    total = 2 * RESULTS_PAGE + 7
    project = city(user_make("planner", planner=True), total)["project"]
    page = new_page(**device)
    page.goto(f"/projects/{project.slug}/results/")
    expect(page.locator("#ranking-position")).to_have_text(
        f"Proposals 1–{RESULTS_PAGE} of {total} · page 1 of 3")
    rows = page.locator("table.ranking > tbody > tr:not(.roles-row)")
    expect(rows).to_have_count(RESULTS_PAGE)
    pager = page.get_by_role("navigation", name="Pages of the ranking")
    expect(pager.get_by_role("link", name="Previous")).to_have_count(0)

    pager.get_by_role("link", name="Next").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#ranking-position")).to_have_text(
        f"Proposals {RESULTS_PAGE + 1}–{2 * RESULTS_PAGE} of {total} · page 2 of 3")
    expect(page).to_have_url(f"{page.url.split('?')[0]}?page=2#ranking-heading")
    expect(page).to_have_title(f"Results (page 2 of 3) — {project.title} — Plaza")

    field = pager.get_by_label("Go to page")
    field.focus()
    field.fill("3")
    page.keyboard.press("Enter")
    expect(page.locator("#ranking-position")).to_have_text(
        f"Proposals {2 * RESULTS_PAGE + 1}–{total} of {total} · page 3 of 3")
    expect(rows).to_have_count(total - 2 * RESULTS_PAGE)
    expect(pager.get_by_role("link", name="Next")).to_have_count(0)
    expect(pager.get_by_role("link", name="First")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    ARTEFACTS.mkdir(exist_ok=True)
    wide = "phone" if device.get("is_mobile") else "desktop"
    pager.screenshot(path=str(ARTEFACTS / f"results-pager-{wide}.png"))
    page.locator("main").screenshot(path=str(ARTEFACTS / f"results-last-page-{wide}.png"))
