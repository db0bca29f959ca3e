"""Sign-up with the terms, e-mail confirmation and log-in, each back on the page where the
journey began, on a desktop and on a phone."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from accounts.models import User
from tests.factories import PASSWORD, project_make, proposal_make, user_make

pytestmark = pytest.mark.browser

SCREENS = {"desktop": {}, "phone": {"viewport": {"width": 390, "height": 844},
                                    "is_mobile": True, "has_touch": True}}
NEW_PASSWORD = "a-long-pass-phrase-77"


@pytest.fixture(autouse=True)
def _no_rate_limits():
    """allauth sends one confirmation per address in 3 minutes: each test starts afresh."""
    cache.clear()


@pytest.fixture(params=SCREENS)
def screen(request):
    return SCREENS[request.param]


@pytest.fixture
def voting_proposal(transactional_db):
    project = project_make("sant-antoni", phase="voting", title="Sant Antoni superblock")
    return proposal_make(project, user_make("author"), title="Shade trees")


def fill_sign_up(page, username="nuria"):
    page.get_by_label("E-mail address").fill(f"{username}@example.org")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password (again)").fill(NEW_PASSWORD)


def no_sign_in_wording(page):
    assert not re.search(r"\bsign(ed)?[ -]?(in|out)\b", page.inner_text("body"), re.I), page.url


def test_sign_up_from_a_proposal_confirm_and_be_back_on_it_logged_in(
        new_page, screen, voting_proposal, mailoutbox):
    page = new_page(**screen)
    page.goto(f"/proposals/{voting_proposal.pk}/")
    page.get_by_role("banner").get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", name="Sign up")).to_be_visible()
    no_sign_in_wording(page)
    fill_sign_up(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the sign-up page scrolls sideways by {overflow}px"

    # Without the tick the form is not sent, and nothing typed is lost.
    page.get_by_role("button", name="Sign up").click()
    terms = page.get_by_role("checkbox", name=re.compile("I accept the terms of use"))
    assert terms.evaluate("box => !box.validity.valid")
    assert not User.objects.filter(username="nuria").exists()
    expect(page.get_by_label("E-mail address")).to_have_value("nuria@example.org")
    expect(page.get_by_label("Password (again)")).to_have_value(NEW_PASSWORD)

    terms.check()
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Confirm your e-mail address")).to_be_visible()
    no_sign_in_wording(page)

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mailoutbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    expect(page).to_have_url(re.compile(rf"/proposals/{voting_proposal.pk}/$"))
    expect(page.get_by_text("You are logged in as nuria.")).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("link", name="nuria")).to_be_visible()
    assert User.objects.get(username="nuria").terms_accepted_at is not None


def test_a_refused_sign_up_says_why_and_keeps_the_address(new_page, screen, transactional_db):
    """The server's own refusal, for a browser that sends the form without the tick."""
    page = new_page(**screen)
    page.goto("/accounts/signup/")
    fill_sign_up(page)
    page.locator("form[action='/accounts/signup/']").evaluate("form => form.noValidate = true")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("alert")).to_have_text(
        "To sign up, tick the box to accept the terms of use and the privacy policy.")
    expect(page.get_by_label("E-mail address")).to_have_value("nuria@example.org")
    expect(page.get_by_label("Username")).to_have_value("nuria")
    assert not User.objects.filter(username="nuria").exists()


def test_confirming_in_another_browser_asks_to_log_in_and_then_goes_back(
        new_page, voting_proposal, mailoutbox):
    page = new_page()
    page.goto(f"/proposals/{voting_proposal.pk}/")
    page.get_by_role("banner").get_by_role("link", name="Sign up").click()
    fill_sign_up(page)
    page.get_by_role("checkbox", name=re.compile("I accept the terms of use")).check()
    page.get_by_role("button", name="Sign up").click()
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mailoutbox[-1].body).group(0)

    phone = new_page(**SCREENS["phone"])
    phone.goto(link)
    phone.get_by_role("button", name=re.compile("confirm", re.I)).click()
    expect(phone.get_by_text("Your e-mail address is confirmed. Log in to continue.")) \
        .to_be_visible()
    phone.get_by_label("Username or e-mail address").fill("nuria")
    phone.get_by_label("Password").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    expect(phone).to_have_url(re.compile(rf"/proposals/{voting_proposal.pk}/$"))


def test_log_in_from_log_in_to_vote_lands_back_on_the_proposal(new_page, screen,
                                                               voting_proposal):
    user_make("carla")
    page = new_page(**screen)
    page.goto(f"/proposals/{voting_proposal.pk}/")
    page.locator(".vote-box").get_by_role("link", name="Log in").click()
    no_sign_in_wording(page)
    page.get_by_label("Username or e-mail address").fill("carla")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(rf"/proposals/{voting_proposal.pk}/$"))
    expect(page.get_by_role("heading", name="Your vote")).to_be_visible()


def test_a_planner_logging_in_from_the_home_page_lands_on_the_dashboard(new_page, screen,
                                                                       transactional_db):
    user_make("pau", planner=True)
    page = new_page(**screen)
    page.goto("/")
    page.get_by_role("banner").get_by_role("link", name="Log in").click()
    page.get_by_label("Username or e-mail address").fill("pau")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))


@pytest.mark.quality("open-redirect")
def test_an_unsafe_next_is_ignored(new_page, transactional_db):
    user_make("carla")
    page = new_page()
    page.goto("/accounts/login/?next=https://evil.example/")
    page.get_by_label("Username or e-mail address").fill("carla")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("You are logged in as carla.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))  # the home page, here


def test_a_wrong_password_says_so_in_plaza_words(new_page, screen, transactional_db):
    user_make("carla")
    page = new_page(**screen)
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail address").fill("carla")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    no_sign_in_wording(page)


def test_the_footer_links_to_terms_privacy_and_contact(new_page, screen, transactional_db):
    page = new_page(**screen)
    page.goto("/")
    footer = page.get_by_role("contentinfo")
    for name, heading in [("Terms of use", "Terms of use"), ("Privacy policy", "Privacy policy"),
                          ("Contact", "Contact")]:
        footer.get_by_role("link", name=name, exact=True).click()
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    expect(page.locator("main").get_by_role("link", name="plaza-contact@example.org")) \
        .to_have_attribute("href", "mailto:plaza-contact@example.org")
    page.goto("/accounts/signup/")
    page.locator("main").get_by_role("link", name="privacy policy").click()
