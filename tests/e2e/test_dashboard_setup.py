"""A planner sets up a consultation in the browser: the area is a district imported
as a layer, then the project is opened; the dashboard's pages fit a phone screen and
work from the keyboard."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from proposals.models import Project
from tests.dashboard.conftest import districts_make
from tests.e2e.test_citizen_journey import log_in
from tests.factories import user_make

pytestmark = pytest.mark.browser
FMT = "%Y-%m-%dT%H:%M"


def shot(page, name):
    artefacts = settings.BASE_DIR / "test-artefacts"
    artefacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artefacts / name), full_page=True)


def test_a_planner_sets_up_a_project_with_a_district_as_its_area(new_page, transactional_db):
    user_make("planner", planner=True)
    layer = districts_make()
    gracia = layer.features.get(properties__NOM="Gràcia")
    page = new_page()
    log_in(page, "planner")
    page.goto("/dashboard/")
    page.get_by_role("link", name="Set up a project").click()
    expect(page.get_by_role("heading", name="Set up a project")).to_be_visible()

    page.locator("#id_title").fill("Superilla de Gràcia")
    page.locator("#id_description").fill("Streets for people around Plaça del Sol.")
    page.get_by_label("Visibility").select_option("public")
    # The layer by its title, dataset and count; then the district by part of its name.
    page.get_by_label("Take the area from the layer").select_option(
        label="Districtes — Districtes (2 areas)")
    page.get_by_label("Find its feature by name").fill("gràc")
    matches = page.locator("[data-area-list] label")
    expect(matches).to_have_count(1)
    expect(matches).to_have_text("Gràcia")
    matches.get_by_text("Gràcia").click()
    # Before saving, the chosen district is on the map (in the picker's colour).
    expect(page.locator("[data-map-status]")).to_contain_text("“Gràcia” is shown on the map")
    expect(page.locator("#map path.leaflet-interactive, #map path[stroke='#c2410c']")
           .first).to_be_attached()
    assert page.locator("#map path[stroke='#c2410c']").count() == 1
    start = timezone.localtime() + timedelta(days=1)
    page.get_by_label("Ideation: proposals open opens").fill(start.strftime(FMT))
    page.get_by_label("Ideation: proposals open closes").fill(
        (start + timedelta(days=21)).strftime(FMT))
    page.locator("input[name='categories-0-name']").fill("Trees and shade")
    shot(page, "dashboard-project-form.png")
    page.get_by_role("button", name="Save the project").click()

    expect(page.get_by_role("heading", name="Superilla de Gràcia")).to_be_visible()
    expect(page.get_by_text("is saved")).to_be_visible()
    shot(page, "dashboard-project-overview.png")
    project = Project.objects.get()
    assert project.area.equals_exact(gracia.geometry, tolerance=1e-9)
    assert project.phases.get().kind == "ideation"

    # The citizens' page shows the area on its map.
    page.get_by_role("link", name="The project as citizens see it").click()
    expect(page.locator("#map")).to_be_visible()


def test_without_javascript_find_lists_the_districts_and_saving_takes_the_one_chosen(
        new_page, transactional_db):
    user_make("planner", planner=True)
    layer = districts_make()
    gracia = layer.features.get(properties__NOM="Gràcia")
    page = new_page(java_script_enabled=False)
    log_in(page, "planner")
    page.goto("/dashboard/projects/new/")
    page.locator("#id_title").fill("Gràcia without scripts")
    page.locator("#id_description").fill("Plain HTML works too.")
    page.get_by_label("Take the area from the layer").select_option(str(layer.pk))
    page.get_by_label("Find its feature by name").fill("Gràcia")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_label("Gràcia")).to_be_visible()
    expect(page.get_by_text("Sants")).to_have_count(0)
    expect(page.locator(".errorlist")).to_have_count(0)  # a search blames nothing
    page.get_by_label("Gràcia").check()
    page.locator("input[name='categories-0-name']").fill("Streets")
    page.get_by_role("button", name="Save the project").click()
    expect(page.get_by_text("is saved")).to_be_visible()
    project = Project.objects.get()
    assert project.area.equals_exact(gracia.geometry, tolerance=1e-9)


def test_the_dashboard_fits_a_phone_and_answers_the_keyboard(new_page, transactional_db):
    user_make("planner", planner=True)
    from tests.factories import project_make

    project = project_make()
    layer = districts_make()
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(page, "planner")
    for path in ("/dashboard/", "/dashboard/projects/", "/dashboard/projects/new/",
                 f"/dashboard/projects/{project.slug}/",
                 f"/dashboard/projects/{project.slug}/edit/",
                 f"/dashboard/projects/{project.slug}/weights/",
                 f"/dashboard/projects/{project.slug}/proposals/",
                 "/dashboard/moderation/", "/dashboard/roles/", "/dashboard/audit/",
                 f"/dashboard/layers/{layer.pk}/"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    shot(page, "dashboard-phone-layer.png")

    # From the skip link to the first dashboard link, by keyboard alone.
    page.goto("/dashboard/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Set up a project":
            break
    else:
        pytest.fail("the keyboard never reached “Set up a project”")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/dashboard/projects/new/$"))
