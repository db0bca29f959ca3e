"""A citizen comments on a proposal; another replies from a phone, with the keyboard."""

import pytest
from playwright.sync_api import expect

from proposals.models import Comment
from tests.e2e.test_citizen_journey import log_in
from tests.factories import project_make, proposal_make, user_make

pytestmark = pytest.mark.browser


def test_a_citizen_comments_and_another_replies(new_page, transactional_db):
    proposal = proposal_make(project_make(), user_make("proposer"),
                             title="Shade for Plaça del Sol")
    user_make("carla", display_name="Carla")
    user_make("nuria", display_name="Núria")

    page = new_page()
    log_in(page, "carla")
    page.goto(f"/proposals/{proposal.pk}/")
    page.get_by_label("Your comment").fill("We need trees here <and> benches.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("Your comment is posted.")).to_be_visible()
    expect(page.locator(".comment-list .comment-body")).to_have_text(
        ["We need trees here <and> benches."])

    phone = new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    log_in(phone, "nuria")
    phone.goto(f"/proposals/{proposal.pk}/#comments")
    phone.locator("summary", has_text="Reply").first.focus()
    phone.keyboard.press("Enter")  # a <details> opens from the keyboard, no script needed
    phone.get_by_label("Your reply to Carla").fill("Yes, and a fountain.")
    phone.get_by_role("button", name="Send reply").click()
    expect(phone.get_by_text("Your reply is posted.")).to_be_visible()
    expect(phone.locator(".replies .comment-body")).to_have_text(["Yes, and a fountain."])
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the discussion scrolls sideways by {overflow}px on a phone"

    page.reload()
    expect(page.locator(".replies .comment-author")).to_have_text(["Núria"])
    top = Comment.objects.get(parent=None)
    assert Comment.objects.get(parent=top).author.username == "nuria"
