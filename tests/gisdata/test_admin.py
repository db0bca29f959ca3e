"""Layers and datasets in the Django admin. A layer's title (in each language), label
attribute and districts mark change through `layer_services.layer_update`, as on the
dashboard's layer page: one rule, one `layer.update` entry, and a refusal is a message
with nothing saved. Datasets are added by importing them on the dashboard; in the admin
their credit (attribution, licence) is edited, and the footer shows the new one."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from gisdata.credits import data_credits
from gisdata.models import Dataset, Layer

pytestmark = pytest.mark.django_db

SCHEMA = [{"name": "NOM", "type": "str"}, {"name": "CODI", "type": "str"}]


@pytest.fixture
def planner_client(planner):
    client = Client()
    client.force_login(planner)
    return client


def layer_make(name: str, **fields) -> Layer:
    dataset = Dataset.objects.create(name=f"Dataset {name}", slug=f"ds-{name}",
                                     source_url="https://example.org/x.geojson",
                                     attribution="Open Data BCN", licence="CC BY 4.0")
    return Layer.objects.create(dataset=dataset, name=name, title=name.title(),
                                geometry_type="MultiPolygon", schema=SCHEMA,
                                feature_count=10, **fields)


def layer_form(layer: Layer, **changes) -> dict:
    """The layer's change form as the admin shows it, with `changes` typed in."""
    data = {"title_en": layer.title_en, "title_ca": layer.title_ca or "",
            "title_es": layer.title_es or "", "label_property": layer.label_property,
            "constraints-TOTAL_FORMS": "0", "constraints-INITIAL_FORMS": "0",
            "constraints-MIN_NUM_FORMS": "0", "constraints-MAX_NUM_FORMS": "1000"}
    flags = {"is_districts": layer.is_districts, "is_published": layer.is_published}
    for name, value in {**flags, **changes}.items():
        if name in flags:
            if value:
                data[name] = "on"
            else:
                data.pop(name, None)
        else:
            data[name] = value
    return data


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# ------------------------------------------------------------------------------ layers


def test_renaming_a_layer_in_the_admin_is_the_services_change(planner_client, planner):
    layer = layer_make("districtes")
    response = planner_client.post(
        reverse("admin:gisdata_layer_change", args=[layer.pk]),
        layer_form(layer, title_en="  City   districts ", title_ca="Districtes",
                   label_property="NOM"))
    assert response.status_code == 302
    layer.refresh_from_db()
    assert (layer.title_en, layer.title_ca, layer.title_es, layer.label_property) == (
        "City districts", "Districtes", None, "NOM")  # the service's tidy spaces
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor_id, entry.target_id) == ("layer.update", planner.pk,
                                                              layer.pk)
    assert entry.details == {"title": ["Districtes", "City districts"],
                             "title_ca": ["", "Districtes"], "label_property": ["", "NOM"]}


def test_marking_the_districts_in_the_admin_unmarks_the_other_layer(planner_client):
    old = layer_make("old", is_districts=True)
    new = layer_make("new")
    response = planner_client.post(reverse("admin:gisdata_layer_change", args=[new.pk]),
                                   layer_form(new, is_districts=True))
    assert response.status_code == 302, response.context["errors"]
    assert list(Layer.objects.filter(is_districts=True)) == [new]
    old.refresh_from_db()
    assert not old.is_districts
    assert AuditEntry.objects.get().details == {"is_districts": [False, True]}


@pytest.mark.quality("admin-second-write-path")
def test_what_layer_update_refuses_is_a_message_and_nothing_changes(planner_client):
    layer = layer_make("districtes")
    response = planner_client.post(
        reverse("admin:gisdata_layer_change", args=[layer.pk]),
        layer_form(layer, title_en="Districts", label_property="POBLACIO",
                   is_published=True), follow=True)
    assert response.status_code == 200
    assert "Choose one of the layer's attributes." in messages_of(response)
    layer.refresh_from_db()
    assert (layer.title_en, layer.label_property, layer.is_published) == (
        "Districtes", "", False)
    assert not AuditEntry.objects.exists()


def test_publishing_in_the_admin_alone_writes_the_publish_entry(planner_client):
    layer = layer_make("districtes")
    planner_client.post(reverse("admin:gisdata_layer_change", args=[layer.pk]),
                        layer_form(layer, is_published=True))
    assert Layer.objects.get().is_published
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["layer.publish"]


def test_what_an_import_decides_is_read_only_and_layers_are_not_added(planner_client,
                                                                      admin_client):
    layer = layer_make("districtes")
    url = reverse("admin:gisdata_layer_change", args=[layer.pk])
    html = planner_client.get(url).content.decode()
    for name in ("dataset", "geometry_type", "feature_count", "schema", "name"):
        assert f'name="{name}"' not in html
    planner_client.post(url, layer_form(layer, geometry_type="Point", feature_count="0"))
    layer.refresh_from_db()
    assert (layer.geometry_type, layer.feature_count) == ("MultiPolygon", 10)
    # Not even the site's administrator adds one: an import makes a layer and its rows.
    assert admin_client.get(reverse("admin:gisdata_layer_add")).status_code == 403


# ---------------------------------------------------------------------------- datasets


def dataset_form(dataset: Dataset, **changes) -> dict:
    return {"name": dataset.name, "description": dataset.description,
            "licence": dataset.licence, "attribution": dataset.attribution,
            "runs-TOTAL_FORMS": "0", "runs-INITIAL_FORMS": "0",
            "runs-MIN_NUM_FORMS": "0", "runs-MAX_NUM_FORMS": "0", **changes}


def test_datasets_are_added_by_importing_them_on_the_dashboard(planner_client,
                                                                admin_client):
    assert planner_client.get(reverse("admin:gisdata_dataset_add")).status_code == 403
    assert admin_client.get(reverse("admin:gisdata_dataset_add")).status_code == 403
    html = planner_client.get(reverse("admin:gisdata_dataset_changelist")).content.decode()
    assert f'href="{reverse("dashboard:import-new")}"' in html
    assert reverse("admin:gisdata_dataset_add") not in html


def test_a_datasets_credit_edited_in_the_admin_is_the_footers_credit(
        planner_client, django_capture_on_commit_callbacks):
    layer = layer_make("districtes", is_published=True)
    dataset = layer.dataset
    assert [c.text for c in data_credits()] == ["Open Data BCN"]  # cached now
    with django_capture_on_commit_callbacks(execute=True):
        response = planner_client.post(
            reverse("admin:gisdata_dataset_change", args=[dataset.pk]),
            dataset_form(dataset, attribution="Ajuntament de Barcelona",
                         source_url="https://elsewhere.example/other.geojson", slug="other"))
    assert response.status_code == 302, response.context["errors"]
    dataset.refresh_from_db()
    assert dataset.attribution == "Ajuntament de Barcelona"
    # The source (and the slug the API filters by) stay as imported.
    assert (dataset.source_url, dataset.slug) == ("https://example.org/x.geojson",
                                                  "ds-districtes")
    assert [c.text for c in data_credits()] == ["Ajuntament de Barcelona"]
