"""GET /api/v1/participation/: participation by area, public numbers only."""

import pytest

from municipalities.models import Municipality
from tests.area_factories import grid_import
from tests.factories import project_make, proposal_make, user_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_numbers():
    """The view keeps its numbers a minute (reports.rollup.PUBLIC_CACHE_SECONDS), under
    the municipality's id, which every test's default municipality shares."""
    from django.core.cache import cache

    cache.clear()
EAST = {"type": "Point", "coordinates": [2.19, 41.37]}


def test_anyone_reads_the_tree_of_the_listed_projects(client):
    grid_import(2, 2, population=lambda code: 500)
    listed = project_make()
    proposal_make(listed, user_make(), geometry=EAST, title="<b>east</b>")
    proposal_make(project_make("draft", visibility="draft"), user_make(), geometry=EAST)

    answer = client.get("/api/v1/participation/").json()

    [city] = answer["municipalities"]
    assert answer["region"] is None
    assert city["counts"] == {"proposals": 1, "comments": 0, "votes_cast": 0,
                              "support_weight": "0.000", "participants": 1}
    d2 = next(d for d in city["districts"] if d["code"] == "D2")
    n21 = next(n for n in d2["neighbourhoods"] if n["code"] == "N2-1")
    assert n21["counts"]["proposals"] == 1 and n21["per_1000"]["proposals"] == "2.00"
    assert d2["outside"]["proposals"] == 0 and d2["per_1000"] is None


def test_one_project_that_the_reader_may_open(client):
    grid_import(1, 1)
    draft = project_make("draft", visibility="draft")
    proposal_make(draft, user_make())
    assert client.get(f"/api/v1/participation/?project={draft.pk}").status_code == 404
    assert client.get("/api/v1/participation/?project=x").status_code == 400
    client.force_login(user_make(planner=True))
    answer = client.get(f"/api/v1/participation/?project={draft.pk}").json()
    assert answer["municipalities"][0]["counts"]["proposals"] == 1


def test_each_municipality_answers_with_its_own_numbers(client):
    girona = Municipality.objects.create(slug="girona", name="Girona")
    proposal_make(project_make("girona-test", municipality=girona), user_make())
    proposal_make(project_make(), user_make())
    proposal_make(project_make("other"), user_make())
    answer = client.get("/girona/api/v1/participation/").json()
    assert [c["slug"] for c in answer["municipalities"]] == ["girona"]
    assert answer["municipalities"][0]["counts"]["proposals"] == 1
    assert answer["municipalities"][0]["districts"] == []
    home = client.get("/api/v1/participation/").json()["municipalities"][0]
    assert home["counts"]["proposals"] == 2


def test_the_numbers_are_kept_a_minute(client):
    from django.core.cache import cache

    proposal_make(project_make(), user_make())
    assert client.get("/api/v1/participation/").json()["municipalities"][0][
        "counts"]["proposals"] == 1
    proposal_make(project_make("second"), user_make())
    assert client.get("/api/v1/participation/").json()["municipalities"][0][
        "counts"]["proposals"] == 1  # the same minute: the same numbers
    cache.clear()
    assert client.get("/api/v1/participation/").json()["municipalities"][0][
        "counts"]["proposals"] == 2
