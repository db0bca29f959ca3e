"""Places by name: the index the database keeps of each layer's named features, and
`GET /api/v1/places/?search=` (only the served municipality's published layers;
accents and case ignored; names that start with the text first)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.gis.geos import GEOSGeometry
from django.test import Client

from core import tenancy
from gisdata.layer_services import layer_update
from gisdata.models import Dataset, Feature, Layer, Place
from gisdata.places import places_rebuild, places_search
from municipalities.models import Municipality
from municipalities.selectors import municipality_default
from tests.factories import user_make

pytestmark = pytest.mark.django_db

STREETS = [
    ("Carrer de Sant Antoni Maria Claret", "LINESTRING(2.170 41.400, 2.175 41.402)"),
    ("Carrer de Sant Antoni Maria Claret", "LINESTRING(2.175 41.402, 2.180 41.404)"),
    ("Ronda de Sant Antoni", "LINESTRING(2.160 41.380, 2.165 41.382)"),
    ("Plaça de Sant Antoni", "POINT(2.161 41.381)"),
    ("Gràcia", "POLYGON((2.15 41.40, 2.16 41.40, 2.16 41.41, 2.15 41.41, 2.15 41.40))"),
    ("Passeig de Gràcia", "LINESTRING(2.164 41.390, 2.166 41.395)"),
    ("  Carrer   Gran ", "LINESTRING(2.10 41.30, 2.11 41.31)"),
    ("", "POINT(2.1 41.3)"),
]


def layer_make(name="streets", *, rows=STREETS, label="NOM", published=True,
               municipality=None, **fields) -> Layer:
    dataset = Dataset.objects.create(
        name=f"Dataset {name}", slug=f"ds-{name}", source_url="https://example.org/x.zip",
        **({"municipality": municipality} if municipality else {}))
    layer = Layer.objects.create(dataset=dataset, name=name, title=name.title(),
                                 geometry_type="Geometry", is_published=published, **fields)
    for i, (value, wkt) in enumerate(rows):
        Feature.objects.create(layer=layer, geometry=GEOSGeometry(wkt, srid=4326),
                               properties={"NOM": value, "CODI": str(i)}, number=i + 1)
    layer.schema = [{"name": "NOM", "type": "String"}, {"name": "CODI", "type": "String"}]
    layer.save()
    # The database builds the places when the label is set (as an import does).
    Layer.objects.filter(pk=layer.pk).update(label_property=label)
    layer.refresh_from_db()
    return layer


def names(query, **kwargs):
    return [place.name for place in places_search(query, **kwargs)]


# ------------------------------------------------------------ the index


def test_setting_the_label_builds_one_place_per_distinct_name():
    layer = layer_make()
    places = {p.name: p for p in Place.objects.filter(layer=layer)}
    assert set(places) == {"Carrer de Sant Antoni Maria Claret", "Ronda de Sant Antoni",
                           "Plaça de Sant Antoni", "Gràcia", "Passeig de Gràcia",
                           "Carrer Gran"}  # spaces tidied; the empty name left out
    street = places["Carrer de Sant Antoni Maria Claret"]
    # Two segments: one place framed by both, at a point on one of them.
    assert street.feature_count == 2 and street.kind == "line"
    assert [street.west, street.south, street.east, street.north] == pytest.approx(
        [2.170, 41.400, 2.180, 41.404])
    assert GEOSGeometry("MULTILINESTRING((2.170 41.400, 2.175 41.402),"
                        "(2.175 41.402, 2.180 41.404))", srid=4326).distance(street.point) \
        < 1e-9
    assert places["Plaça de Sant Antoni"].kind == "point"
    assert places["Gràcia"].kind == "area"
    area = GEOSGeometry(STREETS[4][1], srid=4326)
    assert area.contains(places["Gràcia"].point)


def test_a_new_label_or_a_new_version_rebuilds_and_no_label_empties():
    layer = layer_make()
    Layer.objects.filter(pk=layer.pk).update(label_property="CODI")
    assert set(Place.objects.filter(layer=layer).values_list("name", flat=True)) == {
        str(i) for i in range(len(STREETS))}
    # An import replaces the features and bumps the version.
    Feature.objects.filter(layer=layer).exclude(properties__CODI="0").delete()
    Layer.objects.filter(pk=layer.pk).update(version=layer.version + 1)
    assert list(Place.objects.filter(layer=layer).values_list("name", flat=True)) == ["0"]
    Layer.objects.filter(pk=layer.pk).update(label_property="")
    assert not Place.objects.filter(layer=layer).exists()


def test_the_planner_s_choice_of_label_through_the_service_renames_the_places(planner):
    layer = layer_make(label="")
    assert not Place.objects.filter(layer=layer).exists()
    layer_update(layer=layer, user=planner, title=layer.title, label_property="NOM",
                 is_districts=False)
    assert Place.objects.filter(layer=layer, name="Gràcia").exists()
    layer.delete()
    assert not Place.objects.exists()


def test_places_rebuild_counts_what_it_made():
    layer = layer_make()
    assert places_rebuild(layer) == 6


# ------------------------------------------------------------ the search


def test_accents_and_case_are_ignored_and_slips_forgiven():
    layer_make()
    assert names("gracia")[0] == "Gràcia"
    assert names("GRÀCIA")[0] == "Gràcia"
    assert names("placa de sant antoni")[0] == "Plaça de Sant Antoni"
    assert "Ronda de Sant Antoni" in names("ronda sant antonio")
    assert names("x") == []  # one letter finds nothing
    assert names("zzzqqq") == []


def test_names_starting_with_the_text_come_first_then_the_most_alike():
    layer_make()
    found = names("gràcia")
    assert found[:2] == ["Gràcia", "Passeig de Gràcia"]
    found = names("sant antoni")
    assert set(found) >= {"Carrer de Sant Antoni Maria Claret", "Ronda de Sant Antoni",
                          "Plaça de Sant Antoni"}
    assert names("ronda")[0] == "Ronda de Sant Antoni"
    assert len(names("sant antoni", limit=2)) == 2


def test_only_published_layers_of_the_served_municipality():
    layer_make("streets")
    layer_make("drafts", rows=[("Carrer Amagat", "POINT(2.1 41.3)")], published=False)
    home = municipality_default()
    other = Municipality.objects.create(name="Elsewhere", slug="elsewhere")
    with tenancy.working_for(other):
        layer_make("theirs", rows=[("Carrer de Fora", "POINT(2.1 41.3)")])
    with tenancy.working_for(home):
        assert "Carrer Amagat" not in names("carrer amagat")
        assert "Carrer de Fora" not in names("carrer de fora")
        assert names("carrer gran")[0] == "Carrer Gran"
    with tenancy.working_for(other):
        assert names("carrer de fora") == ["Carrer de Fora"]
        assert names("carrer gran") == []


# ------------------------------------------------------------ the API


def test_the_api_answers_geojson_with_name_kind_layer_and_bbox():
    layer_make()
    response = Client().get("/api/v1/places/", {"search": "gracia"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    data = response.json()
    assert data["type"] == "FeatureCollection" and data["numberReturned"] == 2
    first = data["features"][0]
    assert first["properties"] == {"name": "Gràcia", "kind": "area", "layer": "Streets",
                                   "layer_id": Layer.objects.get().pk}
    assert first["geometry"]["type"] == "Point"
    assert first["bbox"] == pytest.approx([2.15, 41.40, 2.16, 41.41])
    limited = Client().get("/api/v1/places/", {"search": "sant", "limit": 1}).json()
    assert len(limited["features"]) == 1


@pytest.mark.parametrize("query, field", [
    ({}, "search"), ({"search": ""}, "search"), ({"search": "x" * 101}, "search"),
    ({"search": "gracia", "limit": "0"}, "limit"), ({"search": "gracia", "limit": "51"},
                                                    "limit"),
    ({"search": "gracia", "limit": "many"}, "limit"),
])
def test_bad_queries_are_a_400_that_names_the_parameter(query, field):
    response = Client().get("/api/v1/places/", query)
    assert response.status_code == 400
    assert field in response.json()


def test_the_api_shows_an_unpublished_layer_s_places_to_no_one(planner):
    layer_make(published=False)
    for user in (AnonymousUser(), user_make("someone"), planner):
        client = Client()
        if user.is_authenticated:
            client.force_login(user)
        assert client.get("/api/v1/places/", {"search": "gracia"}).json()["features"] == []


def test_a_name_is_data_not_markup():
    layer_make(rows=[('<img src=x onerror="alert(1)">', "POINT(2.1 41.3)")])
    data = Client().get("/api/v1/places/", {"search": "img src"}).json()
    assert data["features"][0]["properties"]["name"] == '<img src=x onerror="alert(1)">'


def test_the_schema_documents_the_search_and_the_answer(tmp_path):
    import yaml
    from django.core.management import call_command

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    get = yaml.safe_load(target.read_text())["paths"]["/api/v1/places/"]["get"]
    parameters = {p["name"]: p for p in get["parameters"]}
    assert parameters["search"]["required"] is True
    assert parameters["limit"]["schema"]["maximum"] == 50
    answer = get["responses"]["200"]["content"]["application/geo+json"]["schema"]
    feature = answer["properties"]["features"]["items"]
    assert "bbox" in feature["required"]
    assert feature["properties"]["properties"]["required"] == ["name", "kind", "layer",
                                                               "layer_id"]


def test_the_layer_page_tells_the_planner_how_many_names_the_search_finds(planner):
    layer = layer_make()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(planner)
    page = client.get(f"/dashboard/layers/{layer.pk}/").content.decode()
    assert "Once published, 6 names of this layer are found in the maps" in page
    Layer.objects.filter(pk=layer.pk).update(label_property="")
    page = client.get(f"/dashboard/layers/{layer.pk}/").content.decode()
    assert "Choose the attribute that names its features" in page


def test_the_search_can_use_the_trigram_index_on_the_folded_name():
    """The query is written with the index's expression (plaza_fold(name)) and a
    constant: without sequential scans nor the layer's btree indexes (this test's
    transaction drops them; a small table reads them first), PostgreSQL reads the
    trigram index. A query the index cannot serve would fall back to a scan anyway."""
    from django.db import connection, transaction

    from gisdata.places import places_matching

    layer_make()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks before DDL
        cursor.execute("ALTER TABLE gisdata_place DROP CONSTRAINT gisdata_place_once")
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'gisdata_place' "
                       "AND indexdef LIKE '%%btree (layer_id)'")
        for (index,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{index}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = places_matching("sant antoni").explain()
        transaction.set_rollback(True)
    assert "gisdata_place_name_fold" in plan, plan
    assert names("sant antoni")  # the table as it was
