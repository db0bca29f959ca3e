"""The maps draw the project's area from its own address (GET /api/v1/projects/{id}/area/,
proposals/area_display.py): the pages carry only its bounding box, so the outline is
drawn once the shape arrives, and the first view is the area's even before it does."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_citizen_journey import log_in
from tests.factories import project_make, proposal_make, user_make

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def outline(page):
    return page.locator("#map path.plaza-area")


@pytest.mark.parametrize("where", ["project", "propose", "proposal", "dashboard"])
def test_the_map_draws_the_area_fetched_from_its_address(new_page, transactional_db, where):
    project = project_make("gracia")
    citizen = user_make("carla")
    page = new_page(**PHONE)
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/area/" in r.url else None)
    if where == "project":
        page.goto(f"/projects/{project.slug}/")
        page.get_by_role("button", name="Show the map").click()
    elif where == "propose":
        log_in(page, "carla")
        page.goto(f"/projects/{project.slug}/propose/")
    elif where == "proposal":
        page.goto(f"/proposals/{proposal_make(project, citizen).pk}/")
    else:
        user_make("pia", planner=True)
        log_in(page, "pia")
        page.goto(f"/dashboard/projects/{project.slug}/edit/")
    expect(outline(page)).to_have_count(1)
    assert outline(page).get_attribute("d").count("L") >= 3  # a ring, not a dot
    assert asked and asked[0].split("?")[0].endswith(f"/api/v1/projects/{project.pk}/area/")
    if where != "proposal":  # the first view is the area's (a proposal page shows the proposal)
        box = page.evaluate("""() => {
            const m = document.querySelector('#map path.plaza-area').getBoundingClientRect();
            const c = document.querySelector('#map').getBoundingClientRect();
            return [m.left - c.left, m.top - c.top, m.right - c.left, m.bottom - c.top,
                    c.width, c.height];
        }""")
        left, top, right, bottom, width, height = box
        assert left >= -1 and top >= -1 and right <= width + 1 and bottom <= height + 1
        assert right - left > width / 3 or bottom - top > height / 3
