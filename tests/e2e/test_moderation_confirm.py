"""A planner hides a reported proposal from the moderation queue with the keyboard only:
"Hide" asks first, Escape goes back, and nothing is hidden before the second "Hide"."""

import pytest
from playwright.sync_api import expect

from proposals.models import Flag, Proposal
from tests.e2e.test_citizen_journey import log_in
from tests.factories import project_make, proposal_make, user_make

pytestmark = pytest.mark.browser


def test_hiding_a_proposal_asks_first_and_works_with_the_keyboard(new_page, transactional_db):
    project = project_make()
    proposal = proposal_make(project, user_make("nuria"), title="Cheap watches")
    Flag.objects.create(proposal=proposal, user=user_make("reporter"), reason="Spam")
    user_make("planner", planner=True)

    page = new_page()
    log_in(page, "planner")
    page.goto("/dashboard/moderation/")
    card = page.locator(f"#proposal-{proposal.pk}")
    ask = card.locator("[data-confirm]")
    box = card.locator(".confirm")
    expect(box).to_be_hidden()

    # Without a reason, "Hide" asks for the reason, not for the confirmation.
    ask.focus()
    page.keyboard.press("Enter")
    expect(box).to_be_hidden()
    reason = card.get_by_label("Reason (the author sees it)")
    expect(reason).to_be_focused()

    page.keyboard.type("Advertising.")
    page.keyboard.press("Tab")
    expect(ask).to_be_focused()
    page.keyboard.press("Enter")
    expect(box).to_be_visible()
    expect(box).to_contain_text("Hide this proposal?")
    confirm = box.locator("[data-confirm-yes]")
    expect(confirm).to_be_focused()
    expect(ask).to_be_hidden()
    assert not Proposal.objects.get().is_hidden

    page.keyboard.press("Escape")  # second thoughts
    expect(box).to_be_hidden()
    expect(ask).to_be_focused()
    assert not Proposal.objects.get().is_hidden

    page.keyboard.press("Enter")
    expect(confirm).to_be_focused()
    page.keyboard.press("Tab")
    expect(box.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Enter")
    expect(box).to_be_hidden()
    expect(ask).to_be_focused()

    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # on the focused second "Hide"
    expect(page.get_by_text("Hidden.", exact=True)).to_be_visible()
    hidden = Proposal.objects.get()
    assert hidden.is_hidden and hidden.hidden_reason == "Advertising."
