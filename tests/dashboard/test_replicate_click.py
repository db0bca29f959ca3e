"""The click: Athens' project page offers Skopje's planner a form to replicate it; the
POST makes the copy and lands on the new project's page under Skopje's prefix, with a
message saying what was left behind."""

import pytest
from django.contrib.messages import get_messages

from dashboard.replicate_views import project_url_in
from proposals.models import Project
from tests.dashboard.region_world import planner_of

pytestmark = pytest.mark.django_db

PAGE = "/athens/dashboard/projects/synathina/"
ACTION = "/athens/dashboard/projects/synathina/replicate/"


@pytest.fixture
def skopje_planner(region_world):
    return planner_of(region_world["skopje"], region=region_world["region"], name="ana")


def test_the_project_page_offers_the_regions_other_municipalities(client, region_world,
                                                                  skopje_planner):
    skopje = region_world["skopje"]
    skopje.name = "Skopje <b>city</b>"
    skopje.save()
    client.force_login(skopje_planner)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Replicate to another municipality" in html
    assert f'action="{ACTION}"' in html
    assert "csrfmiddlewaretoken" in html
    assert f'<option value="{skopje.pk}">Skopje &lt;b&gt;city&lt;/b&gt;</option>' in html
    assert 'type="date"' in html
    assert ">Athens<" not in html.split("replicate-heading", 1)[1].split("</form>")[0]


def test_replicating_lands_on_the_copy_under_the_targets_prefix(client, region_world,
                                                                skopje_planner):
    client.force_login(skopje_planner)
    response = client.post(ACTION, {"replicate-to": region_world["skopje"].pk,
                                    "replicate-starts_on": "2027-03-01"})
    assert response.status_code == 302
    assert response["Location"] == "/skopje/dashboard/projects/synathina/"
    copy = Project.objects.get(replicated_from=region_world["project"])
    assert copy.municipality == region_world["skopje"]
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "is replicated to Skopje as a draft" in html
    assert "expert" in html and "heritage: Listed building" in html
    assert "Replicated from “SynAthina” of Athens." in html


def test_a_planner_of_athens_only_gets_no_form_and_no_copy(client, region_world):
    client.force_login(planner_of(region_world["athens"], name="athens-only"))
    assert "Replicate to another municipality" not in client.get(PAGE).content.decode()
    response = client.post(ACTION, {"replicate-to": region_world["skopje"].pk,
                                    "replicate-starts_on": "2027-03-01"})
    assert response.status_code == 302
    assert response["Location"] == PAGE
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert not Project.objects.filter(replicated_from=region_world["project"]).exists()


def test_a_target_without_an_area_is_explained(client, region_world, skopje_planner):
    skopje = region_world["skopje"]
    skopje.area = None
    skopje.save()
    client.force_login(skopje_planner)
    response = client.post(ACTION, {"replicate-to": skopje.pk,
                                    "replicate-starts_on": "2027-03-01"}, follow=True)
    assert "set the municipality&#x27;s area first" in response.content.decode()


def test_a_municipality_with_its_own_host_gets_an_absolute_url(rf, region_world):
    skopje = region_world["skopje"]
    skopje.host = "participa.skopje.example"
    request = rf.get("/")
    assert project_url_in(request, skopje, "synathina") == (
        "http://participa.skopje.example/dashboard/projects/synathina/")
