"""A planner verifies a citizen's role claim in the dashboard's queue, with an expiry;
the citizen's profile shows the role and the citizen is e-mailed."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import RoleClaim
from audit.models import AuditEntry
from tests.e2e.test_citizen_journey import log_in
from tests.e2e.test_dashboard_setup import shot
from tests.factories import claim_make, role_make, user_make

pytestmark = pytest.mark.browser


def test_a_planner_verifies_a_claim_from_the_queue(new_page, transactional_db):
    resident = role_make("resident", "1", name="Resident", position=10)
    nuria = user_make("nuria", display_name="Núria <3")
    claim_make(nuria, resident, evidence_file="")
    user_make("planner", planner=True)

    page = new_page()
    log_in(page, "planner")
    page.goto("/dashboard/")
    page.get_by_role("link", name="Role claims", exact=True).click()
    expect(page.get_by_role("cell", name="Núria <3", exact=True)).to_be_visible()  # escaped
    page.get_by_role("link", name="Decide Núria <3, Resident").click()
    expect(page.get_by_text("I live here.")).to_be_visible()
    page.get_by_label("Decision").select_option("verify")
    until = timezone.localdate() + timedelta(days=180)
    page.get_by_label("Valid until").fill(until.isoformat())
    shot(page, "dashboard-role-claim.png")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Decision recorded")).to_be_visible()
    expect(page.get_by_text("Nothing waits for you.")).to_be_visible()

    claim = RoleClaim.objects.get()
    assert claim.status == "verified" and claim.decided_by.username == "planner"
    assert timezone.localtime(claim.expires_at).date() == until
    assert AuditEntry.objects.get().action == "claim.verify"

    citizen = new_page()
    log_in(citizen, "nuria")
    citizen.goto("/accounts/profile/")
    expect(citizen.locator(".badges .badge")).to_have_text(["Resident"])
