"""The map's clusters: exact counts per cell, for every proposal in view, at any scale."""

import json
import random

import pytest
from django.contrib.gis.geos import GEOSGeometry, LineString, Point, Polygon
from django.urls import reverse
from rest_framework.test import APIClient

from proposals import clusters
from proposals.models import Proposal
from tests.factories import project_make

pytestmark = pytest.mark.django_db

CITY = "2.10,41.35,2.22,41.45"  # the test project's whole area


@pytest.fixture
def project(db):
    return project_make()


@pytest.fixture
def api():
    return APIClient()


def url(project):
    return reverse("api:project-proposal-clusters", args=[project.pk])


def body(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(response.content)


def many(project, author, n, *, seed=1, category="green", geometry=None, **fields):
    """`n` proposals at random points of the project's area (the same ones for a seed),
    written at once: the counts, not the service, are under test here."""
    rng = random.Random(seed)
    cat = project.categories.get(slug=category)
    fields.setdefault("status", "published")
    Proposal.objects.bulk_create([Proposal(
        project=project, author=author, title=f"Idea {i}", body="More shade.", category=cat,
        geometry=geometry or Point(rng.uniform(2.10, 2.22), rng.uniform(41.35, 41.45),
                                   srid=4326), **fields) for i in range(n)])


def cells(data):
    assert data["clustered"] is True
    return [f for f in data["features"] if f["properties"].get("cluster")]


def test_a_small_view_gets_the_proposals_themselves(api, project, citizen):
    many(project, citizen, 12)
    data = body(api.get(url(project), {"bbox": CITY, "zoom": 12}))
    assert data["clustered"] is False
    assert data["numberMatched"] == data["numberReturned"] == 12
    assert {f["id"] for f in data["features"]} == set(
        Proposal.objects.values_list("pk", flat=True))
    assert set(data["features"][0]["properties"]) == {"title", "category", "status", "hidden"}


@pytest.mark.quality("crowded-map-counts")
def test_above_the_threshold_cells_count_every_proposal_exactly(api, project, citizen):
    many(project, citizen, 1200)
    data = body(api.get(url(project), {"bbox": CITY, "zoom": 13}))
    found = cells(data)
    assert data["numberMatched"] == 1200 == sum(c["properties"]["count"] for c in found)
    assert data["numberReturned"] == len(found) > 10
    points = [p.coords for p in Proposal.objects.values_list("geometry", flat=True)]
    for cell in found:  # each count is the proposals whose point lies in that cell
        w, s, e, n = cell["properties"]["bounds"]
        inside = [(x, y) for x, y in points
                  if w - 1e-7 <= x <= e + 1e-7 and s - 1e-7 <= y <= n + 1e-7]
        assert len(inside) == cell["properties"]["count"]
        x, y = cell["geometry"]["coordinates"]  # the bubble stands at their mean
        assert x == pytest.approx(sum(p[0] for p in inside) / len(inside), abs=1e-6)
        assert y == pytest.approx(sum(p[1] for p in inside) / len(inside), abs=1e-6)


def test_the_cells_get_smaller_as_the_map_zooms_in(api, project, citizen):
    many(project, citizen, 800)
    counts = [len(cells(body(api.get(url(project), {"bbox": CITY, "zoom": z}))))
              for z in (10, 12, 14)]
    assert counts[0] < counts[1] < counts[2]


@pytest.mark.quality("crowded-map-counts")
def test_counts_follow_the_filters_and_the_view(api, project, citizen):
    many(project, citizen, 700, seed=1, category="green")
    many(project, citizen, 600, seed=2, category="mobility")
    many(project, citizen, 550, seed=3, category="mobility", status="shortlisted")
    data = body(api.get(url(project), {"bbox": CITY, "zoom": 13, "category": "mobility",
                                       "status": "shortlisted"}))
    assert data["numberMatched"] == 550 == sum(c["properties"]["count"] for c in cells(data))
    west = "2.10,41.35,2.16,41.45"
    expected = Proposal.objects.filter(
        category__slug="mobility", geometry__bboverlaps=Polygon.from_bbox(
            (2.10, 41.35, 2.16, 41.45))).count()
    data = body(api.get(url(project), {"bbox": west, "zoom": 13, "category": "mobility"}))
    assert expected > 500
    assert data["numberMatched"] == expected == sum(
        c["properties"]["count"] for c in cells(data))


def test_the_threshold_switches_between_proposals_and_cells(api, project, citizen):
    many(project, citizen, clusters.CLUSTER_THRESHOLD)
    assert body(api.get(url(project), {"zoom": 12}))["clustered"] is False
    many(project, citizen, 1, seed=9)
    data = body(api.get(url(project), {"zoom": 12}))
    assert data["clustered"] is True
    assert data["numberMatched"] == clusters.CLUSTER_THRESHOLD + 1


@pytest.mark.quality("crowded-map-counts")
def test_hidden_and_others_unpublished_proposals_are_not_counted(api, project, citizen,
                                                                 outsider, planner):
    many(project, citizen, 600)
    many(project, citizen, 40, seed=2, is_hidden=True, hidden_reason="Spam.")
    many(project, citizen, 30, seed=3, status="submitted")
    many(project, outsider, 20, seed=4, status="withdrawn")

    def total(user):
        api.force_authenticate(user)
        data = body(api.get(url(project), {"bbox": CITY, "zoom": 12}))
        assert data["numberMatched"] == sum(c["properties"]["count"] for c in cells(data))
        return data["numberMatched"]

    assert total(None) == 600
    assert total(outsider) == 620  # their own withdrawn ones, not the citizen's drafts
    assert total(citizen) == 670  # their own hidden and submitted ones
    assert total(planner) == 690


@pytest.mark.quality("crowded-map-counts")
def test_lines_and_areas_count_once_where_their_point_on_surface_lies(api, project,
                                                                       citizen):
    here = Point(2.12, 41.36, srid=4326)
    many(project, citizen, 501, geometry=here)
    # The line passes by the crowd but its point on surface (its middle vertex) is far
    # away: it counts there, once; so does the square, at a point inside it.
    line = LineString((2.12, 41.36), (2.20, 41.44), (2.21, 41.36), srid=4326)
    square = GEOSGeometry(json.dumps({"type": "Polygon", "coordinates": [[
        [2.15, 41.40], [2.16, 41.40], [2.16, 41.41], [2.15, 41.41], [2.15, 41.40]]]}), 4326)
    many(project, citizen, 1, geometry=line, category="mobility")
    many(project, citizen, 1, geometry=square, category="mobility")
    found = cells(body(api.get(url(project), {"bbox": CITY, "zoom": 14})))
    counts = sorted(c["properties"]["count"] for c in found)
    assert counts == [1, 1, 501]
    ones = [c["geometry"]["coordinates"] for c in found if c["properties"]["count"] == 1]
    assert pytest.approx([2.20, 41.44]) in ones
    assert pytest.approx(list(square.point_on_surface.coords)) in ones


@pytest.mark.parametrize("params", [
    {}, {"zoom": "x"}, {"zoom": "-1"}, {"zoom": "23"}, {"zoom": "12", "bbox": "1,2,3"},
    {"zoom": "12", "bbox": "3,41,2,42"}, {"zoom": "12", "bbox": "nan,0,1,1"},
    {"zoom": "12", "status": "secret"},
])
@pytest.mark.quality("query-abuse")
def test_bad_query_parameters_get_a_400_in_the_api_error_format(api, project, params):
    response = api.get(url(project), params)
    assert response.status_code == 400
    assert response.json() and set(response.json()) <= {"bbox", "zoom", "status"}


def test_a_draft_or_unlisted_project_is_404_without_the_right(api, citizen, planner):
    draft = project_make("draft", visibility="draft")
    unlisted = project_make("unlisted", visibility="unlisted")
    api.force_authenticate(citizen)
    assert api.get(url(draft), {"zoom": 12}).status_code == 404
    assert api.get(url(unlisted), {"zoom": 12}).status_code == 404
    api.force_authenticate(planner)
    assert body(api.get(url(draft), {"zoom": 12}))["numberMatched"] == 0


@pytest.mark.parametrize("name", ["api:project-proposal-clusters", "api:project-proposals"])
def test_the_map_requests_do_not_read_the_project_area(api, project, citizen, name):
    """A city's outline is hundreds of kilobytes: the map's requests with a view (bbox)
    never fetch it; the clusters without one read it once, for its latitude."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    many(project, citizen, 3)
    with CaptureQueriesContext(connection) as queries:
        api.get(reverse(name, args=[project.pk]), {"bbox": CITY, "zoom": 12})
    assert queries.captured_queries
    assert not any('"proposals_project"."area"' in q["sql"] for q in queries.captured_queries)
    if name == "api:project-proposal-clusters":
        with CaptureQueriesContext(connection) as queries:
            assert api.get(reverse(name, args=[project.pk]), {"zoom": 12}).status_code == 200
        assert sum('"proposals_project"."area"' in q["sql"]
                   for q in queries.captured_queries) == 1


def _grouped(queries) -> int:
    """How many times the cells were counted (the GROUP BY of CELLS_SQL)."""
    return sum("GROUP BY 1, 2" in q["sql"] for q in queries.captured_queries)


def _anonymous(api, project, **query):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        data = body(api.get(url(project), {"bbox": CITY, "zoom": 13, **query}))
    return data, _grouped(queries)


@pytest.mark.quality("crowded-map-counts")
def test_an_anonymous_view_is_counted_once_until_the_map_changes(api, project, citizen,
                                                                 planner):
    """The cells every anonymous reader sees are cached under the project's map version,
    which the database changes with any write that changes a count, whatever path wrote
    it (service, ORM, raw SQL); a change the map does not show keeps the cache."""
    from django.db import connection

    from proposals import services

    many(project, citizen, 700)
    first, counted = _anonymous(api, project)
    assert (first["numberMatched"], counted) == (700, 1)
    again, counted = _anonymous(api, project)
    assert (again, counted) == (first, 0)  # from the cache, equal

    one, two, three, four = Proposal.objects.filter(project=project).order_by("pk")[:4]
    version = clusters.map_version(project.pk)
    Proposal.objects.filter(pk=one.pk).update(title="A better title")  # not on the map
    assert clusters.map_version(project.pk) == version
    assert _anonymous(api, project)[1] == 0

    services.proposal_hide(proposal=one, planner=planner, reason="Spam.")
    assert _anonymous(api, project)[0]["numberMatched"] == 699
    Proposal.objects.filter(pk=two.pk).update(status="submitted")
    assert _anonymous(api, project)[0]["numberMatched"] == 698
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM proposals_proposal WHERE id = %s", [three.pk])
    assert _anonymous(api, project)[0]["numberMatched"] == 697
    many(project, citizen, 3, seed=2)
    assert _anonymous(api, project)[0]["numberMatched"] == 700
    # Moved out of the view: the cells change though the total of the project does not.
    Proposal.objects.filter(pk=four.pk).update(geometry=Point(2.5, 41.9, srid=4326))
    data, counted = _anonymous(api, project)
    assert (data["numberMatched"], counted) == (699, 1)


@pytest.mark.quality("crowded-map-counts")
def test_a_renamed_category_is_not_read_from_the_cache(api, project, citizen):
    many(project, citizen, 600)
    assert _anonymous(api, project, category="green")[0]["numberMatched"] == 600
    project.categories.filter(slug="green").update(slug="trees")
    assert _anonymous(api, project, category="green")[0]["numberMatched"] == 0
    assert _anonymous(api, project, category="trees")[0]["numberMatched"] == 600


def test_signed_in_readers_are_counted_each_time(api, project, citizen, planner):
    """A planner sees hidden proposals, an author their own unpublished ones: their cells
    are never the anonymous readers' cached ones."""
    many(project, citizen, 600)
    many(project, citizen, 30, seed=3, is_hidden=True, hidden_reason="Spam.")
    assert _anonymous(api, project)[0]["numberMatched"] == 600
    api.force_authenticate(planner)
    data, counted = _anonymous(api, project)
    assert (data["numberMatched"], counted) == (630, 1)
    assert _anonymous(api, project)[1] == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_project_with_proposals_a_version(project, citizen):
    """Migration 0011 on a database with proposals: one version per project that has
    any, each its own; a project without proposals has none yet ("0")."""
    from django.db.migrations.executor import MigrationExecutor

    from tests.factories import project_make

    def migrate(targets):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets or executor.loader.graph.leaf_nodes())

    from django.db import connection

    other, empty = project_make(slug="other"), project_make(slug="empty")
    many(project, citizen, 5)
    many(other, citizen, 2)
    try:
        migrate([("proposals", "0010_proposal_newest_index")])
        migrate(None)
    finally:
        migrate(None)
    versions = {p.pk: clusters.map_version(p.pk) for p in (project, other, empty)}
    assert versions[empty.pk] == "0"
    assert "0" not in (versions[project.pk], versions[other.pk])
    assert versions[project.pk] != versions[other.pk]
