"""A resident pledges their roof: on a phone, by tapping their building on the map; and
with the keyboard alone, by finding the building by name in the list."""

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from playwright.sync_api import expect

from energy import services
from energy.models import Pledge
from tests.e2e.places_world import tab_to
from tests.e2e.test_citizen_journey import log_in
from tests.energy.conftest import BUILDING_LONS, LAT, features, layer_of, rectangle
from tests.factories import project_make, user_make

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}


def community_with_buildings():
    planner = user_make("planner", planner=True)
    layer = layer_of("buildings", [rectangle(lon, LAT) for lon in BUILDING_LONS])
    layer.label_property = "name"
    layer.save()
    for i, feature in enumerate(features(layer)):
        feature.properties = {"name": f"Carrer del Sol {10 + i}"}
        feature.save()
    # The district: one street's block, so the map opens at street zoom.
    area = MultiPolygon(Polygon.from_bbox((2.1492, 41.3894, 2.1529, 41.3906)), srid=4326)
    community = services.community_create(project=project_make("solar-street", area=area),
                                          planner=planner, building_layer=layer)
    return community, features(layer)


def test_on_a_phone_a_resident_taps_their_building_fills_the_form_and_pledges(
        new_page, transactional_db):
    community, buildings = community_with_buildings()
    member = user_make("nuria")
    page = new_page(**PHONE)
    log_in(page, "nuria")
    page.goto(f"/energy/{community.pk}/pledge/")
    roofs = page.locator("path.energy-building")
    expect(roofs).to_have_count(len(buildings))
    roofs.nth(2).tap()
    expect(page.locator("[data-map-status]")).to_contain_text("Carrer del Sol 12")
    chosen = page.locator('input[name="building"]:checked')
    expect(chosen).to_have_value(str(buildings[2].pk))
    # The roof's defaults become the PV fields' placeholders.
    expect(page.locator("#id_pv_tilt")).to_have_attribute("placeholder", "30")
    page.select_option("#id_kind", "household")
    page.fill("#id_yearly_kwh", "3200")
    page.fill("#id_battery_kwh", "5")
    page.fill("#id_battery_kw", "2.5")
    page.get_by_role("button", name="Pledge", exact=True).tap()
    expect(page.get_by_role("heading", name="My pledge")).to_be_visible()
    expect(page.get_by_text("Carrer del Sol 12")).to_be_visible()
    pledge = Pledge.objects.get(member=member)
    assert pledge.building_id == buildings[2].pk and pledge.yearly_kwh == 3200
    assert pledge.battery_kwh == 5 and pledge.pv_kwp > 0


def test_with_the_keyboard_a_resident_finds_the_building_by_name_and_pledges(
        new_page, transactional_db):
    community, buildings = community_with_buildings()
    member = user_make("pau")
    page = new_page(viewport={"width": 1200, "height": 900})
    log_in(page, "pau")
    page.goto(f"/energy/{community.pk}/pledge/")
    page.locator("h1").focus()
    search = page.get_by_role("searchbox", name="Find your building by name or address")
    tab_to(page, search)
    page.keyboard.type("sol 13")
    page.keyboard.press("Enter")
    radio = page.get_by_role("radio", name="Carrer del Sol 13")
    expect(radio).to_be_visible()
    tab_to(page, radio)
    page.keyboard.press("Space")
    expect(radio).to_be_checked()
    expect(page.locator("[data-map-status]")).to_contain_text("Carrer del Sol 13")
    tab_to(page, page.locator("#id_yearly_kwh"))
    page.keyboard.type("4100")
    tab_to(page, page.locator("#id_pv_kwp"))
    page.keyboard.type("3.5")
    tab_to(page, page.get_by_role("button", name="Pledge", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My pledge")).to_be_visible()
    pledge = Pledge.objects.get(member=member)
    assert pledge.building_id == buildings[3].pk and pledge.pv_kwp == 3.5


@pytest.mark.allow_failed(r"^400 POST .*/energy/\d+/pledge/$")
def test_an_error_keeps_the_building_and_what_was_typed(new_page, transactional_db):
    community, buildings = community_with_buildings()
    user_make("marta")
    page = new_page(**PHONE)
    log_in(page, "marta")
    page.goto(f"/energy/{community.pk}/pledge/")
    page.locator("path.energy-building").first.tap()
    expect(page.locator('input[name="building"]:checked')).to_have_value(str(buildings[0].pk))
    page.fill("#id_yearly_kwh", "20")
    page.get_by_role("button", name="Pledge", exact=True).tap()
    expect(page.locator("#id_yearly_kwh_error")).to_contain_text("yearly use")
    expect(page.locator("#id_yearly_kwh")).to_have_value("20")
    expect(page.locator('input[name="building"]:checked')).to_have_value(str(buildings[0].pk))
    assert not Pledge.objects.exists()
