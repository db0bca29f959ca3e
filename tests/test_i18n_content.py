"""Content in several languages: a project's title and description, its categories' names
and the stakeholder roles' names have a version per language (django-modeltranslation),
shown to each reader in theirs, with English where a language has none."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import StakeholderRole
from proposals.models import Category, Project
from tests.dashboard.test_projects import form
from tests.factories import project_make, role_make

CA = {"HTTP_ACCEPT_LANGUAGE": "ca"}
ES = {"HTTP_ACCEPT_LANGUAGE": "es"}


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    yield
    translation.activate("en")


def catalan_project() -> Project:
    project = project_make("sant-antoni", title="Sant Antoni superblock",
                           description="Streets for people.")
    Project.objects.filter(pk=project.pk).update(
        title_ca="Superilla de Sant Antoni", description_ca="Carrers per a la gent.")
    Category.objects.filter(project=project, slug="green").update(name_ca="Verd i ombra")
    return project


# ------------------------------------------------------------------------ reading


@pytest.mark.django_db
def test_each_reader_sees_the_project_in_their_language_and_english_where_none(client):
    project = catalan_project()
    url = reverse("proposals:project", args=[project.slug])
    catalan = client.get(url, **CA).content.decode()
    assert "Superilla de Sant Antoni" in catalan and "Carrers per a la gent." in catalan
    assert "Verd i ombra" in catalan
    assert "Sant Antoni superblock" not in catalan
    english = client.get(url).content.decode()
    assert "Sant Antoni superblock" in english and "Superilla de Sant Antoni" not in english
    assert "Green and shade" in english
    spanish = client.get(url, **ES).content.decode()  # no Spanish text: the English one
    assert "Sant Antoni superblock" in spanish and "Streets for people." in spanish


@pytest.mark.django_db
def test_the_api_answers_in_the_requests_language_with_english_where_none():
    project = catalan_project()
    api = APIClient()
    url = reverse("api:project-detail", args=[project.pk])
    catalan = api.get(url, HTTP_ACCEPT_LANGUAGE="ca")
    assert catalan.json()["title"] == "Superilla de Sant Antoni"
    assert catalan["Content-Language"] == "ca"
    assert "Accept-Language" in catalan["Vary"]
    assert api.get(url).json()["title"] == "Sant Antoni superblock"
    assert api.get(url, HTTP_ACCEPT_LANGUAGE="es").json()["title"] == "Sant Antoni superblock"


@pytest.mark.django_db
def test_a_role_is_named_in_the_readers_language():
    role = role_make("resident", name="Resident")
    StakeholderRole.objects.filter(pk=role.pk).update(name_ca="Veí o veïna", name_es="Vecino")
    role.refresh_from_db()
    with translation.override("ca"):
        assert role.name == "Veí o veïna"
    with translation.override("es"):
        assert role.name == "Vecino"
    assert role.name == "Resident"


# ------------------------------------------------------------------------ writing


@pytest.mark.django_db
def test_the_plain_column_keeps_the_english_text_whoever_writes(planner):
    """Readers across relations (values("category__name"), SQL) read the plain column."""
    project = project_make()
    category = project.categories.get(slug="green")
    with translation.override("ca"):
        category.name = "Verd"  # a Catalan reader's assignment: the Catalan column
        category.save()
    row = Category.objects.filter(pk=category.pk).values("name_en", "name_ca").get()
    assert row == {"name_en": "Green and shade", "name_ca": "Verd"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM proposals_category WHERE id = %s", [category.pk])
        assert cursor.fetchone() == ("Green and shade",)


@pytest.mark.django_db
def test_a_planner_writes_each_language_on_the_set_up_page(client, planner):
    client.force_login(planner)
    page = client.get(reverse("dashboard:project-new"), **CA).content.decode()
    assert 'name="title_ca"' in page and 'name="description_es"' in page
    assert 'name="categories-0-name_ca"' in page
    data = form(title="Sant Antoni superblock", title_ca="Superilla de Sant Antoni",
                description_es="Calles para la gente.", area=(
                    '{"type": "Polygon", "coordinates": [[[2.15, 41.37], [2.17, 41.37], '
                    '[2.17, 41.39], [2.15, 41.39], [2.15, 41.37]]]}'),
                **{"categories-0-name_ca": "Arbres"})
    response = client.post(reverse("dashboard:project-new"), data, **CA)  # a Catalan desk
    assert response.status_code == 302, response.content.decode()[:2000]
    project = Project.objects.get()
    assert (project.title_en, project.title_ca, project.title_es) == (
        "Sant Antoni superblock", "Superilla de Sant Antoni", None)
    assert (project.description_en, project.description_es) == (
        "Streets for people.", "Calles para la gent.".replace("gent", "gente"))
    category = project.categories.get()
    assert (category.name_en, category.name_ca, category.name_es) == ("Trees", "Arbres", None)

    edit = client.get(reverse("dashboard:project-edit", args=[project.slug]), **CA)
    html = edit.content.decode()
    assert 'value="Sant Antoni superblock"' in html  # the English text stays in English
    assert 'value="Superilla de Sant Antoni"' in html


@pytest.mark.django_db
def test_the_admin_offers_a_field_per_language(client, admin_user):
    project = catalan_project()
    client.force_login(admin_user)
    html = client.get(reverse("admin:proposals_project_change", args=[project.pk])).content
    for name in (b'name="title_en"', b'name="title_ca"', b'name="title_es"',
                 b'name="description_ca"', b'name="categories-0-name_es"'):
        assert name in html
    role = role_make("expert")
    html = client.get(reverse("admin:accounts_stakeholderrole_change", args=[role.pk])).content
    assert b'name="name_ca"' in html and b'name="description_es"' in html


# ------------------------------------------------------------------------ the migration


@pytest.mark.django_db(transaction=True)
def test_the_migration_copies_every_existing_text_into_english():
    executor = MigrationExecutor(connection)
    before = [("proposals", "0004_project_link_key"), ("accounts", "0003_user_terms_acceptance")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    project = old.get_model("proposals", "Project").objects.create(
        slug="old", title="An old project", description="Written before translations.",
        area="SRID=4326;MULTIPOLYGON(((2.1 41.3,2.2 41.3,2.2 41.4,2.1 41.3)))")
    old.get_model("proposals", "Category").objects.create(
        project_id=project.pk, slug="old", name="Old category")
    old.get_model("accounts", "StakeholderRole").objects.create(
        slug="old", name="Old role", description="A role.", default_weight=1)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Project.objects.filter(slug="old").values("title_en", "description_en").get() == {
        "title_en": "An old project", "description_en": "Written before translations."}
    assert Category.objects.get(slug="old").name_en == "Old category"
    assert StakeholderRole.objects.filter(slug="old").values_list("name_en", flat=True).get() \
        == "Old role"
    with translation.override("ca"):  # nothing goes blank: English where no Catalan
        assert Project.objects.get(slug="old").title == "An old project"


# ------------------------------------------------------------------------ the demo


def test_every_demo_project_category_role_and_layer_has_catalan_and_spanish_texts():
    from demo import layers, neighbourhoods, people, riverside, sant_antoni, translated_texts

    assert set(translated_texts.PROJECTS) == {neighbourhoods.PROJECT_SLUG, sant_antoni.SLUG,
                                              riverside.RIVERSIDE}
    for texts in translated_texts.PROJECTS.values():
        assert {"title_ca", "title_es", "description_ca", "description_es"} <= set(texts)
    slugs = {slug for slug, _name, _colour in
             neighbourhoods.CATEGORIES + sant_antoni.CATEGORIES}
    assert slugs | {"play", "green"} <= set(translated_texts.CATEGORIES)
    assert {slug for slug, *_rest in people.ROLES} == set(translated_texts.ROLES)
    assert {name for name, *_rest in layers.DATASETS} == set(translated_texts.LAYERS)
    assert set(translated_texts.CONSTRAINTS) <= set(translated_texts.LAYERS)


@pytest.mark.django_db
def test_the_demo_shows_its_texts_in_catalan_and_spanish(client):
    from demo.neighbourhoods import PROJECT_SLUG
    from demo.translated_texts import demo_translate

    project = project_make(PROJECT_SLUG, title="Barcelona: ideas for your neighbourhood")
    Category.objects.filter(project=project, slug="mobility").update(name="Walking and cycling")
    role_make("resident", name="Resident")
    demo_translate()
    demo_translate()  # twice: the same
    url = reverse("proposals:project", args=[PROJECT_SLUG])
    catalan = client.get(url, **CA).content.decode()
    assert "Barcelona: idees per al teu barri" in catalan and "Caminar i anar en bici" in catalan
    spanish = client.get(url, **ES).content.decode()
    assert "Barcelona: ideas para tu barrio" in spanish and "Caminar e ir en bici" in spanish
    english = client.get(url).content.decode()
    assert "Barcelona: ideas for your neighbourhood" in english
    with translation.override("es"):
        assert StakeholderRole.objects.get(slug="resident").name == "Vecino o vecina"


# ------------------------------------------------------------------------ layers


def flood_layer():
    from django.contrib.gis.geos import GEOSGeometry

    from gisdata.models import Constraint, Layer
    from tests.opendata.conftest import layer_make

    layer = layer_make("flood", points=[(2.16, 41.39)])
    Layer.objects.filter(pk=layer.pk).update(title_ca="Zones inundables")
    constraint = Constraint.objects.create(layer=layer, rule="within", distance_m=500,
                                           severity="warning", message="In a flood zone")
    Constraint.objects.filter(pk=constraint.pk).update(message_ca="En zona inundable",
                                                       message_es="En zona inundable (es)")
    return layer, constraint, GEOSGeometry("POINT(2.1601 41.3901)", srid=4326)


@pytest.mark.django_db
def test_a_layer_and_its_feedback_speak_the_readers_language():
    from gisdata.constraints import constraints_check

    layer, _constraint, point = flood_layer()
    with translation.override("ca"):
        [feedback] = constraints_check(point, project_id=None)
        assert (feedback.layer, feedback.message) == ("Zones inundables", "En zona inundable")
    with translation.override("es"):  # a Spanish message, no Spanish title: English
        [feedback] = constraints_check(point, project_id=None)
        assert (feedback.layer, feedback.message) == ("Flood", "En zona inundable (es)")
    [feedback] = constraints_check(point, project_id=None)
    assert (feedback.layer, feedback.message) == ("Flood", "In a flood zone")


@pytest.mark.django_db
def test_a_planner_reading_catalan_renames_the_layer_in_its_main_text(planner):
    from gisdata import layer_services
    from gisdata.models import Layer

    layer, constraint, _point = flood_layer()
    with translation.override("ca"):
        layer_services.layer_update(layer=layer, user=planner, title="Flood zones (FEMA)",
                                    label_property="", is_districts=False)
        layer_services.constraint_save(
            user=planner, layer=layer, constraint=constraint, rule="within", distance_m=500,
            severity="warning", message="Inside the flood zone",
            translations={"message_ca": "Dins de la zona inundable", "message_es": ""})
    row = Layer.objects.filter(pk=layer.pk).values("title_en", "title_ca").get()
    assert row == {"title_en": "Flood zones (FEMA)", "title_ca": "Zones inundables"}
    constraint.refresh_from_db()
    assert (constraint.message_en, constraint.message_ca, constraint.message_es) == (
        "Inside the flood zone", "Dins de la zona inundable", None)


@pytest.mark.django_db
def test_the_admin_keeps_a_rules_message_in_each_language(client, admin_user):
    from gisdata.models import Constraint

    layer, constraint, _point = flood_layer()
    client.force_login(admin_user)
    url = reverse("admin:gisdata_layer_change", args=[layer.pk])
    page = client.get(url).content.decode()
    assert 'name="title_ca"' in page and 'name="constraints-0-message_es"' in page
    prefix = "constraints"
    response = client.post(url, {
        "title_en": "Flood", "title_ca": "Zones inundables", "title_es": "",
        "is_published": "on", "color": "#1d4ed8", "label_property": "",
        f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000",
        f"{prefix}-0-id": constraint.pk, f"{prefix}-0-layer": layer.pk,
        f"{prefix}-0-rule": "within", f"{prefix}-0-distance_m": "500",
        f"{prefix}-0-severity": "warning", f"{prefix}-0-message_en": "In a flood zone",
        f"{prefix}-0-message_ca": "A la zona inundable", f"{prefix}-0-message_es": "",
        f"{prefix}-0-is_active": "on"})
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    constraint = Constraint.objects.get(pk=constraint.pk)
    assert (constraint.message_en, constraint.message_ca) == (
        "In a flood zone", "A la zona inundable")


@pytest.mark.django_db(transaction=True)
def test_the_migration_copies_layer_titles_and_messages_into_english():
    executor = MigrationExecutor(connection)
    before = [("gisdata", "0006_layer_label_districts_constraint_projects")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    dataset = old.get_model("gisdata", "Dataset").objects.create(
        name="Old", slug="old", source_url="https://example.org/old.geojson")
    layer = old.get_model("gisdata", "Layer").objects.create(
        dataset_id=dataset.pk, name="old", title="Old layer", geometry_type="Point")
    old.get_model("gisdata", "Constraint").objects.create(
        layer_id=layer.pk, rule="intersects", severity="info", message="Old message")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    from gisdata.models import Constraint, Layer

    assert Layer.objects.filter(name="old").values_list("title_en", flat=True).get() == \
        "Old layer"
    assert Constraint.objects.filter(layer__name="old").values_list(
        "message_en", flat=True).get() == "Old message"


@pytest.mark.django_db
def test_the_demo_layers_and_their_feedback_speak_catalan_and_spanish():
    from demo.translated_texts import demo_translate
    from gisdata.models import Constraint, Dataset, Layer

    dataset = Dataset.objects.create(name="Cambridge 100-year flood zones", slug="flood",
                                     source_url="https://example.org/flood.geojson")
    layer = Layer.objects.create(dataset=dataset, name="floodplains_100yr",
                                 title="Cambridge 100-year flood zones",
                                 geometry_type="MultiPolygon")
    Constraint.objects.create(layer=layer, message="In the flood zone {fld_zone}.")
    demo_translate()
    with translation.override("ca"):
        layer = Layer.objects.get(pk=layer.pk)
        assert layer.title == "Zones inundables (100 anys) de Cambridge"
        assert "zona inundable" in layer.constraints.get().message
    with translation.override("es"):
        assert Layer.objects.get(pk=layer.pk).title == "Zonas inundables (100 años) de Cambridge"
    with translation.override("en"):
        assert Layer.objects.get(pk=layer.pk).title == "Cambridge 100-year flood zones"
