"""Results read while voting is open are marked provisional, on a phone and a desktop;
the same page after voting closed is not."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from proposals.models import Phase
from tests.factories import project_make, proposal_make, user_make
from voting.models import ProjectVoting

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("device", [
    {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    {"viewport": {"width": 1280, "height": 800}}], ids=["phone", "desktop"])
def test_open_results_say_provisional_until_voting_closes(new_page, transactional_db,
                                                          device):
    project = project_make(
        "sant-antoni", phase="voting", title="Sant Antoni superblock",
        before_phases=lambda p: ProjectVoting.objects.create(project=p, results_public=True))
    proposal_make(project, user_make("author"), title="Shade trees")
    closes = timezone.localtime(project.phases.get(kind="voting").ends_at)
    page = new_page(**device)
    page.goto(f"/projects/{project.slug}/results/")
    note = page.get_by_role("note").filter(has_text="Provisional.")
    expect(note).to_be_visible()
    expect(note).to_contain_text(f"Voting is still open, until {closes:%-d %B %Y, %H:%M}")

    Phase.objects.filter(project=project, kind="voting").update(
        ends_at=timezone.now() - timedelta(minutes=1))
    page.reload()
    expect(page.get_by_role("heading", name="Ranking")).to_be_visible()
    expect(page.get_by_text("Provisional.")).to_have_count(0)
