"""Each municipality's colour reaches the page under the site's Content-Security-Policy,
and the footer's links take a keyboard user from one municipality to the other."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from municipalities.models import Municipality
from municipalities.selectors import municipality_default

pytestmark = pytest.mark.browser


def test_the_colour_shows_and_the_switcher_works_from_the_keyboard(new_page,
                                                                   transactional_db):
    barcelona = municipality_default()
    barcelona.name, barcelona.colour, barcelona.languages = "Barcelona", "#b3202a", ["ca"]
    barcelona.save()
    Municipality.objects.create(slug="cambridge", name="Cambridge", colour="#1f6f5c",
                                languages=["en"], tagline="Shape your riverfront")
    page = new_page()
    page.goto("/")
    header = page.locator("header.site-header")
    expect(header).to_have_css("border-top-color", "rgb(179, 32, 42)")
    expect(page.locator("html")).to_have_attribute("lang", "ca")
    link = page.locator("nav.municipalities").get_by_role("link", name="Cambridge")
    link.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/cambridge/$"))
    expect(header).to_have_css("border-top-color", "rgb(31, 111, 92)")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_text("Shape your riverfront")).to_be_visible()
    expect(page).to_have_title(f"Cambridge — {settings.SITE_NAME}")
