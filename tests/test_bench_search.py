"""bench/bench_search.py at test size: its seed is searchable in its three languages,
and the API's first page is the raw tsquery's, feature for feature."""

import json

import pytest
from django.db import connection

from bench import bench_search

pytestmark = pytest.mark.django_db


def reference(query: str, limit: int = bench_search.PAGE) -> str:
    with connection.cursor() as cursor:
        cursor.execute(bench_search.REFERENCE_SQL, bench_search.reference_params(query, limit))
        return cursor.fetchone()[0]


def test_the_api_and_the_raw_tsquery_return_the_same_page(client):
    bench_search.seed(3000, slug="bench-search-test")
    response = client.get(bench_search.url(bench_search.QUERY))
    assert response.status_code == 200
    assert "the same 20 features" in bench_search.check(response.content,
                                                        reference(bench_search.QUERY))
    links = json.loads(response.content)["links"]
    assert any(link["rel"] == "next" for link in links)  # more than a page matched
    for words in ("arbre ombra", "árbol sombra"):  # the other two languages' texts
        found = json.loads(client.get(bench_search.url(words)).content)["features"]
        assert found and all(words.split()[0][:3] in f["properties"]["title"]
                             + f["properties"]["body"] for f in found)
    # The check fails when the order differs.
    swapped = json.loads(reference(bench_search.QUERY))
    swapped[0], swapped[1] = swapped[1], swapped[0]
    with pytest.raises(SystemExit):
        bench_search.check(response.content, json.dumps(swapped))
