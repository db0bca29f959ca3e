"""Proposals near or alike the one being written: only public ones of the same project,
the close and alike first, accents and case ignored; the API's answers and refusals."""

import json
import re

import pytest
from django.urls import reverse

from proposals.similar import proposals_similar
from tests.factories import project_make, proposal_make, user_make

pytestmark = pytest.mark.django_db

HERE = (2.17, 41.39)


def north(metres: float, at=HERE) -> dict:
    """A point `metres` north of `at` (a degree of latitude is about 111,132 m)."""
    return {"type": "Point", "coordinates": [at[0], at[1] + metres / 111_132]}


def point(lon, lat):
    from django.contrib.gis.geos import Point

    return Point(lon, lat, srid=4326)


@pytest.fixture
def made():
    project = project_make("similar")
    author = user_make("author")
    return project, author


def titles(found):
    return [s.title for s in found]


def test_a_near_and_alike_proposal_comes_first_with_its_distance(made):
    project, author = made
    proposal_make(project, author, title="Benches on Plaça del Sol", geometry=north(30))
    proposal_make(project, author, title="Bike lane on Gran Via", geometry=north(40))
    proposal_make(project, author, title="More benches in plaça del sol",
                  geometry=north(3000))
    proposal_make(project, author, title="A fountain far away", geometry=north(5000))
    found = proposals_similar(project=project, title="Benches at placa del Sol",
                              geometry=point(*HERE))
    assert titles(found) == ["Benches on Plaça del Sol", "More benches in plaça del sol",
                             "Bike lane on Gran Via"]
    assert 28 <= found[0].distance_m <= 32
    assert found[0].similarity > found[2].similarity
    assert found[0].url == reverse("proposals:proposal", args=[found[0].id])


def test_accents_and_case_are_ignored(made):
    project, author = made
    proposal_make(project, author, title="Ombra a la PLAÇA", geometry=north(3000))
    assert titles(proposals_similar(project=project, title="ombra a la placa")) == [
        "Ombra a la PLAÇA"]


def test_only_public_proposals_of_the_same_project(made):
    project, author = made
    other = project_make("elsewhere")
    proposal_make(project, author, title="Trees on Pujades", geometry=north(10))
    proposal_make(project, author, title="Trees on Pujades hidden", geometry=north(10),
                  is_hidden=True, hidden_reason="Spam.")
    proposal_make(project, author, title="Trees on Pujades waiting", geometry=north(10),
                  status="submitted")
    proposal_make(project, author, title="Trees on Pujades withdrawn", geometry=north(10),
                  status="withdrawn")
    proposal_make(other, author, title="Trees on Pujades", geometry=north(10))
    found = proposals_similar(project=project, title="Trees on Pujades",
                              geometry=point(*HERE))
    assert titles(found) == ["Trees on Pujades"]
    assert found[0].id != other.proposals.get().pk


def test_nothing_near_nor_alike_finds_nothing(made):
    project, author = made
    proposal_make(project, author, title="A fountain", geometry=north(400))
    assert proposals_similar(project=project, title="Night buses",
                             geometry=point(*HERE)) == []
    assert proposals_similar(project=project, title="ab") == []  # too short to say


def test_the_api_answers_the_list_and_refuses_bad_geometry(client, made):
    project, author = made
    proposal_make(project, author, title="Benches on <b>Plaça</b> del Sol",
                  geometry=north(30))
    url = reverse("api:project-similar", args=[project.pk])
    response = client.get(url, {"title": "benches placa sol",
                                "geometry": json.dumps({"type": "Point",
                                                        "coordinates": list(HERE)})})
    assert response.status_code == 200
    [item] = response.json()
    assert set(item) == {"id", "title", "url", "distance_m", "similarity"}
    assert item["title"] == "Benches on <b>Plaça</b> del Sol"  # JSON, shown as text
    bad = client.get(url, {"title": "benches", "geometry": "{not json"})
    assert bad.status_code == 400 and "geometry" in bad.json()
    assert client.get(url).status_code == 400


def test_the_api_of_a_draft_project_is_not_found(client, made):
    draft = project_make("draft", visibility="draft")
    url = reverse("api:project-similar", args=[draft.pk])
    assert client.get(url, {"title": "benches"}).status_code == 404


def test_the_query_can_be_answered_by_the_title_and_geometry_indexes(made):
    """With sequential scans off, the plan reads the trigram index on plaza_fold(title)
    (proposals 0016's; made here if absent) and the geometry's GiST index: the query is
    written with their very expressions."""
    from django.db import connection, transaction

    from proposals import similar

    project, author = made
    with connection.cursor() as cursor:  # before any proposal is written in the test
        cursor.execute("CREATE INDEX IF NOT EXISTS proposals_title_fold_trgm ON "
                       "proposals_proposal USING gin (plaza_fold(title) gin_trgm_ops)")
    proposal_make(project, author, title="Benches on Plaça del Sol", geometry=north(30))
    # "Near or alike" alone: on a table this small the project's own indexes would
    # answer the whole query, hiding what answers this part.
    sql = f"SELECT p.id FROM proposals_proposal p WHERE {similar._MATCH}"  # noqa: S608 - a constant
    params = {"title": "benches", "geometry": "SRID=4326;POINT (2.17 41.39)",
              "project": project.pk, "near": 250, "near_box": 262.5, "limit": 5,
              **similar.public_sql_params()}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "proposals_title_fold_trgm" in plan, plan
    assert "BitmapOr" in plan, plan
    assert re.search(r"Index Scan on proposals_proposal_geometry_\w*id", plan), plan
