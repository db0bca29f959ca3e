"""Constraint feedback follows the geometry: when the author moves a proposal (on its edit
page or through the API), what the city's layers say is computed again, stored and shown;
and when several rules speak, they come in the documented order (blocking, then
warnings, then information; within one severity, in the order the rules were added)."""

import json

import pytest
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from gisdata.constraints import constraints_check
from gisdata.models import Constraint, Dataset, Feature, Layer
from proposals import services
from proposals.models import Proposal
from tests.factories import project_make

pytestmark = pytest.mark.django_db
FLOOD = Polygon.from_bbox((2.150, 41.390, 2.160, 41.400))
IN_ZONE = {"type": "Point", "coordinates": [2.155, 41.395]}
OUTSIDE = {"type": "Point", "coordinates": [2.170, 41.395]}
WARNING = {"layer": "Flood zones", "severity": "warning",
           "message": "This lies in the 100-year flood zone AE.", "matches": 1}


def layer_make(title: str, slug: str, *, bbox=FLOOD) -> Layer:
    dataset = Dataset.objects.create(name=title, slug=slug,
                                     source_url=f"https://example.org/{slug}.geojson")
    layer = Layer.objects.create(dataset=dataset, name=slug, title=title,
                                 geometry_type="Polygon", is_published=True)
    Feature.objects.create(layer=layer, geometry=GEOSGeometry(bbox.wkt, srid=4326),
                           properties={"fld_zone": "AE"})
    return layer


@pytest.fixture
def flood_zone():
    layer = layer_make("Flood zones", "flood")
    Constraint.objects.create(layer=layer, severity="warning",
                              message="This lies in the 100-year flood zone {fld_zone}.")
    return layer


@pytest.fixture
def placed(citizen, flood_zone):
    """A proposal placed outside the flood zone: no feedback."""
    proposal = services.proposal_create(project=project_make(), author=citizen, title="Kiosk",
                                        body="Coffee by the park.", category="green",
                                        geometry=OUTSIDE)
    assert proposal.constraint_feedback == []
    return proposal


def edit_on_page(client: Client, proposal: Proposal, geometry: dict):
    return client.post(reverse("proposals:edit", args=[proposal.pk]), {
        "title": proposal.title, "body": proposal.body, "category": proposal.category.slug,
        "geometry": json.dumps(geometry)})


def test_moving_a_proposal_into_the_zone_on_its_edit_page_brings_the_warning(
        citizen, placed):
    client = Client()
    client.force_login(citizen)
    response = edit_on_page(client, placed, IN_ZONE)
    assert response.status_code == 302, response.content[:3000]
    placed.refresh_from_db()
    assert placed.constraint_feedback == [WARNING]
    page = client.get(reverse("proposals:proposal", args=[placed.pk])).content.decode()
    assert "This lies in the 100-year flood zone AE." in page


def test_moving_it_out_of_the_zone_again_clears_the_warning(citizen, placed):
    client = Client()
    client.force_login(citizen)
    edit_on_page(client, placed, IN_ZONE)
    placed.refresh_from_db()
    assert placed.constraint_feedback == [WARNING]
    response = edit_on_page(client, placed, OUTSIDE)
    assert response.status_code == 302
    placed.refresh_from_db()
    assert placed.constraint_feedback == []
    page = client.get(reverse("proposals:proposal", args=[placed.pk])).content.decode()
    assert "flood zone" not in page


def test_moving_a_proposal_through_the_api_recomputes_its_feedback(citizen, placed):
    api = APIClient()
    api.force_authenticate(citizen)
    url = f"/api/v1/proposals/{placed.pk}/"
    response = api.patch(url, {"geometry": IN_ZONE}, format="json")
    assert response.status_code == 200, response.content
    placed.refresh_from_db()
    assert placed.constraint_feedback == [WARNING]
    assert api.patch(url, {"geometry": OUTSIDE}, format="json").status_code == 200
    placed.refresh_from_db()
    assert placed.constraint_feedback == []


def test_a_new_rule_speaks_when_the_geometry_is_next_edited_not_on_a_title_change(
        citizen, placed):
    layer = layer_make("Heritage", "heritage", bbox=Polygon.from_bbox(
        (2.165, 41.390, 2.175, 41.400)))
    Constraint.objects.create(layer=layer, severity="info", message="A listed building.")
    services.proposal_update(proposal=placed, user=citizen, title="Kiosk with shade")
    placed.refresh_from_db()
    assert placed.constraint_feedback == []  # the geometry did not change
    services.proposal_update(proposal=placed, user=citizen, geometry=OUTSIDE)
    placed.refresh_from_db()
    assert [f["message"] for f in placed.constraint_feedback] == ["A listed building."]


def test_moving_a_proposal_into_a_blocking_zone_is_refused_and_keeps_the_old_place(
        citizen, placed, flood_zone):
    Constraint.objects.filter(layer=flood_zone).update(
        severity="blocking", message="Nothing may be built in flood zone {fld_zone}.")
    client = Client()
    client.force_login(citizen)
    response = edit_on_page(client, placed, IN_ZONE)
    assert response.status_code == 400
    assert "Nothing may be built in flood zone AE." in response.content.decode()
    with pytest.raises(ValidationError):
        services.proposal_update(proposal=placed, user=citizen, geometry=IN_ZONE)
    stored = Proposal.objects.get(pk=placed.pk)
    assert json.loads(stored.geometry.json)["coordinates"] == OUTSIDE["coordinates"]
    assert stored.constraint_feedback == []


def test_several_rules_come_blocking_first_then_warnings_then_information_in_added_order():
    rules = []
    for n, severity in enumerate(["info", "warning", "blocking", "warning", "info"]):
        layer = layer_make(f"Layer {n}", f"layer-{n}")
        rules.append(Constraint.objects.create(layer=layer, severity=severity,
                                               message=f"Rule {n} ({severity})"))
    # Editing a rule rewrites its row, which PostgreSQL then keeps after the others:
    # the order must not depend on where rows happen to lie.
    Constraint.objects.filter(pk=rules[1].pk).update(message="Rule 1 (warning)")
    Constraint.objects.filter(pk=rules[0].pk).update(message="Rule 0 (info)")
    point = GEOSGeometry(json.dumps(IN_ZONE), srid=4326)
    assert [f.message for f in constraints_check(point, project_id=None)] == [
        "Rule 2 (blocking)", "Rule 1 (warning)", "Rule 3 (warning)", "Rule 0 (info)",
        "Rule 4 (info)"]


def test_the_stored_feedback_and_the_drawing_endpoint_give_the_same_order(citizen):
    for n, severity in enumerate(["info", "warning", "warning"]):
        layer = layer_make(f"Layer {n}", f"layer-{n}")
        Constraint.objects.create(layer=layer, severity=severity,
                                  message=f"Rule {n} ({severity})")
    Constraint.objects.filter(message="Rule 1 (warning)").update(message="Rule 1 (warning)")
    project = project_make()
    proposal = services.proposal_create(project=project, author=citizen, title="Kiosk",
                                        body="x", category="green", geometry=OUTSIDE)
    services.proposal_update(proposal=proposal, user=citizen, geometry=IN_ZONE)
    proposal.refresh_from_db()
    expected = ["Rule 1 (warning)", "Rule 2 (warning)", "Rule 0 (info)"]
    assert [f["message"] for f in proposal.constraint_feedback] == expected
    api = APIClient()
    api.force_authenticate(citizen)
    answer = api.post(reverse("api:project-feedback", args=[project.pk]),
                      {"geometry": IN_ZONE}, format="json").json()
    assert [f["message"] for f in answer["feedback"]] == expected
