"""The loader's fast parts keep their promises: floats written by orjson are the numbers
repr wrote, and a partition indexed on two connections at once ends up as one indexed on
one (primary key, GiST index, statistics), ready to swap in."""

import math
import struct
from decimal import Decimal

import numpy as np
import pyogrio
import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from gisdata.imports import jsonb, partitions
from gisdata.models import Feature
from tests.gisdata.test_import_batches import run_import


def _number(text: str):
    return None if text == "null" else Decimal(text)


@given(st.lists(st.one_of(st.none(), st.floats(), st.integers(-2**53, 2**53))))
def test_floats_written_at_once_are_the_numbers_written_one_by_one(values):
    assert [_number(t) for t in jsonb._floats(values)] == \
        [_number(jsonb._float(v)) for v in values]


def test_floats_of_a_type_orjson_refuses_are_written_one_by_one():
    big = 2**70  # past 64 bits: orjson refuses it, _float writes it
    assert jsonb._floats([1.5, big, None]) == ["1.5", str(big), "null"]


@pytest.mark.django_db
def test_floats_are_stored_as_postgresql_stores_the_same_float8():
    values = [7.0, 0.1, 1e-05, 1e20, -0.0, 123456789.123456789, 5e-324, math.nan, None]
    texts = jsonb._floats(values)
    with connection.cursor() as cursor:
        for value, text in zip(values, texts, strict=True):
            cursor.execute("SELECT %s::jsonb = to_jsonb(%s::float8) "
                           "OR (%s::jsonb = 'null' AND (%s::float8 IS NULL OR "
                           "%s::float8 = 'NaN'))", [text, value, text, value, value])
            assert cursor.fetchone()[0], (value, text)


@pytest.mark.django_db(transaction=True)
def test_a_partition_indexed_on_two_connections_is_whole(tmp_path, monkeypatch):
    """Outside a transaction (as a worker runs) the GiST index is built aside while the
    check and the primary key run here; the layer comes out as before."""
    aside = []
    real = partitions._aside
    monkeypatch.setattr(partitions, "_aside",
                        lambda statement, timeout_s: (aside.append(statement),
                                                      real(statement, timeout_s)))
    n = 500
    path = tmp_path / "points.gpkg"
    xs, ys = np.linspace(2.05, 2.23, n), np.linspace(41.32, 41.47, n)
    wkb = np.array([struct.pack("<BIdd", 1, 1, x, y) for x, y in zip(xs, ys, strict=True)],
                   dtype=object)
    heights = np.linspace(0.5, 30.25, n)
    pyogrio.raw.write(str(path), wkb, [heights], ["height"], layer="trees", driver="GPKG",
                      geometry_type="Point", crs="EPSG:4326")
    run = run_import(path.read_bytes(), "trees.gpkg")
    assert run.status == "succeeded", run.message
    assert len(aside) == 1 and "USING gist" in aside[0]
    layer_id = Feature.objects.values_list("layer_id", flat=True).first()
    table = partitions.name(layer_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT contype, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = %s::regclass AND contype = 'p'", [table])
        assert cursor.fetchall() == [("p", "PRIMARY KEY (id, layer_id)")]
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table])
        assert any("USING gist (geometry)" in d for (d,) in cursor.fetchall())
        cursor.execute("SELECT attname FROM pg_stats WHERE tablename = %s", [table])
        analysed = {name for (name,) in cursor.fetchall()}
    assert "geometry" in analysed and "properties" not in analysed
    stored = sorted(Feature.objects.values_list("properties__height", flat=True))
    assert stored == pytest.approx(list(heights))
