"""On the results page, a role with too few voters is merged into "Other roles" and the
page says why; opened by keyboard, on a phone and a desktop."""

import pytest
from playwright.sync_api import expect

from accounts.models import ClaimStatus
from tests.factories import claim_make, project_make, proposal_make, role_make, user_make
from voting.models import ProjectVoting
from voting.services import vote_cast

pytestmark = pytest.mark.browser


def _groups(planner):
    """Residents 6, business owners 5 (the threshold), experts 2 and civil society 3."""
    sizes = {"resident": 6, "business-owner": 5, "expert": 2, "civil-society": 3}
    roles = {slug: role_make(slug, "1", position=n) for n, slug in enumerate(sizes)}
    project = project_make("sant-antoni", phase="voting", title="Sant Antoni superblock",
                           before_phases=lambda p: ProjectVoting.objects.create(
                               project=p, results_public=True))
    proposal = proposal_make(project, user_make("author"), title="Shade trees")
    for slug, count in sizes.items():
        for n in range(count):
            user = user_make(f"{slug}{n}")
            claim_make(user, roles[slug], status=ClaimStatus.VERIFIED, decided_by=planner)
            vote_cast(user=user, proposal=proposal, value=1)
    return project


@pytest.mark.parametrize("device", [
    {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    {"viewport": {"width": 1280, "height": 800}}], ids=["phone", "desktop"])
@pytest.mark.quality("small-role-groups")
def test_small_role_groups_show_as_other_roles_with_the_reason(new_page, transactional_db,
                                                                planner, device):
    project = _groups(planner)
    page = new_page(**device)
    page.goto(f"/projects/{project.slug}/results/")
    expect(page.get_by_role("note").filter(has_text="Roles with fewer than 5 voters")) \
        .to_contain_text("merged into “Other roles” so that no one's ballot can be inferred")
    summary = page.get_by_text("By stakeholder role")
    summary.focus()
    page.keyboard.press("Enter")
    table = page.locator("table.role-bars")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr td:first-child")).to_have_text(
        ["Resident", "Business Owner", "Other roles"])
    expect(page.get_by_text("Other roles: Expert, Civil Society.")).to_be_visible()
