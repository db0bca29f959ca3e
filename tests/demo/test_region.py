"""The demo's region: Barcelona (the default municipality) and Cambridge, each with its
own projects, layers, roles and planner, a regional planner who sees both, Barcelona's
districts and neighbourhoods as areas, and a project replicated from one to the other."""

from datetime import date

import pytest

from accounts.models import StakeholderRole, User
from core.tenancy import working_for
from demo.loader import demo_load
from demo.neighbourhoods import PROJECT_SLUG
from demo.riverside import RIVERSIDE
from gisdata.models import Dataset, Layer
from municipalities.models import Area, AreaLevel, Municipality
from proposals.models import Project, Visibility

pytestmark = pytest.mark.django_db


@pytest.fixture
def cities(demo_loaded, db):
    return (Municipality.objects.get(slug="barcelona"),
            Municipality.objects.get(slug="cambridge"))


def test_two_municipalities_of_one_region_barcelona_the_default(cities):
    barcelona, cambridge = cities
    assert barcelona.is_default and not cambridge.is_default
    assert barcelona.region_id == cambridge.region_id is not None
    assert barcelona.region.slug == "demo-region"
    assert (barcelona.name, barcelona.languages, barcelona.population) == (
        "Barcelona", ["ca", "es", "en"], 1_655_956)
    assert (cambridge.name, cambridge.languages, cambridge.population) == (
        "Cambridge", ["en"], 118_403)
    assert barcelona.colour != cambridge.colour
    # Each city's area is its own layer's union, and the two lie an ocean apart.
    with working_for(barcelona):
        districts = Layer.objects.get(dataset__name="Barcelona districts")
    for feature in districts.features.all():
        assert barcelona.area.covers(feature.geometry.point_on_surface)
    assert barcelona.area.valid and cambridge.area.valid
    assert not barcelona.area.intersects(cambridge.area)
    assert cambridge.area.covers(Project.objects.get(slug=RIVERSIDE).area.point_on_surface)


def test_cambridge_s_objects_are_cambridge_s(cities):
    barcelona, cambridge = cities
    assert Project.objects.get(slug=RIVERSIDE).municipality == cambridge
    cambridge_data = {"Cambridge 100-year flood zones", "Cambridge neighbourhoods",
                      "Cambridge streets"}
    assert set(Dataset.objects.filter(municipality=cambridge)
               .values_list("name", flat=True)) == cambridge_data
    assert set(Layer.objects.filter(municipality=cambridge)
               .values_list("dataset__name", flat=True)) == cambridge_data
    assert not Dataset.objects.filter(municipality=barcelona, name__in=cambridge_data).exists()
    assert not Dataset.objects.filter(municipality=cambridge, name__startswith="Barcelona"
                                      ).exists()
    for city in cities:  # the same four roles in each, each city's own
        assert set(StakeholderRole.objects.filter(municipality=city)
                   .values_list("slug", flat=True)) == {
            "resident", "business-owner", "expert", "civil-society"}
    with working_for(cambridge):
        # The riverside project, and the replica of Barcelona's (its slug free here).
        assert set(Project.objects.values_list("slug", flat=True)) == {RIVERSIDE,
                                                                       PROJECT_SLUG}
        assert Layer.objects.filter(is_districts=True).get().dataset.name == (
            "Cambridge neighbourhoods")


def test_each_planner_plans_for_their_own_city_and_the_regional_one_sees_both(cities):
    barcelona, cambridge = cities
    planner, local, regional = (User.objects.get(username=name)
                                for name in ("planner", "cambridge", "regional"))
    assert planner.planner_municipality == barcelona
    assert local.planner_municipality == cambridge
    assert regional.planner_region == barcelona.region and regional.planner_municipality is None
    with working_for(barcelona):
        assert planner.is_planner and not local.is_planner and not regional.is_planner
        assert regional.has_perm("proposals.view_project")
        assert not regional.has_perm("proposals.change_project")
    with working_for(cambridge):
        assert local.is_planner and not planner.is_planner and not regional.is_planner
        assert regional.has_perm("proposals.view_project")


def test_barcelona_has_73_neighbourhoods_in_10_districts(cities):
    barcelona, cambridge = cities
    districts = Area.objects.filter(municipality=barcelona, level=AreaLevel.DISTRICT)
    neighbourhoods = Area.objects.filter(municipality=barcelona,
                                         level=AreaLevel.NEIGHBOURHOOD)
    assert districts.count() == 10 and neighbourhoods.count() == 73
    assert {a.name for a in districts} >= {"Sants-Montjuïc", "Gràcia", "Horta-Guinardó"}
    eixample = districts.get(code="02")
    assert set(eixample.children.values_list("name", flat=True)) == {
        "el Fort Pienc", "la Sagrada Família", "la Dreta de l'Eixample",
        "l'Antiga Esquerra de l'Eixample", "la Nova Esquerra de l'Eixample", "Sant Antoni"}
    assert all(n.parent.level == AreaLevel.DISTRICT for n in neighbourhoods)
    assert sum(d.children.count() for d in districts) == 73
    assert not Area.objects.filter(municipality=cambridge).exists()


def test_cambridge_has_a_replica_of_barcelona_s_neighbourhoods_project(cities):
    barcelona, cambridge = cities
    original = Project.objects.get(municipality=barcelona, slug=PROJECT_SLUG)
    replica = Project.objects.get(municipality=cambridge, replicated_from=original)
    # A draft for Cambridge's planner to adapt: Barcelona's set-up, Cambridge's area,
    # opening for ideas two weeks after the load, and no participation copied.
    assert replica.visibility == Visibility.DRAFT
    assert replica.area.equals(cambridge.area)
    assert [p.kind for p in replica.phases.order_by("starts_at")] == [
        p.kind for p in original.phases.order_by("starts_at")]
    assert replica.phases.order_by("starts_at").first().starts_at.date() > date.today()
    assert set(replica.categories.values_list("slug", flat=True)) == set(
        original.categories.values_list("slug", flat=True))
    assert not replica.proposals.exists()
    demo_load()
    assert Project.objects.filter(replicated_from=original).count() == 1


def test_each_city_answers_under_its_own_prefix(client, cities):
    barcelona_home = client.get("/").content.decode()
    cambridge_home = client.get("/cambridge/").content.decode()
    assert "Barcelona: ideas for your neighbourhood" in barcelona_home
    assert "Cambridge: riverside play spaces" not in barcelona_home
    assert "Cambridge: riverside play spaces" in cambridge_home
    assert "Sant Antoni superblock" not in cambridge_home


def test_the_demo_planners_open_their_own_dashboards(client, cities):
    client.force_login(User.objects.get(username="cambridge"))
    assert client.get("/cambridge/dashboard/").status_code == 200
    assert client.get("/dashboard/").status_code == 403
    client.force_login(User.objects.get(username="regional"))
    page = client.get("/dashboard/region/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Barcelona" in html and "Cambridge" in html
    assert client.get("/cambridge/dashboard/region/").status_code == 200
