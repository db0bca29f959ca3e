"""The pledge form, withdrawing, "My pledge" and the community's buildings: a member's
pledge and figures reach only that member; the form keeps what was typed beside each
error; names from the building layer are escaped."""

import pytest
from django.urls import reverse
from django.utils import timezone

from energy.models import MemberResult, Pledge, SimulationRun
from gisdata.models import Feature
from tests.energy.conftest import (
    BUILDING_LONS,
    LAT,
    community_make,
    features,
    option_row,
    pledge_make,
    rectangle,
)
from tests.factories import user_make

pytestmark = pytest.mark.django_db
OWN_FIGURE = 86420.1357  # a member's own savings: no sum or other figure has it


def url(name: str, community) -> str:
    return reverse(f"energy:{name}", args=[community.pk])


def form_data(**changes) -> dict:
    data = {"kind": "household", "yearly_kwh": "3500", "pv_area_m2": "", "pv_kwp": "",
            "pv_tilt": "", "pv_azimuth": "", "battery_kwh": "", "battery_kw": "",
            "flexible_share": "", "roof": "", "building": ""}
    data.update(changes)
    return data


# ------------------------------------------------------------------ who opens what


def test_anonymous_is_sent_to_log_in_for_the_form_and_my_pledge(client, community):
    for name in ("pledge", "my-pledge"):
        response = client.get(url(name, community))
        assert response.status_code == 302 and "login" in response["Location"]
    response = client.post(url("pledge", community), form_data(building=""))
    assert response.status_code == 302 and not Pledge.objects.exists()


def test_a_resident_pledges_a_building_from_the_form(client, community):
    building = features(community.building_layer)[1]
    member = user_make("resident")
    client.force_login(member)
    assert client.get(url("pledge", community)).status_code == 200
    response = client.post(url("pledge", community), form_data(building=building.pk,
                                                                pv_tilt="35"))
    assert response.status_code == 302 and response["Location"] == url("my-pledge", community)
    pledge = Pledge.objects.get(member=member)
    assert pledge.building_id == building.pk and pledge.pv_tilt == 35
    assert pledge.pv_kwp > 0  # read from the roof, left empty


def test_a_usable_area_becomes_the_arrays_peak_power(client, community):
    member = user_make("resident")
    client.force_login(member)
    client.post(url("pledge", community), form_data(
        building=features(community.building_layer)[0].pk, pv_area_m2="25"))
    assert Pledge.objects.get(member=member).pv_kwp == pytest.approx(5.0)


def test_the_flexible_share_is_given_in_percent_and_kept_as_a_fraction(client, community):
    member = user_make("resident")
    client.force_login(member)
    building = features(community.building_layer)[0].pk
    client.post(url("pledge", community), form_data(building=building, flexible_share="20"))
    assert Pledge.objects.get(member=member).flexible_share == pytest.approx(0.2)
    form = client.get(url("pledge", community)).context["form"]
    assert form.initial["flexible_share"] == pytest.approx(20.0)


def test_a_flexible_share_above_half_is_refused_and_nothing_changes(client, community):
    member = user_make("resident")
    client.force_login(member)
    response = client.post(url("pledge", community), form_data(
        building=features(community.building_layer)[0].pk, flexible_share="60"))
    assert response.status_code == 400 and "flexible_share" in response.context["form"].errors
    assert not Pledge.objects.filter(member=member).exists()


def test_a_drawn_roof_is_pledged(client, community):
    member = user_make("resident")
    client.force_login(member)
    roof = rectangle(BUILDING_LONS[2], LAT, along_m=12, across_m=8)
    response = client.post(url("pledge", community), form_data(roof=roof.json))
    assert response.status_code == 302
    pledge = Pledge.objects.get(member=member)
    assert pledge.building_id is None and pledge.roof.equals_exact(roof, 1e-7)


def test_errors_stand_beside_their_fields_and_keep_what_was_typed(client, community):
    member = user_make("resident")
    client.force_login(member)
    response = client.post(url("pledge", community), form_data(
        building=features(community.building_layer)[0].pk, yearly_kwh="5",
        pv_tilt="95", battery_kwh="5", battery_kw=""))
    assert response.status_code == 400 and not Pledge.objects.exists()
    body = response.content.decode()
    assert 'id="id_yearly_kwh_error"' in body and "Give your yearly use in kWh" in body
    assert 'id="id_pv_tilt_error"' in body
    assert 'value="5"' in body and 'value="95"' in body
    # The chosen building stays chosen.
    assert f'value="{features(community.building_layer)[0].pk}" form="pledge-form" checked' \
        in body


def test_no_building_and_no_roof_is_refused_beside_the_map(client, community):
    client.force_login(user_make("resident"))
    response = client.post(url("pledge", community), form_data())
    assert response.status_code == 400 and not Pledge.objects.exists()
    assert "Pick your building on the map" in response.content.decode()


def test_a_roof_outside_the_area_is_refused(client, community):
    client.force_login(user_make("resident"))
    far = rectangle(2.30, 41.50)
    response = client.post(url("pledge", community), form_data(roof=far.json))
    assert response.status_code == 400 and "outside the project" in response.content.decode()


def test_the_form_changes_the_members_active_pledge(client, community):
    member = user_make("resident")
    pledge = pledge_make(community, member, yearly_kwh=3000)
    client.force_login(member)
    body = client.get(url("pledge", community)).content.decode()
    assert 'value="3000.0"' in body and "Change my pledge" in body
    client.post(url("pledge", community), form_data(roof=pledge.roof.json, yearly_kwh="4100"))
    pledge.refresh_from_db()
    assert pledge.yearly_kwh == 4100 and Pledge.objects.count() == 1


def test_the_placeholders_are_the_roofs_defaults(client, community):
    member = user_make("resident")
    client.force_login(member)
    building = features(community.building_layer)[0]
    answer = client.get(url("buildings", community), {"id": building.pk}).json()
    defaults = answer["features"][0]["properties"]["defaults"]
    assert defaults["pv_tilt"] == 30 and defaults["pv_kwp"] > 0
    body = client.post(url("pledge", community), form_data(building=building.pk,
                                                           yearly_kwh="")).content.decode()
    assert f'placeholder="{defaults["pv_kwp"]:g}"' in body


def test_pledges_are_closed_outside_the_ideation_phase(client, planner, buildings):
    community = community_make(planner, slug="voting-now", phase="voting",
                               building_layer=buildings)
    client.force_login(user_make("resident"))
    body = client.get(url("pledge", community)).content.decode()
    assert "ideation phase" in body and 'id="pledge-form"' not in body
    client.post(url("pledge", community),
                form_data(building=features(buildings)[0].pk))
    assert not Pledge.objects.exists()


def test_a_member_withdraws_and_another_cannot(client, community):
    member = user_make("resident")
    pledge = pledge_make(community, member)
    client.force_login(user_make("neighbour"))
    assert client.post(url("pledge-withdraw", community)).status_code == 404
    pledge.refresh_from_db()
    assert pledge.status == "active"
    client.force_login(member)
    assert client.post(url("pledge-withdraw", community)).status_code == 302
    pledge.refresh_from_db()
    assert pledge.status == "withdrawn"
    assert client.get(url("pledge-withdraw", community)).status_code == 405


# ------------------------------------------------------------------ my pledge


def _run_with_own_figures(community, pledge):
    option = option_row(community)
    run = SimulationRun.objects.create(community=community, status="done", progress=100,
                                       members=1, finished_at=timezone.now(), results={})
    MemberResult.objects.create(run=run, pledge=pledge, results={str(option.pk): {
        "district": {"savings": OWN_FIGURE, "self_sufficiency": 0.5}}})
    return option


def test_my_pledge_shows_the_members_own_results_to_them_only(client, planner, community):
    member = user_make("resident")
    pledge = pledge_make(community, member, yearly_kwh=3777)
    _run_with_own_figures(community, pledge)
    figure = "86,420"
    client.force_login(member)
    body = client.get(url("my-pledge", community)).content.decode()
    assert figure in body and "3,777 kWh" in body
    # Another member, and a planner, see their own (none) on this page.
    for reader in (user_make("neighbour"), planner):
        client.force_login(reader)
        body = client.get(url("my-pledge", community)).content.decode()
        assert figure not in body and "3,777" not in body
        assert "You have not pledged" in body
    client.logout()
    assert figure not in client.get(url("community", community)).content.decode()


# ------------------------------------------------------------------ the buildings


def test_the_buildings_answer_only_those_in_the_community(client, planner, buildings):
    outside = Feature.objects.create(layer=buildings, geometry=rectangle(2.30, 41.50),
                                     properties={"n": 99})
    community = community_make(planner, building_layer=buildings)
    answer = client.get(url("buildings", community), {"bbox": "2.0,41.0,2.5,41.6"}).json()
    ids = {f["id"] for f in answer["features"]}
    assert ids == {f.pk for f in features(buildings)} - {outside.pk}
    assert answer["more"] is False


def test_the_buildings_nearest_a_point_come_first(client, community):
    near = client.get(url("buildings", community),
                      {"near": f"{BUILDING_LONS[3]},{LAT}"}).json()["features"]
    assert near[0]["id"] == features(community.building_layer)[3].pk


def test_buildings_are_found_by_name_and_bad_queries_refused(client, community):
    layer = community.building_layer
    layer.label_property = "name"
    layer.save()
    first = features(layer)[0]
    first.properties = {"name": "Carrer de Gràcia 12"}
    first.save()
    found = client.get(url("buildings", community), {"q": "gracia"}).json()["features"]
    assert [f["id"] for f in found] == [first.pk]
    assert found[0]["properties"]["name"] == "Carrer de Gràcia 12"
    for bad in ({"bbox": "1,2,3"}, {"near": "x,y"}, {"id": "one"}, {}):
        assert client.get(url("buildings", community), bad).status_code == 400


def test_a_building_name_is_escaped_in_the_list(client, community):
    layer = community.building_layer
    layer.label_property = "name"
    layer.save()
    building = features(layer)[0]
    building.properties = {"name": "<b onmouseover=alert(1)>Home</b>"}
    building.save()
    client.force_login(user_make("resident"))
    body = client.get(url("pledge", community), {"q": "home"}).content.decode()
    assert "<b onmouseover" not in body and "&lt;b onmouseover=alert(1)&gt;Home" in body
    # The map's answer carries the name as data, which the script writes as text.
    answer = client.get(url("buildings", community), {"id": building.pk}).json()
    assert answer["features"][0]["properties"]["name"] == "<b onmouseover=alert(1)>Home</b>"


def test_a_draft_communitys_buildings_and_form_are_not_found(client, planner, buildings):
    community = community_make(planner, slug="draft-energy", visibility="draft",
                               building_layer=buildings)
    client.force_login(user_make("resident"))
    assert client.get(url("buildings", community), {"bbox": "2,41,3,42"}).status_code == 404
    assert client.get(url("pledge", community)).status_code == 404
    assert client.get(url("run-status", community)).status_code == 404
