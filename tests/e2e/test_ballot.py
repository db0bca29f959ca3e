"""The voter sees their own choice on the proposal page, and how far through the ballot
they are on the project page, on a phone."""

import pytest
from playwright.sync_api import expect

from accounts.models import ClaimStatus
from tests.e2e.test_citizen_journey import log_in
from tests.factories import claim_make, project_make, proposal_make, role_make, user_make

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_the_voter_sees_their_choice_and_their_progress(new_page, transactional_db):
    planner = user_make("planner", planner=True)
    resident = role_make("resident", "1", name="Resident")
    project = project_make("sant-antoni", phase="voting", title="Sant Antoni superblock")
    author = user_make("author")
    shade = proposal_make(project, author, title="Shade trees")
    proposal_make(project, author, title="Loading bays")
    rosa = user_make("rosa")
    claim_make(rosa, resident, status=ClaimStatus.VERIFIED, decided_by=planner)
    page = new_page(**PHONE)
    log_in(page, "rosa")

    page.goto(f"/proposals/{shade.pk}/")
    buttons = {name: page.get_by_role("button", name=name, exact=True)
               for name in ("Support", "Oppose", "Abstain")}
    for button in buttons.values():  # nothing looks chosen before a choice
        expect(button).to_have_attribute("aria-pressed", "false")
    buttons["Oppose"].click()
    expect(page.get_by_text("Your vote (oppose)")).to_be_visible()
    chosen = buttons["Oppose"]
    expect(chosen).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Support", exact=True)).to_have_attribute(
        "aria-pressed", "false")
    # The chosen one is filled, the others are not.
    assert chosen.evaluate("b => getComputedStyle(b).backgroundColor") != page.get_by_role(
        "button", name="Support", exact=True).evaluate(
        "b => getComputedStyle(b).backgroundColor")

    page.goto(f"/projects/{project.slug}/")
    expect(page.get_by_text("You voted on 1 of 2 proposals.")).to_be_visible()
