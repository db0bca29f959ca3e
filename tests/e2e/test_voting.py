"""A verified resident and a business owner vote; the results show both rankings."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import ClaimStatus
from tests.e2e.test_citizen_journey import log_in
from tests.factories import claim_make, project_make, proposal_make, role_make, user_make
from voting.models import ProjectVoting, Vote

pytestmark = pytest.mark.browser
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts"


def test_residents_and_business_owners_vote_and_see_both_rankings(new_page,
                                                                  transactional_db):
    planner = user_make("planner", planner=True)
    resident_role = role_make("resident", "3", name="Resident", position=1)
    business_role = role_make("business-owner", "1", name="Business owner", position=2)
    project = project_make(
        "sant-antoni", phase="voting", title="Sant Antoni superblock",
        before_phases=lambda p: ProjectVoting.objects.create(project=p, results_public=True))
    author = user_make("author")
    shade = proposal_make(project, author, title="Shade trees")
    loading = proposal_make(project, author, title="Loading bays")
    resident = user_make("rosa")
    claim_make(resident, resident_role, status=ClaimStatus.VERIFIED, decided_by=planner)
    owners = [user_make(f"owner{i}") for i in range(2)]
    for owner in owners:
        claim_make(owner, business_role, status=ClaimStatus.VERIFIED, decided_by=planner)

    def vote(username, proposal, choice):
        page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        log_in(page, username)
        page.goto(f"/proposals/{proposal.pk}/")
        expect(page.get_by_role("heading", name="Your vote")).to_be_visible()
        page.get_by_role("button", name=choice, exact=True).click()
        expect(page.get_by_text("Your vote (")).to_be_visible()
        return page

    page = vote("rosa", shade, "Support")
    expect(page.locator(".message.success")).to_have_text(
        "Your vote (support) counts with weight 3.")
    for owner in owners:
        vote(owner.username, loading, "Support")
    assert Vote.objects.count() == 3

    page.goto(f"/projects/{project.slug}/results/")
    expect(page.get_by_role("heading", name="Where the weights changed the outcome"))\
        .to_be_visible()
    # Weighted: Shade trees (3) before Loading bays (2); with equal weights it is the reverse.
    ranking = page.locator("table.ranking > tbody > tr:not(.roles-row)")
    expect(ranking).to_have_count(2)
    cells = {name: [ranking.nth(i).locator(f"td[data-label='{name}']") for i in range(2)]
             for name in ("Rank", "Equal weights", "Proposal")}
    expect(cells["Proposal"][0].get_by_role("link")).to_have_text("Shade trees")
    expect(cells["Rank"][0]).to_have_text("1")
    expect(cells["Equal weights"][0]).to_have_text("2 ▲ 1")  # second with equal weights
    expect(cells["Proposal"][1].get_by_role("link")).to_have_text("Loading bays")
    expect(cells["Rank"][1]).to_have_text("2")
    expect(cells["Equal weights"][1]).to_have_text("1 ▼ 1")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "results-on-a-phone.png"), full_page=True)
