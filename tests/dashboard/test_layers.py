"""A layer's page: publish, colour (#rrggbb only, and the map uses it), constraints."""

import json

import pytest
from django.urls import reverse

from audit.models import AuditEntry
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


@pytest.mark.quality("picker-input")
def test_a_constraint_scoped_to_no_such_project_is_refused(desk, world):
    layer = world["layer"]
    response = desk.post(reverse("dashboard:constraint-add", args=[layer.pk]), {
        "new-rule": "intersects", "new-severity": "warning", "new-message": "Near {NOM}",
        "new-is_active": "on", "new-projects": ["999999"]})
    assert response.status_code == 400
    assert Constraint.objects.count() == 1


# ------------------------------------------------------------ title, names, districts
def layer_post(client, layer, **data):
    values = {"title": layer.title, "label_property": layer.label_property, **data}
    return client.post(reverse("dashboard:layer-edit", args=[layer.pk]), values)


def test_a_planner_renames_a_layer_and_chooses_its_label(desk, world):
    layer = world["layer"]
    response = layer_post(desk, layer, title="  Districts  of Barcelona ", label_property="")
    assert response.status_code == 302
    layer.refresh_from_db()
    assert (layer.title, layer.label_property) == ("Districts of Barcelona", "")
    assert layer_map_config(layer)["title"] == "Districts of Barcelona"
    entry = AuditEntry.objects.get(action="layer.update")
    assert entry.details["title"] == ["Districtes", "Districts of Barcelona"]


@pytest.mark.parametrize("data, message", [
    ({"title": "   "}, "This field is required."),
    ({"label_property": "missing"}, "Select a valid choice."),
])
def test_a_blank_title_or_an_attribute_the_layer_lacks_is_refused(desk, world, data, message):
    response = layer_post(desk, world["layer"], **data)
    assert response.status_code == 400 and message in response.content.decode()
    assert Layer.objects.get(pk=world["layer"].pk).title == "Districtes"


def test_marking_a_layer_as_the_districts_unmarks_the_other(desk, world):
    first = world["layer"]
    second = Layer.objects.create(dataset=first.dataset, name="barris", title="Barris",
                                  geometry_type="Polygon", feature_count=0)
    layer_post(desk, first, is_districts="on")
    layer_post(desk, second, is_districts="on")
    assert list(Layer.objects.filter(is_districts=True)) == [second]


@pytest.mark.quality("planner-actions")
@pytest.mark.parametrize("persona", ["citizen", "outsider"])
@pytest.mark.quality("planner-actions")
def test_citizens_and_outsiders_may_not_rename_a_layer(client, world, persona, request):
    client.force_login(request.getfixturevalue(persona))
    response = layer_post(client, world["layer"], title="Hacked")
    assert response.status_code == 403
    assert Layer.objects.get(pk=world["layer"].pk).title == "Districtes"
    assert not AuditEntry.objects.filter(action="layer.update").exists()


def test_the_layer_page_has_a_preview_map_of_the_layer(desk, world):
    page = desk.get(reverse("dashboard:layer", args=[world["layer"].pk])).content.decode()
    assert 'id="layer-map"' in page and "plaza-layer-preview.js" in page
    assert reverse("api:layer-features", args=[world["layer"].pk]) in page


def test_by_district_shows_nothing_until_a_layer_is_marked_or_chosen(desk, world):
    url = reverse("dashboard:project", args=[world["project"].slug])
    page = desk.get(url).content.decode()
    assert "Choose a layer of areas" in page and "Gràcia" not in page
    assert "Districtes — Districtes (2 areas)" in page
    Layer.objects.filter(pk=world["layer"].pk).update(is_districts=True)
    assert "Gràcia" in desk.get(url).content.decode()
    assert "Gràcia" not in desk.get(url, {"districts": ""}).content.decode()


def test_a_report_starts_from_the_marked_districts_or_none(desk, world):
    url = reverse("dashboard:project-reports", args=[world["project"].slug])
    layer = world["layer"]
    page = desk.get(url).content.decode()
    assert f'<option value="{layer.pk}">Districtes — Districtes (2 areas)</option>' in page
    Layer.objects.filter(pk=layer.pk).update(is_districts=True)
    page = desk.get(url).content.decode()
    assert f'<option value="{layer.pk}" selected>Districtes — Districtes (2 areas)' in page


def test_a_planner_reading_catalan_edits_each_language_of_the_title_in_its_own_field(
        desk, world, settings):
    """The plain field is the English text whatever the planner reads: before, a planner
    reading Catalan found the Catalan title there and saving wrote it as the English."""
    layer = world["layer"]
    Layer.objects.filter(pk=layer.pk).update(title_en="Districts", title_ca="Districtes")
    desk.cookies[settings.LANGUAGE_COOKIE_NAME] = "ca"
    page = desk.get(reverse("dashboard:layer", args=[layer.pk]),
                    HTTP_ACCEPT_LANGUAGE="ca").content.decode()
    assert 'name="title" value="Districts"' in page
    assert 'name="title_ca" value="Districtes"' in page
    response = layer_post(desk, layer, title="Districts", title_ca="Districtes de Barcelona",
                          title_es="Distritos")
    assert response.status_code == 302
    layer.refresh_from_db()
    assert (layer.title_en, layer.title_ca, layer.title_es) == (
        "Districts", "Districtes de Barcelona", "Distritos")
