"""A citizen signs up, confirms their e-mail, claims a role; a planner verifies it."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import RoleClaim
from tests.factories import PASSWORD, role_make, user_make

pytestmark = pytest.mark.browser


def log_in(page, username, password=PASSWORD):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name=re.compile("sign in|log in", re.I)).click()


def test_sign_up_confirm_claim_and_get_verified(new_page, mailoutbox, transactional_db):
    role_make("resident", "1", name="Resident", position=10)
    user_make("planner", planner=True)

    page = new_page()
    page.goto("/")
    page.get_by_role("link", name="Join").click()
    page.fill("input[name=email]", "nuria@example.org")
    page.fill("input[name=username]", "nuria")
    page.fill("input[name=password1]", "a-long-pass-phrase-77")
    page.fill("input[name=password2]", "a-long-pass-phrase-77")
    page.get_by_role("checkbox", name=re.compile("I accept the terms of use", re.I)).check()
    page.get_by_role("button", name=re.compile("sign up", re.I)).click()
    expect(page.get_by_text(re.compile("verify your email|sent (you )?an e-?mail", re.I)).first)\
        .to_be_visible()

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mailoutbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    page.goto("/accounts/profile/")
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()

    page.get_by_role("link", name="Claim a role").click()
    page.get_by_label("Role").select_option(label="Resident")
    page.get_by_label(re.compile(r"^Evidence:?$")).fill("I live at Carrer de Sants 12.")
    page.get_by_role("button", name="Send my claim").click()
    expect(page.get_by_text("Pending review")).to_be_visible()

    desk = new_page()
    log_in(desk, "planner")
    desk.goto("/dashboard/")
    expect(desk.get_by_text("nuria")).to_be_visible()
    desk.get_by_role("link", name="Decide").click()
    desk.get_by_label("Decision").select_option("verify")
    desk.get_by_role("button", name="Record decision").click()
    expect(desk.get_by_text("Decision recorded")).to_be_visible()

    page.reload()
    expect(page.locator(".badges .badge")).to_have_text(["Resident"])
    assert RoleClaim.objects.get(user__username="nuria").decided_by.username == "planner"


def test_a_wrong_password_shows_an_error_and_no_session(new_page, transactional_db):
    user_make("carla")
    page = new_page()
    log_in(page, "carla", "not-the-password")
    expect(page.get_by_text(re.compile("not correct|incorrect", re.I)).first).to_be_visible()
    page.goto("/accounts/profile/")
    assert "/accounts/login/" in page.url


def test_the_keyboard_reaches_the_content_first(new_page, transactional_db):
    page = new_page()
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_pages_fit_a_phone_screen(new_page, transactional_db):
    user_make("carla")
    page = new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    log_in(page, "carla")
    for path in ("/", "/accounts/profile/", "/accounts/claims/new/", "/accounts/signup/"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
