"""A visitor finds proposals from the header's search box, on a phone and by keyboard:
a Catalan proposal found without typing its accents, matches marked in an escaped
snippet, the filters narrowing the results, the next page."""

import pytest
from playwright.sync_api import expect

from tests.factories import comment_make, project_make, proposal_make, user_make

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 780}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def proposals(transactional_db):
    author = user_make("author")
    project = project_make("superilla", title="Superilla")
    plaza = proposal_make(project, author, language="ca", title="Arbres a la plaça",
                          body="Més ombra a la plaça <img src=x onerror=alert(1)> del barri.")
    proposal_make(project, author, language="ca", title="Un carril bici",
                  body="Pel carrer de baix.")
    comment_make(plaza, author, "La plaça necessita fonts", language="ca")
    for i in range(22):
        proposal_make(project, author, title=f"Fountain {i}", body="Water for all.")
    return plaza


@pytest.mark.quality("search-catalan-accents")
def test_a_visitor_on_a_phone_finds_a_proposal_by_keyboard(new_page, proposals):
    page = new_page(**PHONE)
    page.goto("/")
    box = page.get_by_role("searchbox", name="Search proposals, comments and projects")
    expect(box).to_be_visible()
    box.focus()
    page.keyboard.type("placa")  # no accent typed
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=placa")
    results = page.locator(".search-result")
    expect(results).to_have_count(1)
    expect(results.locator("mark").first).to_have_text("plaça")
    # The body's markup is shown as text, never run or drawn.
    expect(results.locator("img")).to_have_count(0)
    expect(results.locator(".snippet")).to_contain_text("ombra a la plaça")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways on a phone: {width}px"
    # Comments by keyboard: the radio, then the form's button.
    page.get_by_role("radio", name="Comments").check()
    page.get_by_role("button", name="Search", exact=True).last.press("Enter")
    expect(page.locator(".search-result")).to_have_count(1)
    expect(page.locator(".search-result h3")).to_contain_text("A comment on")
    page.locator(".search-result h3 a").press("Enter")
    page.wait_for_url(f"**/proposals/{proposals.pk}/**")


def test_results_come_a_page_at_a_time(new_page, proposals):
    page = new_page()
    page.goto("/search/?q=fountains")
    expect(page.locator(".search-result")).to_have_count(20)
    page.get_by_role("link", name="More results").click()
    expect(page.locator(".search-result")).to_have_count(2)
    expect(page.get_by_role("link", name="More results")).to_have_count(0)


def test_the_search_page_speaks_catalan(new_page, proposals):
    page = new_page(locale="ca-ES", extra_http_headers={"Accept-Language": "ca"})
    page.goto("/search/?q=pla%C3%A7a")
    expect(page.get_by_role("heading", name="Cerca", exact=True)).to_be_visible()
    expect(page.locator(".search-result")).to_have_count(1)
