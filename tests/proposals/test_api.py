"""The map's API: GeoJSON by bounding box, creation with the same validation, bad input."""

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from proposals.models import Proposal
from tests.factories import LINE, POINT, SQUARE, project_make, proposal_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(db):
    return project_make()


@pytest.fixture
def api():
    return APIClient()


def url(project):
    return reverse("api:project-proposals", args=[project.pk])


def features(response):
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(response.content)


def test_a_bbox_returns_the_proposals_in_it_as_geojson(api, project, citizen):
    inside = proposal_make(project, citizen, geometry=POINT, title="Fountain <b>here</b>")
    proposal_make(project, citizen, geometry={"type": "Point", "coordinates": [2.20, 41.44]})
    line = proposal_make(project, citizen, geometry=LINE, category="mobility")
    body = features(api.get(url(project), {"bbox": "2.14,41.38,2.18,41.42"}))
    assert body["type"] == "FeatureCollection"
    assert {f["id"] for f in body["features"]} == {inside.pk, line.pk}
    point = next(f for f in body["features"] if f["id"] == inside.pk)
    assert point["geometry"] == POINT
    assert point["properties"]["title"] == "Fountain <b>here</b>"  # JSON keeps text verbatim
    assert point["properties"] == {"title": "Fountain <b>here</b>", "category": "green",
                                   "status": "published", "hidden": False}
    assert body["numberReturned"] == 2


def test_filters_by_category_and_status(api, project, citizen):
    proposal_make(project, citizen, category="green")
    shortlisted = proposal_make(project, citizen, category="mobility", status="shortlisted")
    body = features(api.get(url(project), {"category": "mobility", "status": "shortlisted"}))
    assert [f["id"] for f in body["features"]] == [shortlisted.pk]


def test_pages_are_bounded_and_linked(api, project, citizen):
    for _ in range(5):
        proposal_make(project, citizen)
    body = features(api.get(url(project), {"limit": 2}))
    assert body["numberReturned"] == 2
    nxt = next(link["href"] for link in body["links"] if link["rel"] == "next")
    seen = [f["id"] for f in body["features"]]
    while nxt:
        body = features(api.get(nxt))
        seen += [f["id"] for f in body["features"]]
        nxt = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    assert sorted(seen) == sorted(Proposal.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("params", [
    {"bbox": "1,2,3"}, {"bbox": "a,b,c,d"}, {"bbox": "3,41,2,42"}, {"bbox": "0,0,200,10"},
    {"bbox": "nan,0,1,1"}, {"limit": "0"}, {"limit": "100000"}, {"limit": "-5"},
    {"offset": "-1"}, {"status": "secret"},
])
@pytest.mark.quality("query-abuse", "invalid-geometry")
def test_bad_query_parameters_get_a_400_not_a_500(api, project, params):
    response = api.get(url(project), params)
    assert response.status_code == 400
    assert set(response.json()) <= {"bbox", "limit", "offset", "status"}


def test_hidden_and_unpublished_proposals_stay_out_for_others(api, project, citizen, outsider,
                                                              planner):
    public = proposal_make(project, citizen)
    hidden = proposal_make(project, citizen, is_hidden=True, hidden_reason="Spam.")
    submitted = proposal_make(project, citizen, status="submitted")
    withdrawn = proposal_make(project, citizen, status="withdrawn")
    expected = {
        None: {public.pk},
        outsider: {public.pk},
        citizen: {public.pk, hidden.pk, submitted.pk, withdrawn.pk},
        planner: {public.pk, hidden.pk, submitted.pk, withdrawn.pk},
    }
    for user, ids in expected.items():
        api.force_authenticate(user)
        assert {f["id"] for f in features(api.get(url(project)))["features"]} == ids
        status = 200 if hidden.pk in ids else 404
        assert api.get(reverse("api:proposal-detail", args=[hidden.pk])).status_code == status


def test_a_draft_project_is_404_to_citizens(api, citizen, planner):
    draft = project_make("draft", visibility="draft")
    api.force_authenticate(citizen)
    assert api.get(url(draft)).status_code == 404
    assert api.get(reverse("api:project-detail", args=[draft.pk])).status_code == 404
    api.force_authenticate(planner)
    assert api.get(url(draft)).status_code == 200


@pytest.mark.parametrize("geometry", [POINT, LINE, SQUARE])
def test_a_citizen_posts_a_proposal(api, project, citizen, geometry):
    api.force_authenticate(citizen)
    response = api.post(url(project), {"title": "Shade", "body": "Trees please.",
                                       "category": "green", "geometry": geometry},
                        format="json")
    assert response.status_code == 201, response.content
    feature = response.json()
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == geometry["type"]
    assert Proposal.objects.get(pk=feature["id"]).author == citizen


@pytest.mark.quality("mass-assignment")
def test_extra_fields_cannot_choose_author_status_or_project(api, project, citizen, outsider):
    other = project_make("other")
    api.force_authenticate(citizen)
    response = api.post(url(project), {
        "title": "Shade", "body": "Trees.", "category": "green", "geometry": POINT,
        "author": outsider.pk, "status": "accepted", "project": other.pk, "is_hidden": True,
        "official_answer": "Yes", "weight": 100}, format="json")
    assert response.status_code == 201
    proposal = Proposal.objects.get()
    assert (proposal.author, proposal.status, proposal.project, proposal.is_hidden,
            proposal.official_answer) == (citizen, "published", project, False, "")


@pytest.mark.parametrize("body, field", [
    ({"geometry": {"type": "Point", "coordinates": [200, 41]}}, "geometry"),
    ({"geometry": {"type": "Polygon", "coordinates": [[[2.15, 41.40], [2.16, 41.41],
                                                      [2.16, 41.40], [2.15, 41.41],
                                                      [2.15, 41.40]]]}}, "geometry"),
    ({"geometry": "POINT(2.17 41.39)"}, "geometry"),
    ({"geometry": {"type": "Point", "coordinates": [2.5, 41.39]}}, "geometry"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 141}, "title"),
    ({"title": "nul\x00byte"}, "title"),
    ({"title": "lone \ud800 surrogate"}, "title"),
    ({"body": ""}, "body"),
    ({"category": "does-not-exist"}, "category"),
])
@pytest.mark.quality("awkward-text", "invalid-geometry")
def test_bad_input_gets_a_field_error_and_stores_nothing(api, project, citizen, body, field):
    api.force_authenticate(citizen)
    data = {"title": "Shade", "body": "Trees.", "category": "green", "geometry": POINT, **body}
    response = api.post(url(project), json.dumps(data), content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Proposal.objects.exists()


@pytest.mark.quality("awkward-text")
def test_emoji_and_accents_are_kept(api, project, citizen):
    api.force_authenticate(citizen)
    title = "Plaça del Sol 🌳 — més ombra"
    api.post(url(project), {"title": title, "body": "Sí!", "category": "green",
                            "geometry": POINT}, format="json")
    assert Proposal.objects.get().title == title


@pytest.mark.quality("body-limits")
def test_wrong_content_type_is_415(api, project, citizen):
    api.force_authenticate(citizen)
    response = api.post(url(project), "title=x", content_type="text/plain")
    assert response.status_code == 415


@pytest.mark.quality("body-limits")
def test_deeply_nested_json_is_400(api, project, citizen):
    api.force_authenticate(citizen)
    response = api.post(url(project), "[" * 50_000 + "]" * 50_000,
                        content_type="application/json")
    assert response.status_code == 400


@pytest.mark.quality("body-limits", "huge-geometry")
def test_an_oversized_body_is_refused(api, project, citizen, settings):
    api.force_authenticate(citizen)
    data = json.dumps({"title": "x", "body": "y" * 3_000_000, "category": "green",
                       "geometry": POINT})
    response = api.post(url(project), data, content_type="application/json")
    assert response.status_code in (400, 413)
    assert not Proposal.objects.exists()


def test_anonymous_posts_are_refused(api, project):
    response = api.post(url(project), {"title": "x", "body": "y", "category": "green",
                                       "geometry": POINT}, format="json")
    assert response.status_code in (401, 403)


@pytest.mark.quality("csrf-and-cors")
def test_session_writes_need_the_csrf_token(project, citizen):
    api = APIClient(enforce_csrf_checks=True)
    api.login(username="citizen", password="correct-horse-battery-staple")
    response = api.post(url(project), {"title": "x", "body": "y", "category": "green",
                                       "geometry": POINT}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


@pytest.mark.quality("another-users-row")
def test_the_author_patches_and_others_cannot(api, project, citizen, outsider):
    proposal = proposal_make(project, citizen)
    detail = reverse("api:proposal-detail", args=[proposal.pk])
    api.force_authenticate(outsider)
    assert api.patch(detail, {"title": "Mine"}, format="json").status_code == 403
    api.force_authenticate(citizen)
    response = api.patch(detail, {"title": "Better title"}, format="json")
    assert response.status_code == 200
    assert response.json()["properties"]["title"] == "Better title"


def test_planner_actions_through_the_api(api, project, citizen, planner):
    proposal = proposal_make(project, citizen)
    hide = reverse("api:proposal-hide", args=[proposal.pk])
    api.force_authenticate(citizen)
    assert api.post(hide, {"reason": "x"}, format="json").status_code == 403
    api.force_authenticate(planner)
    assert api.post(hide, {"reason": "Off topic."}, format="json").status_code == 204
    assert api.post(hide, {}, format="json").status_code == 400
    status = reverse("api:proposal-status", args=[proposal.pk])
    assert api.post(status, {"status": "rejected", "answer": "Out of budget."},
                    format="json").status_code == 204
    proposal.refresh_from_db()
    assert proposal.is_hidden and proposal.status == "rejected"


def test_projects_are_listed_with_phases_and_categories(api, project):
    project_make("draft", visibility="draft")
    project_make("unlisted", visibility="unlisted")
    body = api.get(reverse("api:project-list")).json()
    assert [p["slug"] for p in body["results"]] == ["plaza-test"]
    assert body["results"][0]["current_phase"] == "ideation"
    assert [c["slug"] for c in body["results"][0]["categories"]] == ["green", "mobility"]
    detail = api.get(reverse("api:project-detail", args=[project.pk])).json()
    assert detail["area"]["type"] == "MultiPolygon"


def test_the_openapi_schema_describes_the_proposal_endpoints(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    path = schema["paths"]["/api/v1/projects/{id}/proposals/"]
    assert {"get", "post"} <= set(path)
    params = {p["name"] for p in path["get"]["parameters"]}
    assert {"bbox", "category", "status", "limit", "offset"} <= params
    ok = path["get"]["responses"]["200"]["content"]
    geo = next(iter(ok.values()))["schema"]
    assert geo["properties"]["type"]["enum"] == ["FeatureCollection"]


def test_the_api_docs_page_loads_its_assets_locally(client):
    html = client.get("/api/docs/").content.decode()
    assert "swagger" in html.lower()
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html
