"""A planner's settings of a layer, seen in the browser: the preview map on its page, a
new title on the citizens' map, and a constraint that speaks in one project only."""

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from playwright.sync_api import expect

from gisdata.models import Constraint, Layer
from tests.dashboard.conftest import districts_make
from tests.e2e.test_citizen_journey import log_in
from tests.e2e.test_layers import CAPTURE_MAP
from tests.e2e.test_propose_on_the_map import map_box, tap
from tests.factories import project_make, user_make
from tests.gisdata.test_constraints import zone_layer

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [{"width": 1200, "height": 900},
                                      {"width": 390, "height": 844}], ids=["desktop", "phone"])
def test_the_layer_page_previews_the_layers_features_on_a_map(new_page, transactional_db,
                                                              viewport):
    user_make("planner", planner=True)
    layer = districts_make()  # unpublished: only planners see it
    page = new_page(viewport=viewport)
    log_in(page, "planner")
    with page.expect_response(lambda r: f"/layers/{layer.pk}/features" in r.url) as answer:
        page.goto(f"/dashboard/layers/{layer.pk}/")
    assert answer.value.status == 200
    preview = page.locator("#layer-map")
    expect(preview).to_be_visible()
    expect(preview.locator("path.leaflet-interactive")).to_have_count(2)  # both districts
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_a_renamed_layer_shows_its_new_title_in_the_citizens_layer_control(
        new_page, transactional_db):
    user_make("planner", planner=True)
    layer = districts_make()
    Layer.objects.filter(pk=layer.pk).update(is_published=True, title="poblenou_heritage")
    project = project_make("renamed", area=MultiPolygon(
        Polygon.from_bbox((2.15, 41.38, 2.19, 41.41)), srid=4326))
    page = new_page()
    log_in(page, "planner")
    page.goto(f"/dashboard/layers/{layer.pk}/")
    page.locator("#id_title").fill("Heritage of Poblenou")
    page.get_by_role("button", name="Save the title and names").click()
    expect(page.get_by_text("The layer is saved.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Heritage of Poblenou")

    citizen_page = new_page()
    citizen_page.add_init_script(CAPTURE_MAP)
    citizen_page.goto(f"/projects/{project.slug}/")
    control = citizen_page.locator(".leaflet-control-layers")
    control.hover()
    expect(control.locator("label", has_text="Heritage of Poblenou")).to_be_visible()
    expect(control.locator("label", has_text="poblenou_heritage")).to_have_count(0)


def draw_point_in_the_middle(page, slug):
    page.goto(f"/projects/{slug}/propose/")
    page.get_by_role("button", name="Point", exact=True).click()
    x, y, w, h = map_box(page)
    with page.expect_response(lambda r: "/feedback/" in r.url) as answer:
        tap(page, x + w * 0.5, y + h * 0.5)
    assert answer.value.status == 200
    return page.locator("#geometry-feedback")


def test_a_constraint_scoped_to_one_project_speaks_there_and_not_in_another(
        new_page, transactional_db):
    zone_layer(message="In flood zone {fld_zone}")  # covers 2.150–2.160 × 41.390–41.400
    area = MultiPolygon(Polygon.from_bbox((2.145, 41.385, 2.165, 41.405)), srid=4326)
    scoped = project_make("riverside-a", area=area)
    project_make("riverside-b", area=area)
    Constraint.objects.get().projects.set([scoped])
    user_make("ana")
    page = new_page(viewport={"width": 1200, "height": 900})
    log_in(page, "ana")
    feedback = draw_point_in_the_middle(page, "riverside-a")
    expect(feedback).to_contain_text("In flood zone AE (Flood zones)")
    feedback = draw_point_in_the_middle(page, "riverside-b")
    expect(feedback.locator(".feedback-item")).to_have_count(0)
    expect(feedback).not_to_contain_text("In flood zone")
