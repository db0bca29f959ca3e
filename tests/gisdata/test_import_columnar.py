"""Layers read from GDAL's Arrow stream and loaded a column at a time
(gisdata/imports/arrow_stream.py, gisdata/imports/columnar.py) arrive exactly as the same
layers read value by value with pyogrio.raw.read: the same features, numbers,
geometries and properties, nulls, escapes and odd numbers included.
"""

import json
import math
import struct

import numpy as np
import pyogrio
import pytest
from django.core.files.base import ContentFile

from gisdata.imports import columnar, jsonb, load, reader, services
from gisdata.imports.arrow_stream import Array
from gisdata.models import Feature, ImportRun

pytestmark = pytest.mark.django_db

N = 23
TEXTS = ['plain', 'quote " and \\ backslash', "new\nline\ttab", "nul\x00byte", "",
         "accents: àéïõü · ĳ €", "control \x01\x1f", None, "emoji 🌳", "a/b"]
FLOATS = [7.0, 0.1, 1e16, 1e-05, 1.5e-07, -0.0, math.nan, math.inf, -math.inf,
          123456789.125, 2.0**53, -3.25]


def _write(path, geometries, geometry_type="Point"):
    n = len(geometries)
    ints = np.arange(-11, n - 11, dtype=np.int64) * 123_456_789_012
    small = np.arange(n, dtype=np.int16)
    floats = np.array([FLOATS[i % len(FLOATS)] for i in range(n)])
    singles = (np.arange(n) / 3).astype(np.float32)
    texts = np.array([TEXTS[i % len(TEXTS)] for i in range(n)], dtype=object)
    flags = np.array([i % 2 == 0 for i in range(n)])
    masks = [np.arange(n) % 5 == 1, None, np.arange(n) % 7 == 3, None, None,
             np.arange(n) % 4 == 2]
    pyogrio.raw.write(str(path), np.array(geometries, dtype=object),
                      [ints, small, floats, singles, texts, flags],
                      ["big", "small", "real", "single", "text", "flag"],
                      field_mask=masks, layer="things", driver="GPKG",
                      geometry_type=geometry_type, crs="EPSG:4326")


def _import(path) -> ImportRun:
    dataset = services.dataset_create(name=path.name,
                                      source_file=ContentFile(path.read_bytes(),
                                                              name=path.name))
    run = services.import_start(dataset=dataset)
    services.import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def _features(run):
    return list(Feature.objects.filter(layer__dataset=run.dataset).order_by("number")
                .values_list("number", "geometry", "properties", "repaired"))


def _legacy(monkeypatch):
    def refuse(self, size):
        raise reader._Legacy
        yield  # a generator, as the one it replaces

    monkeypatch.setattr(reader._Stream, "_arrow", refuse)


@pytest.fixture
def columnar_batches(monkeypatch) -> list:
    """The batches loaded a column at a time."""
    seen, real = [], load._columnar_load

    def spy(state, batch):
        seen.append(batch)
        return real(state, batch)

    monkeypatch.setattr(load, "_columnar_load", spy)
    return seen


def _points(n):
    rng = np.random.default_rng(7)
    return [None if i == 4 else struct.pack("<BIdd", 1, 1, *rng.uniform(1, 3, 2))
            for i in range(n)]


def test_arrow_and_value_by_value_readings_store_the_same_features(
        tmp_path, settings, monkeypatch, columnar_batches):
    settings.GISDATA_IMPORT_BATCH = 5
    path = tmp_path / "things.gpkg"
    _write(path, _points(N))
    arrow = _import(path)
    assert arrow.status == "succeeded", arrow.message
    assert len(columnar_batches) == 5 and all(b.length <= 5 for b in columnar_batches)
    assert (arrow.imported_count, arrow.skipped_count) == (N - 1, 1)
    assert arrow.errors == [{"feature": 5, "layer": "things",
                             "message": "No geometry: skipped."}]
    by_arrow = _features(arrow)

    columnar_batches.clear()
    _legacy(monkeypatch)
    legacy = _import(path)
    assert legacy.status == "succeeded", legacy.message
    assert columnar_batches == []
    by_values = _features(legacy)
    assert [(n, g.wkb, p, r) for n, g, p, r in by_arrow] == \
        [(n, g.wkb, p, r) for n, g, p, r in by_values]
    # And what they hold is what was written.
    props = {n: p for n, _g, p, _r in by_arrow}
    assert props[1] == {"big": -11 * 123_456_789_012, "small": 0, "real": 7,
                        "single": 0, "text": "plain", "flag": True}
    # Feature k holds value k - 1 of each column; masks and NaN make nulls.
    assert props[2]["big"] is None and props[2]["text"] == 'quote " and \\ backslash'
    assert props[2]["flag"] is False and props[3]["flag"] is None
    # GDAL writes text up to a NUL.
    assert props[3]["text"] == "new\nline\ttab" and props[4]["text"] == "nul"
    assert props[4]["real"] is None and props[17]["real"] == 1.5e-07
    assert props[6]["text"] == "accents: àéïõü · ĳ €" and props[9]["text"] == "emoji 🌳"
    assert [props[k]["real"] for k in (7, 8, 9)] == [None, None, None]  # NaN, ±Infinity
    assert props[8]["text"] is None and props[10]["real"] == 123456789.125
    assert props[11]["single"] == float(np.float32(10 / 3))


def test_a_layer_that_needs_its_invalid_polygons_repaired_agrees_too(
        tmp_path, settings, monkeypatch, columnar_batches):
    """A batch PostgreSQL refuses in bulk (a bowtie) goes the long way from the arrays."""
    settings.GISDATA_IMPORT_BATCH = 4

    def square(x, bowtie=False):
        ring = [(x, 41), (x + .1, 41.1), (x + .1, 41), (x, 41.1), (x, 41)] if bowtie else \
            [(x, 41), (x + .1, 41), (x + .1, 41.1), (x, 41.1), (x, 41)]
        return struct.pack("<BIII", 1, 3, 1, 5) + b"".join(struct.pack("<dd", *p)
                                                           for p in ring)

    path = tmp_path / "parcels.gpkg"
    _write(path, [square(2 + i / 10, bowtie=i == 6) for i in range(10)], "Polygon")
    arrow = _import(path)
    assert arrow.status == "succeeded", arrow.message
    assert columnar_batches
    assert (arrow.imported_count, arrow.repaired_count) == (10, 1)
    by_arrow = _features(arrow)
    _legacy(monkeypatch)
    legacy = _import(path)
    assert [(n, g.wkb, p, r) for n, g, p, r in by_arrow] == \
        [(n, g.wkb, p, r) for n, g, p, r in _features(legacy)]
    assert [n for n, _g, _p, repaired in by_arrow if repaired] == [7]


def test_a_geojson_with_z_coordinates_is_read_flat():
    """The Arrow stream cannot drop Z: such a layer is read by pyogrio.raw.read."""
    content = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"i": i},
         "geometry": {"type": "Point", "coordinates": [2 + i / 10, 41, 120.5]}}
        for i in range(3)]}).encode()
    dataset = services.dataset_create(name="z", source_file=ContentFile(content,
                                                                        name="z.geojson"))
    run = services.import_start(dataset=dataset)
    services.import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "succeeded", run.message
    assert run.imported_count == 3
    assert all(not f.geometry.hasz for f in Feature.objects.filter(layer__dataset=dataset))


# --- the parts ------------------------------------------------------------------------

def test_concat_lays_each_rows_segments_end_to_end():
    data = np.frombuffer(b"abcdefgh", np.uint8)
    first = columnar.Segment(data, np.array([0, 3, 7]), np.array([3, 0, 1]))
    second = columnar.constant(b"|", 3)
    out, ends = columnar.concat([first, second, first])
    assert out.tobytes() == b"abc|abc" + b"|" + b"h|h"
    assert ends.tolist() == [7, 8, 11]


def test_pieces_are_bounded_by_rows_and_bytes_but_hold_one_row_at_least():
    weights = np.array([10, 10, 50, 1, 1, 1, 1])
    assert columnar.pieces(weights, 3, 25) == [slice(0, 2), slice(2, 3), slice(3, 6),
                                               slice(6, 7)]
    assert columnar.pieces(np.array([], np.int64), 3, 25) == []


def _text_array(values):
    encoded = [(v or "").encode() for v in values]
    sizes = np.array([len(e) for e in encoded])
    return Array("text", len(values),
                 None if None not in values else np.array([v is not None for v in values]),
                 offsets=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
                 data=np.frombuffer(b"".join(encoded), np.uint8))


def test_strings_are_json_as_the_value_by_value_encoding_writes_them():
    array = _text_array(TEXTS)
    rows = np.arange(len(TEXTS))
    segment = columnar.properties([("t", array)], rows)
    out, ends = columnar.concat(segment)
    documents = [bytes(out[a:b]) for a, b in zip([0, *ends[:-1]], ends, strict=True)]
    expected = jsonb.properties([reader.Column(
        "t", "text", [None if v is None else v.replace("\x00", "") for v in TEXTS])],
        len(TEXTS))
    assert documents == expected


def test_bytes_are_hex_between_quotes_and_booleans_json():
    blobs = [b"\x00\xff", b"", b"ab"]
    array = Array("bytes", 3, np.array([True, True, False]),
                  offsets=np.array([0, 2, 2, 4]), data=np.frombuffer(b"".join(blobs), np.uint8))
    flags = Array("bool", 3, np.array([True, False, True]), values=np.array([True, True, False]))
    out, ends = columnar.concat(columnar.properties([("b", array), ("f", flags)],
                                                    np.arange(3)))
    assert [bytes(out[a:b]) for a, b in zip([0, *ends[:-1]], ends, strict=True)] == \
        jsonb.properties([reader.Column("b", "bytes", [b"\x00\xff", b"", None]),
                         reader.Column("f", "bool", [True, None, False])], 3)


def test_numbers_are_json_as_the_value_by_value_encoding_writes_them():
    floats = np.array(FLOATS)
    ints = np.array([0, -1, 2**63 - 1, -(2**63), 42], np.int64)
    for kind, values, legacy in (("float", floats, "float"), ("int", ints, "int")):
        array = Array(kind, len(values), None, values=values)
        out, ends = columnar.concat(columnar.properties([("v", array)],
                                                        np.arange(len(values))))
        documents = [bytes(out[a:b]) for a, b in zip([0, *ends[:-1]], ends, strict=True)]
        assert documents == jsonb.properties([reader.Column("v", legacy, values.tolist())],
                                            len(values))


# --- a layer indexed while the next one loads (background.Indexing) ---------------------

def _two_layers(path, first_x: float):
    for name, x in (("first", first_x), ("second", 2.5)):
        geometries = [struct.pack("<BIdd", 1, 1, x + i / 100, 41.4) for i in range(30)]
        pyogrio.raw.write(str(path), np.array(geometries, dtype=object),
                          [np.arange(30, dtype=np.int64)], ["i"], layer=name, driver="GPKG",
                          geometry_type="Point", crs="EPSG:4326", append=name == "second")


@pytest.mark.django_db(transaction=True)
def test_layers_indexed_in_a_thread_while_the_next_loads_are_swapped_in_whole(
        tmp_path, monkeypatch):
    from django.db import connection

    from gisdata.imports import partitions

    threads = []
    real = partitions.index

    def spy(table, **kwargs):
        import threading

        threads.append(threading.current_thread().name)
        return real(table, **kwargs)

    monkeypatch.setattr(partitions, "index", spy)
    path = tmp_path / "two.gpkg"
    _two_layers(path, 2.0)
    run = _import(path)
    assert run.status == "succeeded", run.message
    assert run.imported_count == 60
    assert all(name.startswith("import-index") for name in threads) and len(threads) == 2
    # This run's partitions only: other tests' imports may have left theirs.
    mine = [partitions.name(pk) for pk in run.dataset.layers.values_list("pk", flat=True)]
    assert len(mine) == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname, count(*) FILTER (WHERE am.amname = 'gist'), "
                       "bool_or(x.indisprimary) FROM pg_inherits i "
                       "JOIN pg_class c ON c.oid = i.inhrelid "
                       "JOIN pg_index x ON x.indrelid = c.oid "
                       "JOIN pg_class ic ON ic.oid = x.indexrelid "
                       "JOIN pg_am am ON am.oid = ic.relam "
                       "WHERE i.inhparent = 'gisdata_feature'::regclass "
                       "AND c.relname = ANY(%s) GROUP BY c.relname", [mine])
        assert sorted(r[1:] for r in cursor.fetchall()) == [(1, True), (1, True)]


@pytest.mark.django_db(transaction=True)
def test_a_layer_whose_check_fails_in_the_thread_fails_the_run_and_changes_nothing(
        tmp_path):
    """The first layer's coordinates are metres said to be degrees: its check, in the
    index's thread, finds nothing to place while the second layer loads."""
    from gisdata.models import Layer

    path = tmp_path / "two.gpkg"
    _two_layers(path, 431000.0)
    run = _import(path)
    assert run.status == "failed"
    assert "0 of 30 features of the layer first could be placed" in run.message
    assert not Layer.objects.filter(dataset=run.dataset).exists()
    assert not Feature.objects.exists()
