"""A request is served for its municipality: by host name, by /<slug>/ prefix, else the
default one; links stay under the prefix; another municipality's objects are not found;
a planner's permissions hold in their own municipality only."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core import tenancy
from municipalities.models import Municipality, Region
from municipalities.selectors import municipality_default
from proposals.models import Project
from tests.factories import project_make, role_make, user_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def region():
    region = Region.objects.create(slug="bay", name="The bay")
    Municipality.objects.filter(is_default=True).update(region=region)
    return region


@pytest.fixture
def other(region):
    return Municipality.objects.create(slug="riverton", name="Riverton", region=region)


def in_(municipality, make):
    with tenancy.working_for(municipality):
        return make()


def test_the_default_municipality_answers_at_the_root_and_another_under_its_prefix(
        client, other):
    ours = project_make("ours", title="Our square")
    theirs = in_(other, lambda: project_make("theirs", title="Their riverside"))
    assert ours.municipality == municipality_default() and theirs.municipality == other

    page = client.get(f"/riverton/projects/{theirs.slug}/")
    assert page.status_code == 200 and "Their riverside" in page.content.decode()
    # Its links stay under the prefix; the default's at the root.
    assert 'href="/riverton/api/v1/projects/' in page.content.decode()
    assert client.get(f"/projects/{ours.slug}/").status_code == 200
    # Neither is found under the other's address.
    assert client.get(f"/projects/{theirs.slug}/").status_code == 404
    assert client.get(f"/riverton/projects/{ours.slug}/").status_code == 404
    assert client.get(f"/riverton/api/v1/projects/{ours.pk}/").status_code == 404
    listed = client.get("/riverton/api/v1/projects/").json()
    titles = [p["title"] for p in listed.get("results", listed)]
    assert titles == ["Their riverside"]


def test_a_prefix_alone_is_sent_to_its_home_with_a_slash(client, other):
    response = client.get("/riverton?x=1")
    assert response.status_code == 301 and response["Location"] == "/riverton/?x=1"


def test_a_host_name_serves_its_municipality_without_a_prefix(client, other, settings):
    settings.ALLOWED_HOSTS = ["*"]
    other.host = "participa.riverton.example"
    other.save()
    theirs = in_(other, lambda: project_make("theirs", title="Their riverside"))
    page = client.get(f"/projects/{theirs.slug}/", HTTP_HOST="participa.riverton.example")
    assert page.status_code == 200
    assert client.get(f"/projects/{theirs.slug}/").status_code == 404


def test_two_municipalities_may_use_the_same_project_slug(other):
    project_make("square")
    in_(other, lambda: project_make("square"))
    assert Project.objects.filter(slug="square").count() == 2


def test_a_slug_that_is_a_path_of_the_site_is_refused():
    for taken in ("api", "projects", "dashboard", "ogc", "admin", "static"):
        with pytest.raises(ValidationError):
            Municipality(slug=taken, name=taken).full_clean()
    Municipality(slug="riverton", name="Riverton").full_clean()


def test_only_one_municipality_is_the_default():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Municipality.objects.create(slug="second", name="Second", is_default=True)


def test_a_planner_acts_in_their_municipality_only(client, other):
    planner = user_make("planner", planner=True)  # of the default municipality
    client.force_login(planner)
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/riverton/dashboard/").status_code == 403
    with tenancy.working_for(other):
        assert not planner.has_perm("proposals.change_project")
    with tenancy.working_for(municipality_default()):
        assert planner.has_perm("proposals.change_project")


def test_a_regional_planner_sees_but_does_not_change_the_regions_municipalities(
        region, other):
    regional = user_make("regional", planner=True)
    regional.planner_municipality = None
    regional.planner_region = region
    regional.save()
    for municipality in (municipality_default(), other):
        with tenancy.working_for(municipality):
            assert regional.has_perm("proposals.view_project")
            assert not regional.has_perm("proposals.change_project")
    far = Municipality.objects.create(slug="faraway", name="Faraway")
    with tenancy.working_for(far):
        assert not regional.has_perm("proposals.view_project")


def test_roles_are_each_municipalitys_own(other):
    ours = role_make("resident")
    theirs = in_(other, lambda: role_make("resident"))
    assert ours.municipality != theirs.municipality
    with tenancy.working_for(other):
        from accounts.models import StakeholderRole

        assert list(StakeholderRole.objects.all()) == [theirs]


def test_the_audit_log_names_the_municipality_of_what_changed(other):
    from django.db import transaction

    from audit.models import AuditAction, AuditEntry
    from audit.services import audit_record

    theirs = in_(other, lambda: project_make("theirs"))
    with transaction.atomic():
        entry = audit_record(actor=None, action=AuditAction.PROJECT_UPDATE, target=theirs)
    assert entry.municipality_id == other.pk
    with tenancy.working_for(municipality_default()):
        assert not AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_municipalities_list_says_where_each_one_answers(client, other):
    rows = {m["slug"]: m for m in client.get(reverse("api:municipality-list")).json()}
    default = municipality_default()
    assert rows[default.slug]["url"] == "http://testserver/"
    assert rows["riverton"]["url"] == "http://testserver/riverton/"
    assert rows["riverton"]["api"] == "http://testserver/riverton/api/v1/"
    assert rows["riverton"]["region"] == {"slug": "bay", "name": "The bay"}


def test_a_city_wide_layer_rule_speaks_in_its_own_municipalitys_projects_only(other):
    from django.contrib.gis.geos import Point

    from gisdata.constraints import constraints_check
    from gisdata.models import Constraint, ConstraintRule, Severity
    from tests.opendata.conftest import grid, layer_make

    (x, y), = grid(1)
    layer = layer_make("floods", points=[(x, y)])  # the default municipality's, published
    Constraint.objects.create(layer=layer, rule=ConstraintRule.INTERSECTS,
                              severity=Severity.WARNING, message="In a flood zone.")
    ours = project_make("ours")
    theirs = in_(other, lambda: project_make("theirs"))
    inside = Point(x, y, srid=4326)
    assert [f.message for f in constraints_check(inside, project_id=ours.pk)] == [
        "In a flood zone."]
    assert constraints_check(inside, project_id=theirs.pk) == []


def test_a_dataset_named_like_another_municipalitys_gets_a_slug_of_its_own(other):
    from gisdata.imports.services import dataset_create

    ours = dataset_create(name="Flood zones", source_url="https://example.org/a.geojson")
    theirs = in_(other, lambda: dataset_create(name="Flood zones",
                                               source_url="https://example.org/b.geojson"))
    assert (ours.slug, theirs.slug) == ("flood-zones", "flood-zones-2")
    assert theirs.municipality == other
