"""Constraint feedback: a layer's rule tells a citizen what the city's data says."""

import json
from pathlib import Path

import pytest
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from gisdata.constraints import constraints_check, message_render
from gisdata.models import Constraint, Dataset, Feature, Layer
from proposals import services
from proposals.models import Proposal
from tests.factories import project_make

pytestmark = pytest.mark.django_db
FLOOD = Polygon.from_bbox((2.150, 41.390, 2.160, 41.400))


def zone_layer(*, published=True, **rule) -> Layer:
    dataset = Dataset.objects.create(name="Flood zones", slug="flood",
                                     source_url="https://example.org/flood.geojson")
    layer = Layer.objects.create(dataset=dataset, name="zones", title="Flood zones",
                                 geometry_type="Polygon", is_published=published)
    Feature.objects.create(layer=layer, geometry=GEOSGeometry(FLOOD.wkt, srid=4326),
                           properties={"fld_zone": "AE", "note": "<b>deep</b>"})
    Constraint.objects.create(layer=layer, **{"message": "In flood zone {fld_zone}",
                                              "severity": "warning", **rule})
    return layer


def point(x, y):
    return GEOSGeometry(f"POINT({x} {y})", srid=4326)


def test_a_geometry_in_the_zone_gets_the_message_with_the_attribute():
    zone_layer()
    [feedback] = constraints_check(point(2.155, 41.395), project_id=None)
    assert (feedback.message, feedback.severity, feedback.layer, feedback.matches) == (
        "In flood zone AE", "warning", "Flood zones", 1)
    assert constraints_check(point(2.170, 41.395), project_id=None) == []


def test_within_a_distance_in_metres():
    zone_layer(rule="within", distance_m=300, message="Within 300 m of flood zone {fld_zone}")
    # 2.1625 is ~210 m east of the zone's edge (2.160) at this latitude; 2.170 is ~840 m.
    assert [f.message for f in constraints_check(point(2.1625, 41.395), project_id=None)] == [
        "Within 300 m of flood zone AE"]
    assert constraints_check(point(2.170, 41.395), project_id=None) == []


def test_unpublished_layers_and_inactive_rules_say_nothing():
    layer = zone_layer(published=False)
    assert constraints_check(point(2.155, 41.395), project_id=None) == []
    Layer.objects.filter(pk=layer.pk).update(is_published=True)
    Constraint.objects.update(is_active=False)
    assert constraints_check(point(2.155, 41.395), project_id=None) == []


def test_templates_reach_attributes_only():
    props = {"fld_zone": "AE"}
    assert message_render("{fld_zone}/{missing}/{fld_zone.__class__}", props) == \
        "AE//{fld_zone.__class__}"


def test_a_blocking_rule_refuses_the_proposal_with_its_message(citizen):
    zone_layer(severity="blocking", message="No building in flood zone {fld_zone}")
    project = project_make()
    with pytest.raises(ValidationError) as exc:
        services.proposal_create(project=project, author=citizen, title="Kiosk", body="x",
                                 category="green", geometry={"type": "Point",
                                                             "coordinates": [2.155, 41.395]})
    assert exc.value.message_dict["geometry"] == ["No building in flood zone AE"]
    assert not Proposal.objects.exists()


@pytest.mark.quality("stored-xss")
def test_the_feedback_is_stored_with_the_proposal_and_shown_escaped(citizen, client):
    layer = zone_layer(message="Zone {fld_zone}: {note}")
    project = project_make()
    proposal = services.proposal_create(
        project=project, author=citizen, title="Bench", body="x", category="green",
        geometry={"type": "Point", "coordinates": [2.155, 41.395]})
    assert proposal.constraint_feedback == [{"layer": layer.title, "severity": "warning",
                                             "message": "Zone AE: <b>deep</b>", "matches": 1}]
    html = client.get(reverse("proposals:proposal", args=[proposal.pk])).content.decode()
    assert "Zone AE: &lt;b&gt;deep&lt;/b&gt;" in html


def test_the_drawing_endpoint_answers_before_submit(citizen):
    zone_layer()
    project = project_make()
    api = APIClient()
    url = reverse("api:project-feedback", args=[project.pk])
    body = {"geometry": {"type": "Point", "coordinates": [2.155, 41.395]}}
    assert api.post(url, body, format="json").status_code in (401, 403)
    api.force_authenticate(citizen)
    answer = api.post(url, body, format="json").json()
    assert answer == {"feedback": [{"layer": "Flood zones", "severity": "warning",
                                    "message": "In flood zone AE", "matches": 1}]}
    outside = api.post(url, {"geometry": {"type": "Point", "coordinates": [9, 9]}},
                       format="json")
    assert outside.status_code == 400 and "geometry" in outside.json()


def test_cambridge_flood_zones_imported_through_the_pipeline_inform_a_proposal(citizen):
    from django.core.files import File

    from gisdata.imports import services as gis

    path = Path(__file__).resolve().parents[2] / "demo/cambridge/floodplains_100yr.geojson"
    with open(path, "rb") as handle:
        dataset = gis.dataset_create(name="FEMA flood zones",
                                     source_file=File(handle, name=path.name))
    run = gis.import_start(dataset=dataset)
    gis.import_run_execute(run_id=run.pk)
    layer = dataset.layers.get()
    Layer.objects.filter(pk=layer.pk).update(is_published=True)
    Constraint.objects.create(layer=layer, message="In the 100-year flood zone ({fld_zone})")
    feature = Feature.objects.filter(layer=layer).first()
    inside = feature.geometry.point_on_surface
    project = project_make("cambridge", area=MultiPolygon(
        feature.geometry.envelope.buffer(0.01).envelope, srid=4326))
    proposal = services.proposal_create(
        project=project, author=citizen, title="Playground", body="x", category="green",
        geometry=json.loads(inside.json))
    assert proposal.constraint_feedback[0]["message"].startswith(
        "In the 100-year flood zone (")


# ---------------------------------------------------------------- scoped to projects
def test_a_rule_scoped_to_a_project_speaks_in_that_project_only():
    zone_layer()
    here, elsewhere = project_make("here"), project_make("elsewhere")
    Constraint.objects.get().projects.set([here])
    inside = point(2.155, 41.395)
    assert [f.message for f in constraints_check(inside, project_id=here.pk)] == [
        "In flood zone AE"]
    assert constraints_check(inside, project_id=elsewhere.pk) == []
    assert constraints_check(inside, project_id=None) == []


def test_a_rule_scoped_to_no_project_speaks_in_every_project():
    zone_layer()
    first, second = project_make("first"), project_make("second")
    inside = point(2.155, 41.395)
    assert len(constraints_check(inside, project_id=first.pk)) == 1
    assert len(constraints_check(inside, project_id=second.pk)) == 1


def test_a_rule_scoped_to_two_projects_is_reported_once_in_each():
    zone_layer()
    first, second, third = project_make("first"), project_make("second"), project_make("x")
    Constraint.objects.get().projects.set([first, second])
    inside = point(2.155, 41.395)
    assert len(constraints_check(inside, project_id=first.pk)) == 1
    assert len(constraints_check(inside, project_id=second.pk)) == 1
    assert constraints_check(inside, project_id=third.pk) == []


def test_a_blocking_rule_of_another_project_does_not_refuse_a_proposal(citizen):
    zone_layer(severity="blocking", message="No building in flood zone {fld_zone}")
    scoped, free = project_make("scoped"), project_make("free")
    Constraint.objects.get().projects.set([scoped])
    geometry = {"type": "Point", "coordinates": [2.155, 41.395]}
    proposal = services.proposal_create(project=free, author=citizen, title="Kiosk",
                                        body="x", category="green", geometry=geometry)
    assert proposal.constraint_feedback == []
    with pytest.raises(ValidationError):
        services.proposal_create(project=scoped, author=citizen, title="Kiosk", body="x",
                                 category="green", geometry=geometry)


def test_the_drawing_endpoint_honours_the_rules_scope(citizen):
    zone_layer()
    scoped, free = project_make("scoped"), project_make("free")
    Constraint.objects.get().projects.set([scoped])
    api = APIClient()
    api.force_authenticate(citizen)
    body = {"geometry": {"type": "Point", "coordinates": [2.155, 41.395]}}
    said = {p.slug: api.post(reverse("api:project-feedback", args=[p.pk]), body,
                             format="json").json()["feedback"] for p in (scoped, free)}
    assert [f["message"] for f in said["scoped"]] == ["In flood zone AE"]
    assert said["free"] == []
