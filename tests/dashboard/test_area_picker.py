"""Taking a project's area from a feature found by name: the search endpoint, the form
without JavaScript, and who may use them."""

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.urls import reverse

from gisdata.models import Dataset, Feature, Layer
from proposals.models import Project
from tests.dashboard.conftest import DISTRICT

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, planner):
    client.force_login(planner)
    return client


def search(client, layer, **params):
    return client.get(reverse("dashboard:layer-features", args=[layer.pk]), params)


def many_sections(count: int) -> Layer:
    """A layer of areas too many for one list (783 census sections in Barcelona)."""
    dataset = Dataset.objects.create(name="Seccions censals", slug="seccions",
                                     source_url="https://example.org/seccions.zip")
    layer = Layer.objects.create(dataset=dataset, name="seccions", title="Seccions",
                                 geometry_type="Polygon", feature_count=count,
                                 schema=[{"name": "nom", "type": "String"}],
                                 label_property="nom")
    Feature.objects.bulk_create([Feature(
        layer=layer, number=i, properties={"nom": f"Secció {i:03d}"},
        geometry=Polygon.from_bbox((2.1 + i * 1e-4, 41.3, 2.1 + (i + 1) * 1e-4, 41.31)))
        for i in range(1, count + 1)])
    return layer


def test_a_planner_finds_a_district_by_part_of_its_name_in_any_case(desk, world):
    answer = search(desk, world["layer"], q="GRÀC").json()
    assert answer == {"results": [{"id": Feature.objects.get(
        properties__NOM="Gràcia").pk, "name": "Gràcia"}], "more": False}


def test_a_name_typed_without_its_accents_finds_the_feature(desk, world):
    names = [r["name"] for r in search(desk, world["layer"], q="gracia").json()["results"]]
    assert names == ["Gràcia"]


def test_a_name_no_feature_has_finds_nothing(desk, world):
    assert search(desk, world["layer"], q="Horta").json() == {"results": [], "more": False}


@pytest.mark.quality("large-pickers")
def test_a_search_of_a_large_layer_answers_a_few_names_and_says_more_match(desk, world):
    layer = many_sections(783)
    answer = search(desk, layer, q="secció").json()
    assert len(answer["results"]) == 20 and answer["more"] is True
    assert answer["results"][0]["name"] == "Secció 001"
    assert [r["name"] for r in search(desk, layer, q="Secció 783").json()["results"]] == [
        "Secció 783"]


@pytest.mark.quality("picker-input")
def test_a_search_treats_percent_and_underscore_as_text(desk, world):
    assert search(desk, world["layer"], q="%").json()["results"] == []
    assert search(desk, world["layer"], q="_").json()["results"] == []


def test_without_a_label_property_features_are_numbered_and_found_by_number(desk, world):
    layer = world["layer"]
    Layer.objects.filter(pk=layer.pk).update(label_property="")
    layer.refresh_from_db()
    assert [r["name"] for r in search(desk, layer, q="2").json()["results"]] == ["Feature 2"]
    assert search(desk, layer, q="Gràcia").json()["results"] == []


def test_the_chosen_feature_comes_as_geojson_for_the_preview(desk, world):
    gracia = Feature.objects.get(properties__NOM="Gràcia")
    answer = search(desk, world["layer"], id=gracia.pk).json()
    assert answer["properties"]["name"] == "Gràcia"
    assert answer["geometry"]["type"] == "MultiPolygon"


def test_a_feature_of_another_layer_is_not_answered_through_this_one(desk, world):
    other = many_sections(1).features.get()
    assert search(desk, world["layer"], id=other.pk).status_code == 404
    assert search(desk, world["layer"], id="x").status_code == 404


def test_a_layer_of_points_is_no_layer_of_areas(desk, world):
    Layer.objects.filter(pk=world["layer"].pk).update(geometry_type="Point")
    assert search(desk, world["layer"], q="G").status_code == 404


@pytest.mark.quality("planner-actions")
@pytest.mark.parametrize("persona", ["citizen", "outsider"])
@pytest.mark.quality("planner-actions")
def test_citizens_and_outsiders_may_not_search_features(client, world, persona, request):
    client.force_login(request.getfixturevalue(persona))
    response = search(client, world["layer"], q="Gràcia")
    assert response.status_code == 403
    assert "Gràcia" not in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in_from_the_search(client, world):
    assert search(client, world["layer"], q="G")["Location"].startswith("/accounts/login/")


# ------------------------------------------------------------------ the project form
def project_data(**extra) -> dict:
    return {"title": "Gràcia streets", "description": "Ideas.", "visibility": "draft",
            "categories-TOTAL_FORMS": "1", "categories-INITIAL_FORMS": "0",
            "categories-0-name": "Green", "categories-0-color": "#00aa00", **extra}


def test_find_without_javascript_lists_the_matches_and_saves_nothing(desk, world):
    response = desk.post(reverse("dashboard:project-new"), project_data(
        title="", area_layer=world["layer"].pk, area_search="gràc", area_find="1"))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="area_feature"' in page and "Gràcia" in page and "Sants" not in page
    assert "This field is required" not in page
    assert not Project.objects.filter(title="").exists()


def test_a_project_takes_the_area_of_the_chosen_feature(desk, world):
    gracia = Feature.objects.get(properties__NOM="Gràcia")
    response = desk.post(reverse("dashboard:project-new"), project_data(
        area_layer=world["layer"].pk, area_search="gràc", area_feature=gracia.pk))
    assert response.status_code == 302
    project = Project.objects.get(title="Gràcia streets")
    assert project.area.equals(MultiPolygon(DISTRICT, srid=4326))


@pytest.mark.quality("picker-input")
def test_a_feature_outside_the_chosen_layer_is_refused(desk, world):
    other = many_sections(1).features.get()
    response = desk.post(reverse("dashboard:project-new"), project_data(
        area_layer=world["layer"].pk, area_feature=other.pk))
    assert response.status_code == 400
    assert not Project.objects.filter(title="Gràcia streets").exists()


def test_the_layers_to_take_an_area_from_are_labelled_with_dataset_and_count(desk, world):
    page = desk.get(reverse("dashboard:project-new")).content.decode()
    assert "Districtes — Districtes (2 areas)" in page
