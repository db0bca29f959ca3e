"""Hostile text wherever it is shown, and forms with too many fields.

QUALITY.md, "API and form input": stored XSS in titles, comments, names, role names and
imported attribute values is escaped everywhere they appear. The pages and the map have
their own tests (proposals, comments, profile, layers, OGC HTML, Playwright popups); this
module covers the places a feature test does not visit: every admin list and change page
and DRF's browsable API, for one object of each kind carrying the same hostile text.
"""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.test import Client
from django.urls import reverse

from accounts.models import ClaimStatus
from gisdata.models import Dataset, Feature, Layer
from proposals.models import Proposal
from tests.factories import (
    claim_make,
    comment_make,
    project_make,
    proposal_make,
    role_make,
    user_make,
)

pytestmark = pytest.mark.django_db
HOSTILE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'
RAW = ("<script>window.pwned", "<img src=x")
ESCAPED = "&lt;script&gt;window.pwned=1&lt;/script&gt;"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def hostile(planner):
    """One object of each kind whose text a user or an imported file chose."""
    author = user_make("mallory", display_name=HOSTILE)
    role = role_make("neighbour", name=HOSTILE)
    claim = claim_make(author, role, status=ClaimStatus.PENDING)
    type(claim).objects.filter(pk=claim.pk).update(evidence=HOSTILE)
    project = project_make("hostile", title=HOSTILE)
    proposal = proposal_make(project, author, title=HOSTILE, body=HOSTILE)
    comment = comment_make(proposal, author, body=HOSTILE)
    dataset = Dataset.objects.create(name=HOSTILE, slug="hostile",
                                     source_url="https://example.org/x.geojson",
                                     attribution=HOSTILE)
    layer = Layer.objects.create(dataset=dataset, name="hostile", title=HOSTILE,
                                 geometry_type="Point", is_published=True)
    feature = Feature.objects.create(
        layer=layer, geometry=GEOSGeometry("POINT(2.16 41.39)", srid=4326),
        properties={"name": HOSTILE, HOSTILE: "an attribute named by the file"})
    return {"user": author, "role": role, "claim": claim, "project": project,
            "proposal": proposal, "comment": comment, "dataset": dataset, "layer": layer,
            "feature": feature}


def assert_escaped(response, where: str) -> None:
    assert response.status_code == 200, (where, response.status_code)
    html = response.content.decode()
    for raw in RAW:
        assert raw not in html, f"{where} shows {raw!r} unescaped"
    # The text is really on the page, escaped: a page that left it out would prove nothing.
    assert ESCAPED in html or "&lt;script&gt;" in html, f"{where} does not show the text"


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(user_make("root", is_staff=True, is_superuser=True))
    return client


ADMIN_PAGES = [
    ("accounts", "user", "user"), ("accounts", "stakeholderrole", "role"),
    ("accounts", "roleclaim", "claim"), ("proposals", "project", "project"),
    ("proposals", "proposal", "proposal"), ("proposals", "comment", "comment"),
    ("gisdata", "dataset", "dataset"), ("gisdata", "layer", "layer"),
    ("gisdata", "feature", "feature"),
]


@pytest.mark.parametrize(("app", "model", "key"), ADMIN_PAGES,
                         ids=[f"{a}.{m}" for a, m, _ in ADMIN_PAGES])
@pytest.mark.quality("stored-xss")
def test_the_admin_lists_and_change_pages_escape_it(hostile, admin_client, app, model, key):
    changelist = admin_client.get(reverse(f"admin:{app}_{model}_changelist"))
    assert changelist.status_code == 200
    for raw in RAW:
        assert raw not in changelist.content.decode(), f"{model} list shows {raw!r}"
    change = admin_client.get(reverse(f"admin:{app}_{model}_change",
                                      args=[hostile[key].pk]))
    assert_escaped(change, f"the admin's {model} page")


@pytest.mark.parametrize("name", ["project-list", "proposal-list", "role-list",
                                  "proposal-detail", "proposal-comments", "dataset-list",
                                  "layer-list", "layer-features", "comment-list"])
@pytest.mark.quality("stored-xss")
def test_the_browsable_api_escapes_it(hostile, name):
    args = {"proposal-detail": [hostile["proposal"].pk],
            "proposal-comments": [hostile["proposal"].pk],
            "layer-features": [hostile["layer"].pk]}.get(name, [])
    # A browser asks for HTML: DRF answers with its browsable page, or, for GeoJSON
    # endpoints, with GeoJSON that the browser shows as data (nosniff), never as a page.
    response = Client().get(reverse(f"api:{name}", args=args), HTTP_ACCEPT=BROWSER)
    if response["Content-Type"].startswith("application/geo+json"):
        assert response.status_code == 200
        assert response["X-Content-Type-Options"] == "nosniff"
        assert HOSTILE in response.content.decode("unicode_escape")
        return
    assert response["Content-Type"].startswith("text/html")
    assert_escaped(response, f"the browsable {name}")


@pytest.mark.quality("stored-xss")
def test_json_keeps_the_text_verbatim(hostile):
    response = Client().get(reverse("api:proposal-detail", args=[hostile["proposal"].pk]),
                            HTTP_ACCEPT="application/json")
    assert HOSTILE in response.json()["properties"]["title"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.quality("body-limits")
def test_a_form_with_too_many_fields_is_a_400_and_stores_nothing(hostile):
    client = Client()
    client.force_login(user_make("flooder"))
    url = reverse("proposals:propose", args=[hostile["project"].slug])
    fields = {f"f{i}": "x" for i in range(1000)}
    before = Proposal.objects.count()
    response = client.post(url, {"title": "Benches", **fields})
    assert response.status_code == 400
    assert Proposal.objects.count() == before


@pytest.mark.quality("body-limits")
def test_a_query_string_with_too_many_parameters_is_a_400():
    query = "&".join(f"p{i}=1" for i in range(1000))
    response = Client().get(f"/api/v1/proposals/?{query}")
    assert response.status_code == 400
