"""Bulk exports: whole projects and layers as GeoJSON and CSV, streamed from a
server-side cursor, with licence and attribution, and CSV safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test import Client

from opendata import exports
from tests.opendata.conftest import grid, layer_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client()


def streamed(response) -> str:
    assert response.status_code == 200
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def test_a_project_as_geojson_with_results_and_licence(client, city):
    response = client.get(f"/api/v1/projects/{city['project'].pk}/proposals.geojson")
    assert response["Content-Type"] == "application/geo+json"
    assert 'filename="proposals-open-city.geojson"' in response["Content-Disposition"]
    doc = json.loads(streamed(response))
    assert doc["licence"] == "https://creativecommons.org/licenses/by/4.0/"
    assert doc["attribution"] == "Participants of Plaza"
    assert sorted(f["id"] for f in doc["features"]) == sorted(p.pk for p in city["public"])
    best = doc["features"][0]["properties"]  # best ranked first
    assert best["title"] == "Idea 0" and best["rank_weighted"] == 1
    assert (best["supporters"], best["opponents"], best["support_weight"]) == (2, 1, 3.0)
    assert "author" not in best


def test_without_public_results_a_project_exports_no_tallies(client, city):
    city["project"].voting.results_public = False
    city["project"].voting.save()
    doc = json.loads(streamed(client.get(
        f"/api/v1/projects/{city['project'].pk}/proposals.geojson")))
    assert [f["id"] for f in doc["features"]] == sorted(p.pk for p in city["public"])
    assert all("supporters" not in f["properties"] for f in doc["features"])


def test_a_project_as_csv_with_licence_in_the_link_header(client, city):
    response = client.get(f"/api/v1/projects/{city['project'].pk}/proposals.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(streamed(response))))
    assert len(rows) == 4
    assert rows[0]["title"] == "Idea 0" and rows[0]["supporters"] == "2"
    assert rows[0]["geometry_wkt"] == "POINT(2.15 41.39)"
    link = response["Link"]
    assert '<https://creativecommons.org/licenses/by/4.0/>; rel="license"' in link
    assert f'</api/v1/projects/{city["project"].pk}/>; rel="describedby"' in \
        link.replace("http://testserver", "")
    assert "Attribution: Participants of Plaza" in unquote(link)


@pytest.mark.quality("private-reports")
def test_drafts_and_unpublished_layers_are_not_exported(client, city):
    for url in (f"/api/v1/projects/{city['draft'].pk}/proposals.csv",
                f"/api/v1/layers/{city['hidden_layer'].pk}/features.geojson",
                "/api/v1/layers/999999/features.csv"):
        assert client.get(url).status_code == 404


def test_a_layer_as_geojson_and_csv_with_its_attributes(client, db):
    layer = layer_make("trees", points=grid(3), props=lambda i: {
        "name": ["=HYPERLINK(\"http://evil.example\")", "+cmd|' /C calc'!A0", "@SUM(1+1)"][i],
        "height": -2.5 + i, "tags": ["a", "b"]})
    layer.schema = [{"name": "name", "type": "str"}, {"name": "height", "type": "float"},
                    {"name": "tags", "type": "list"}]
    layer.save()
    doc = json.loads(streamed(client.get(f"/api/v1/layers/{layer.pk}/features.geojson")))
    assert doc["licence"] == "CC BY 4.0" and doc["attribution"] == "City of Barcelona <Open Data>"
    # JSON keeps text verbatim: neutralising is for spreadsheets.
    assert doc["features"][0]["properties"]["name"] == "=HYPERLINK(\"http://evil.example\")"
    response = client.get(f"/api/v1/layers/{layer.pk}/features.csv")
    assert response["Last-Modified"]
    rows = list(csv.reader(io.StringIO(streamed(response))))
    assert rows[0] == ["id", "name", "height", "tags", "geometry_wkt"]
    assert [r[1] for r in rows[1:]] == ["'=HYPERLINK(\"http://evil.example\")",
                                        "'+cmd|' /C calc'!A0", "'@SUM(1+1)"]
    assert [r[2] for r in rows[1:]] == ["-2.5", "-1.5", "-0.5"]  # numbers stay numbers
    assert rows[1][3] == '["a", "b"]'


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("-1", "'-1"), ("\t=x", "'\t=x"), ("\r=x", "'\r=x"),
    ("plain", "plain"), (-1, -1), (2.5, 2.5), (None, ""), ({"a": "=b"}, '{"a": "=b"}'),
])
@pytest.mark.quality("csv-formula")
def test_csv_cells_are_neutralised_only_when_text_starts_a_formula(value, expected):
    assert exports.cell(value) == expected


@pytest.mark.quality("bbox-flood")
def test_exports_stream_from_a_server_side_cursor_a_chunk_at_a_time(client, db, monkeypatch):
    layer = layer_make("many", points=grid(25))
    monkeypatch.setattr(exports, "CHUNK", 7)
    fetched = []
    original = connection.chunked_cursor

    def spy():
        cursor = original()
        fetchmany = cursor.fetchmany
        cursor.fetchmany = lambda size: fetched.append(size) or fetchmany(size)
        return cursor

    monkeypatch.setattr(connection, "chunked_cursor", spy)
    response = client.get(f"/api/v1/layers/{layer.pk}/features.geojson")
    doc = json.loads(streamed(response))
    assert len(doc["features"]) == 25
    assert fetched == [7, 7, 7, 7, 7]  # four full chunks, a part, then an empty one
    assert not response.has_header("ETag")  # hashing would mean holding it whole
