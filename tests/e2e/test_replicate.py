"""Skopje's planner replicates Athens' project from its dashboard page, by keyboard on a
phone-sized screen, and lands on the copy in Skopje's dashboard."""

import pytest
from playwright.sync_api import expect

from proposals.models import Project
from tests.dashboard.region_world import planner_of, region_world_make
from tests.e2e.test_citizen_journey import log_in

pytestmark = pytest.mark.browser


def test_a_planner_replicates_a_project_to_skopje(new_page, transactional_db):
    region_world = region_world_make()
    planner_of(region_world["skopje"], region=region_world["region"], name="ana")
    page = new_page(viewport={"width": 390, "height": 844})
    log_in(page, "ana")
    page.goto("/athens/dashboard/projects/synathina/")
    page.get_by_label("Target municipality").select_option(label="Skopje")
    page.get_by_label("First phase opens on").fill("2027-03-01")
    page.get_by_role("button", name="Replicate", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{page.url.split('/athens/')[0]}/skopje/dashboard/projects/"
                             "synathina/")
    expect(page.get_by_text("is replicated to Skopje as a draft")).to_be_visible()
    expect(page.get_by_role("heading", name="SynAthina", level=1)).to_be_visible()
    assert Project.objects.get(replicated_from=region_world["project"]).visibility == "draft"
