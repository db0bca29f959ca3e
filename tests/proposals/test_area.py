"""A project's area is served once, simplified for display and cached
(`GET /api/v1/projects/{id}/area/`, proposals/area_display.py); the pages carry only its
bounding box and its address."""

import json

import pytest
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point
from django.test import Client
from django.urls import reverse

from proposals import area_display
from proposals.models import Project
from tests.factories import project_make

pytestmark = pytest.mark.django_db

# A city-sized area drawn at survey precision: a circle of 10,000 points, about 1.1 km
# across, whose points lie 35 cm apart, far closer than a map outline needs.
DETAILED = MultiPolygon(Point(2.16, 41.40, srid=4326).buffer(0.01, quadsegs=2500), srid=4326)


def area_url(project, **query):
    url = reverse("api:project-area", args=[project.pk])
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}" if query else url


def config_of(html: str) -> dict:
    return json.loads(html.split('id="map-config" type="application/json">')[1]
                      .split("</script>")[0])


@pytest.fixture
def detailed():
    project = project_make("detailed")
    Project.objects.filter(pk=project.pk).update(area=DETAILED)
    return Project.objects.get(pk=project.pk)


def test_the_area_is_simplified_for_display_but_stays_valid_and_close(detailed):
    response = Client().get(area_url(detailed))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    feature = response.json()
    assert feature["type"] == "Feature" and feature["id"] == detailed.pk
    shape = GEOSGeometry(json.dumps(feature["geometry"]), srid=4326)
    assert shape.geom_type == "MultiPolygon" and shape.valid
    assert shape.num_coords < DETAILED.num_coords / 10
    # Nowhere further from the area than the tolerance (a metre, at this latitude).
    assert DETAILED.boundary.buffer(area_display.TOLERANCE * 1.01).contains(shape.boundary)
    # The kit's precision: no coordinate has more than its decimals.
    text = response.content.decode()
    assert max(len(n.split(".")[1]) for n in text.replace("[", ",").replace("]", ",")
               .split(",") if "." in n) <= 7
    assert len(response.content) < len(DETAILED.geojson) / 10


def test_a_public_area_is_cached_by_anyone_and_answers_304_while_unchanged(detailed):
    version = area_display.area_version(detailed)
    response = Client().get(area_url(detailed, version=version))
    assert response["Cache-Control"] == "public, max-age=86400"
    etag = response["ETag"]
    again = Client().get(area_url(detailed, version=version), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    # Asked without the current version (an old page's address), it is kept briefly.
    assert Client().get(area_url(detailed, version="old"))["Cache-Control"] == \
        "public, max-age=300"


def test_a_changed_area_has_a_new_version_and_etag(detailed):
    before = Client().get(area_url(detailed))
    old_version = area_display.area_version(detailed)
    Project.objects.filter(pk=detailed.pk).update(area=MultiPolygon(
        Point(2.16, 41.40, srid=4326).buffer(0.02, quadsegs=8), srid=4326))
    changed = Project.objects.get(pk=detailed.pk)
    assert area_display.area_version(changed) != old_version
    after = Client().get(area_url(changed), HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert GEOSGeometry(json.dumps(after.json()["geometry"])).extent == pytest.approx(
        changed.area.extent, abs=1e-6)


def test_an_unlisted_area_opens_only_with_the_link_and_is_never_shared(client):
    unlisted = project_make("by-link", visibility="unlisted")
    # Its id alone, as its slug alone, opens nothing.
    assert Client().get(area_url(unlisted)).status_code == 404
    with_key = Client().get(area_url(unlisted, key=unlisted.link_key))
    assert with_key.status_code == 200
    assert with_key["Cache-Control"] == "private, no-cache"
    assert "Cookie" in with_key["Vary"]
    # A browser that followed the link: its session remembers the key.
    assert client.get(unlisted.link_path).status_code == 200
    response = client.get(area_url(unlisted, version=area_display.area_version(unlisted)))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-cache"
    again = client.get(area_url(unlisted), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_a_draft_area_is_for_planners_only(client, citizen, planner):
    draft = project_make("secret-draft", visibility="draft")
    assert client.get(area_url(draft)).status_code == 404
    client.force_login(citizen)
    assert client.get(area_url(draft)).status_code == 404
    client.force_login(planner)
    response = client.get(area_url(draft))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-cache"
    assert Client().get(area_url(Project(pk=999999))).status_code == 404


@pytest.mark.quality("inlined-data")
@pytest.mark.parametrize("page", ["project", "propose", "proposal", "dashboard"])
def test_no_page_inlines_the_area(detailed, citizen, planner, page):
    """Each page with the project's map carries the area's bbox and address, not the
    area: the whole page weighs less than the area's GeoJSON alone."""
    from tests.factories import proposal_make

    client = Client()
    if page == "project":
        url = reverse("proposals:project", args=[detailed.slug])
    elif page == "propose":
        client.force_login(citizen)
        url = reverse("proposals:propose", args=[detailed.slug])
    elif page == "proposal":
        url = reverse("proposals:proposal", args=[proposal_make(detailed, citizen).pk])
    else:
        client.force_login(planner)
        url = reverse("dashboard:project-edit", args=[detailed.slug])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    full = len(DETAILED.geojson)  # about 250 KB
    assert len(html) < full / 5
    config = config_of(html)
    assert "area" not in config
    assert config["area_bbox"] == pytest.approx(list(DETAILED.extent))
    assert config["area_url"] == area_url(
        detailed, version=area_display.area_version(detailed))
