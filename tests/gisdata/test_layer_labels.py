"""The attribute that names a layer's features: guessed at import, kept by a re-import,
and how a layer is labelled wherever planners pick one."""

from pathlib import Path

import pytest
from django.core.files import File

from gisdata.imports import services as gis
from gisdata.layer_services import label_property_guess
from gisdata.models import Dataset, Layer
from gisdata.selectors import layer_label

pytestmark = pytest.mark.django_db
DISTRICTES = Path(__file__).resolve().parents[2] / "demo/barcelona/districtes.zip"


def schema(*names):
    return [{"name": name, "type": "String"} for name in names]


@pytest.mark.parametrize("names, guessed", [
    (("CODI", "NOM", "AREA"), "NOM"),
    (("id", "Name"), "Name"),
    (("nom_districte", "codi"), "nom_districte"),
    (("DISTRICT", "pop"), "DISTRICT"),
    (("name", "nom"), "name"),  # in the order of LABEL_NAMES
])
def test_a_name_like_attribute_is_guessed_in_any_case(names, guessed):
    assert label_property_guess(schema(*names)) == guessed


def test_no_name_like_attribute_guesses_nothing():
    assert label_property_guess(schema("fld_zone", "objectid")) == ""
    assert label_property_guess([]) == ""


def import_districtes() -> Layer:
    with open(DISTRICTES, "rb") as handle:
        dataset = gis.dataset_create(name="Barcelona districts",
                                     source_file=File(handle, name=DISTRICTES.name))
    gis.import_run_execute(run_id=gis.import_start(dataset=dataset).pk)
    return dataset.layers.get()


def test_an_import_guesses_the_label_and_a_reimport_keeps_the_planners_choice():
    layer = import_districtes()
    assert layer.label_property == "NOM"
    other = next(a["name"] for a in layer.schema if a["name"] != "NOM")
    Layer.objects.filter(pk=layer.pk).update(label_property=other)
    gis.import_run_execute(run_id=gis.import_start(dataset=layer.dataset).pk)
    layer.refresh_from_db()
    assert layer.label_property == other


def test_a_layer_is_labelled_with_its_title_dataset_and_count():
    dataset = Dataset.objects.create(name="Barcelona districts 2024", slug="d",
                                     source_url="https://example.org/d.zip")
    areas = Layer(dataset=dataset, name="d", title="Districts", geometry_type="MultiPolygon",
                  feature_count=10)
    points = Layer(dataset=dataset, name="f", title="Fountains", geometry_type="Point",
                   feature_count=1)
    assert layer_label(areas) == "Districts — Barcelona districts 2024 (10 areas)"
    assert layer_label(points) == "Fountains — Barcelona districts 2024 (1 feature)"
