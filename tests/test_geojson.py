"""core/geojson.py: one way of writing GeoJSON for every surface."""

from __future__ import annotations

import json

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection

from core import geojson

AWKWARD = [
    "POINT(2.123456789123 41.400000001)",
    "POINT(-0.00000005 89.99999995)",
    "LINESTRING(2.1 41.1, 2.15000004999 41.1234567499)",
    "GEOMETRYCOLLECTION(POINT(1.123456789 2), LINESTRING(0 0, 1.000000001 1))",
]


@pytest.mark.django_db
@pytest.mark.parametrize("wkt", AWKWARD)
def test_a_feature_built_in_python_has_the_coordinates_postgis_writes(wkt):
    """A proposal read alone (built in Python) and in a page (built by PostGIS) has the
    same coordinates."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_AsGeoJSON(ST_GeomFromText(%s, 4326), %s)",
                       [wkt, geojson.PRECISION])
        from_postgis = json.loads(cursor.fetchone()[0])
    assert geojson.geometry(GEOSGeometry(wkt, srid=4326)) == from_postgis


def test_a_streamed_collection_is_the_collection_written_at_once():
    features = [f'{{"type":"Feature","id":{n},"geometry":null,"properties":{{}}}}'
                for n in range(3)]
    whole = geojson.collection_text("[" + ",".join(features) + "]", numberMatched=3,
                                    numberReturned=3, links=[{"rel": "self"}])
    streamed = "".join(geojson.collection_stream(
        iter(features), head={"numberMatched": 3},
        tail=lambda: {"numberReturned": 3, "links": [{"rel": "self"}]}))
    assert json.loads(streamed) == json.loads(whole)
    one_per_line = "".join(geojson.collection_stream(iter(features), head={},
                                                     one_per_line=True))
    assert one_per_line.count("\n") == 3 and json.loads(one_per_line)["features"] == [
        json.loads(f) for f in features]
