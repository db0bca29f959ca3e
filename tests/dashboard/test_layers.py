"""A layer's page: publish, colour (#rrggbb only, and the map uses it), constraints."""

import json

import pytest
from django.urls import reverse

from gisdata.models import Constraint, Layer
from gisdata.selectors import layer_map_config

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, planner):
    client.force_login(planner)
    return client


def test_a_planner_publishes_and_styles_a_layer(desk, world):
    layer = world["layer"]
    desk.post(reverse("dashboard:layer-publish", args=[layer.pk]),
              {"published": "on", "next": reverse("dashboard:layer", args=[layer.pk])})
    response = desk.post(reverse("dashboard:layer-style", args=[layer.pk]), {"color": "#C2410C"})
    assert response.status_code == 302
    layer.refresh_from_db()
    assert layer.is_published and layer.style == {"color": "#c2410c"}
    assert layer_map_config(layer)["color"] == "#c2410c"


@pytest.mark.parametrize("colour", ["red", "#c2410", "#c2410cc", "url(x)", "#gggggg", ""])
def test_a_colour_that_is_not_rrggbb_is_refused(desk, world, colour):
    layer = world["layer"]
    response = desk.post(reverse("dashboard:layer-style", args=[layer.pk]), {"color": colour})
    assert response.status_code == 400
    assert Layer.objects.get(pk=layer.pk).style == {}
    assert layer_map_config(Layer.objects.get(pk=layer.pk))["color"] is None


def test_constraints_are_added_changed_and_removed(desk, world):
    layer = world["layer"]
    add = reverse("dashboard:constraint-add", args=[layer.pk])
    response = desk.post(add, {"new-rule": "within", "new-distance_m": "100",
                               "new-severity": "warning", "new-message": "Near {NOM}",
                               "new-is_active": "on"})
    assert response.status_code == 302
    added = Constraint.objects.exclude(pk=world["constraint"].pk).get()
    assert (added.rule, added.distance_m, added.message) == ("within", 100, "Near {NOM}")
    edit = reverse("dashboard:constraint-edit", args=[added.pk])
    prefix = f"c{added.pk}-"
    desk.post(edit, {prefix + "rule": "intersects", prefix + "severity": "blocking",
                     prefix + "message": "Inside {NOM}", prefix + "is_active": "on"})
    added.refresh_from_db()
    assert (added.rule, added.distance_m, added.severity) == ("intersects", None, "blocking")
    desk.post(edit, {"delete": "1"})
    assert not Constraint.objects.filter(pk=added.pk).exists()


@pytest.mark.parametrize("data, message", [
    ({"new-rule": "within", "new-distance_m": ""}, "Give a distance between 1 and 10000"),
    ({"new-message": "In {x.__class__}"}, "Braces are only for attribute names"),
    ({"new-message": ""}, "This field is required."),
])
def test_bad_constraints_are_refused(desk, world, data, message):
    base = {"new-rule": "intersects", "new-severity": "info", "new-message": "In {NOM}"}
    response = desk.post(reverse("dashboard:constraint-add", args=[world["layer"].pk]),
                         {**base, **data})
    assert response.status_code == 400 and message in response.content.decode()
    assert Constraint.objects.count() == 1


@pytest.mark.quality("stored-xss")
def test_the_layer_page_escapes_attribute_names(desk, world):
    layer = world["layer"]
    layer.schema = [{"name": "<script>n</script>", "type": "String"}]
    layer.save()
    page = desk.get(reverse("dashboard:layer", args=[layer.pk])).content.decode()
    assert "&lt;script&gt;n&lt;/script&gt;" in page and "<script>n" not in page
    json.dumps(layer_map_config(layer))  # the map's config stays JSON


def test_a_constraint_is_scoped_to_the_projects_ticked(desk, world):
    layer, project = world["layer"], world["project"]
    page = desk.get(reverse("dashboard:layer", args=[layer.pk])).content.decode()
    assert "None ticked: it speaks in every project" in page
    response = desk.post(reverse("dashboard:constraint-add", args=[layer.pk]), {
        "new-rule": "intersects", "new-severity": "warning", "new-message": "Near {NOM}",
        "new-is_active": "on", "new-projects": [str(project.pk)]})
    assert response.status_code == 302
    added = Constraint.objects.exclude(pk=world["constraint"].pk).get()
    assert list(added.projects.all()) == [project]
    prefix = f"c{added.pk}-"
    desk.post(reverse("dashboard:constraint-edit", args=[added.pk]), {
        prefix + "rule": "intersects", prefix + "severity": "warning",
        prefix + "message": "Near {NOM}", prefix + "is_active": "on"})
    assert not added.projects.exists()  # none ticked: every project again


def test_a_constraint_scoped_to_no_such_project_is_refused(desk, world):
    layer = world["layer"]
    response = desk.post(reverse("dashboard:constraint-add", args=[layer.pk]), {
        "new-rule": "intersects", "new-severity": "warning", "new-message": "Near {NOM}",
        "new-is_active": "on", "new-projects": ["999999"]})
    assert response.status_code == 400
    assert Constraint.objects.count() == 1
