"""The pipeline's geometry and attribute handling, and the per-layer partitions.

Files are written at test time; the pipeline runs in the test process
(`import_run_execute`, what the worker calls).
"""

import json
import threading
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import connection, connections

from gisdata.imports import services
from gisdata.models import Dataset, Feature, ImportRun, ImportStatus, Layer
from tests.gisdata.test_inspect import (
    districtes_part,
    latin1_dbf,
    make_zip,
    shapefile_members,
)

SQUARE = [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]
BOWTIE = [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]   # self-intersecting: two triangles
DEGENERATE = [[[2, 2], [2, 2], [2, 2], [2, 2]]]      # repairs to a point: no area left


def geojson(features: list[tuple[dict | None, dict]]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": g, "properties": p} for g, p in features]}).encode()


def polygon(rings):
    return {"type": "Polygon", "coordinates": rings}


def run_import(content: bytes, name="layer.geojson", dataset_name="Test") -> ImportRun:
    dataset = services.dataset_create(name=dataset_name,
                                      source_file=ContentFile(content, name=name))
    run = services.import_start(dataset=dataset)
    services.import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


@pytest.fixture
def unpublished(monkeypatch):
    """Runs are executed here, by the test: in tests that commit, the session's real
    worker (if another test started it) must not take them as well."""
    from gisdata import tasks

    monkeypatch.setattr(tasks.import_run_execute_task, "delay_on_commit",
                        lambda *args, **kwargs: None)


def partitions_of_features() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c "
                       "ON c.oid = i.inhrelid WHERE i.inhparent = 'gisdata_feature'::regclass")
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.django_db
@pytest.mark.quality("self-intersection", "broken-geometries")
def test_invalid_geometries_are_repaired_and_counted_empty_ones_skipped_and_listed():
    run = run_import(geojson([
        (polygon(SQUARE), {"name": "square"}),
        (polygon(BOWTIE), {"name": "bowtie"}),
        (None, {"name": "no geometry"}),
        (polygon([]), {"name": "empty"}),
        (polygon(DEGENERATE), {"name": "degenerate"}),
    ]))
    assert run.status == "succeeded", run.message
    assert (run.read_count, run.imported_count, run.repaired_count, run.skipped_count) == (
        5, 2, 1, 3)
    assert [(e["feature"], e["message"]) for e in run.errors] == [
        (3, "No geometry: skipped."),
        (4, "Empty geometry: skipped."),
        (5, "Invalid (Too few points in geometry component[2 2]), and nothing was left "
            "once repaired: skipped."),
    ]
    layer = Layer.objects.get(dataset=run.dataset)
    # The repaired bowtie is two triangles: the layer of polygons became multipolygons.
    assert (layer.geometry_type, layer.feature_count) == ("MultiPolygon", 2)
    features = list(Feature.objects.filter(layer=layer).order_by("id"))
    assert [(f.number, f.repaired, f.properties["name"]) for f in features] == [
        (1, False, "square"), (2, True, "bowtie")]
    assert all(f.geometry.valid and f.geometry.geom_type == "MultiPolygon" for f in features)
    assert features[1].geometry.area == pytest.approx(0.5)


@pytest.mark.django_db
@pytest.mark.quality("awkward-text")
def test_attributes_keep_their_types_with_nulls_lists_dates_and_accents():
    run = run_import(geojson([
        ({"type": "Point", "coordinates": [2.17, 41.38]},
         {"count": 7, "open": True, "name": "Plaça de Sant Martí", "height": 1.5,
          "tags": [1, 2], "since": "2020-01-02", "big": 9007199254740993}),
        ({"type": "Point", "coordinates": [2.18, 41.39]},
         {"count": None, "open": None, "name": None, "height": None, "tags": None,
          "since": None, "big": -1}),
    ]))
    assert run.status == "succeeded", run.message
    first, second = (f.properties for f in Feature.objects.order_by("number"))
    # Integer and boolean columns with nulls come from GDAL as floats: still 7 and true.
    assert first == {"count": 7, "open": True, "name": "Plaça de Sant Martí", "height": 1.5,
                     "tags": [1, 2], "since": "2020-01-02", "big": 9007199254740993}
    assert second == {"count": None, "open": None, "name": None, "height": None,
                      "tags": None, "since": None, "big": -1}


@pytest.mark.django_db
def test_a_csv_row_keeps_every_other_column_as_text(tmp_path):
    content = "id;nom;longitud;latitud\n1;Sagrada Família;2,1744;41,4036\n2;;2,17;41,38\n"
    run = run_import(content.encode(), name="llocs.csv")
    assert run.status == "failed" and "EPSG" in run.message  # a CSV never says its CRS
    run.dataset.source_srid = 4326
    run.dataset.save()
    again = services.import_start(dataset=run.dataset)
    services.import_run_execute(run_id=again.pk)
    again.refresh_from_db()
    assert again.status == "succeeded", again.message
    assert (again.read_count, again.imported_count, again.skipped_count) == (2, 2, 0)
    assert [(f.number, f.properties) for f in Feature.objects.order_by("number")] == [
        (1, {"id": "1", "nom": "Sagrada Família"}), (2, {"id": "2", "nom": ""})]


@pytest.mark.django_db
def test_each_layer_gets_a_partition_that_reimports_replace_and_deletion_drops():
    content = geojson([({"type": "Point", "coordinates": [i, i]}, {"i": i}) for i in range(5)])
    earlier = partitions_of_features()  # other tests' layers, emptied, may leave theirs
    run = run_import(content)
    layer = Layer.objects.get(dataset=run.dataset)
    name = f"gisdata_feature_l{layer.pk}"
    assert name in partitions_of_features()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {name}")  # noqa: S608 (an integer id)
        assert cursor.fetchone()[0] == 5
    # The source changes (three features, other values): the re-import replaces the
    # layer's features in the same partition and bumps the versions.
    dataset = run.dataset
    dataset.source_file = ContentFile(geojson([
        ({"type": "Point", "coordinates": [i, -i]}, {"i": 10 * i}) for i in range(3)]),
        name="layer.geojson")
    dataset.save()
    again = services.import_start(dataset=dataset)
    services.import_run_execute(run_id=again.pk)
    again.refresh_from_db()
    assert again.status == "succeeded", again.message
    assert (again.read_count, again.imported_count, again.skipped_count) == (3, 3, 0)
    layer.refresh_from_db()
    dataset.refresh_from_db()
    assert (layer.feature_count, layer.version, dataset.version) == (3, 2, 2)
    assert [(f.properties, f.geometry.coords) for f in
            Feature.objects.filter(layer=layer).order_by("number")] == [
        ({"i": 0}, (0.0, 0.0)), ({"i": 10}, (1.0, -1.0)), ({"i": 20}, (2.0, -2.0))]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {name}")  # noqa: S608 (an integer id)
        assert cursor.fetchone()[0] == 3
    assert partitions_of_features() - earlier == {name}
    Dataset.objects.get(pk=run.dataset_id).delete()
    assert partitions_of_features() == earlier
    assert not Feature.objects.exists()


@pytest.mark.django_db
def test_features_made_by_hand_give_way_to_an_import_of_their_layer():
    from django.contrib.gis.geos import Point

    content = geojson([({"type": "Point", "coordinates": [1, 1]}, {"i": 1})])
    for name in ("Earlier", "Hand"):  # two uploads of one file name: neither is renamed
        dataset = services.dataset_create(name=name, source_file=ContentFile(
            content, name="layer.geojson"))
    assert Path(dataset.source_file.name).name == "layer.geojson"
    layer = Layer.objects.create(dataset=dataset, name="layer", title="Layer",
                                 geometry_type="Point")
    Feature.objects.create(layer=layer, geometry=Point(5, 5, srid=4326), properties={})
    run = services.import_start(dataset=dataset)
    services.import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "succeeded", run.message
    assert list(dataset.layers.values_list("name", flat=True)) == ["layer"]
    assert [f.properties for f in Feature.objects.filter(layer=layer)] == [{"i": 1}]


@pytest.mark.django_db(transaction=True)
def test_two_imports_swapping_at_once_both_succeed(unpublished):
    runs = []
    for n in range(2):
        content = geojson([({"type": "Point", "coordinates": [n, i / 10]}, {"i": i})
                           for i in range(300)])
        dataset = services.dataset_create(
            name=f"Parallel {n}", source_file=ContentFile(content, name=f"p{n}.geojson"))
        runs.append(services.import_start(dataset=dataset).pk)
    barrier = threading.Barrier(2)

    def execute(run_id):
        try:
            barrier.wait()
            services.import_run_execute(run_id=run_id)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=execute, args=(pk,)) for pk in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    states = list(ImportRun.objects.filter(pk__in=runs).values_list("status", "message"))
    assert states == [("succeeded", "")] * 2
    assert Feature.objects.count() == 600


@pytest.mark.django_db(transaction=True)
@pytest.mark.quality("connection-killed")
def test_a_swap_blocked_by_a_long_reader_fails_clearly_and_changes_nothing(monkeypatch,
                                                                             unpublished):
    import psycopg

    from gisdata.imports import partitions

    content = geojson([({"type": "Point", "coordinates": [i, i]}, {"i": i}) for i in range(3)])
    run = run_import(content)
    assert run.status == "succeeded", run.message
    before = sorted(Feature.objects.values_list("id", flat=True))
    monkeypatch.setattr(partitions, "LOCK_TIMEOUT", "300ms")
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    with psycopg.connect(**params) as reader:  # a long report, say, reading the features
        reader.execute("SELECT count(*) FROM gisdata_feature")
        again = services.import_start(dataset=run.dataset)
        services.import_run_execute(run_id=again.pk)
    again.refresh_from_db()
    assert again.status == "failed"
    assert "in use by other work" in again.message and "Nothing was changed" in again.message
    assert sorted(Feature.objects.values_list("id", flat=True)) == before
    assert Layer.objects.get(dataset=run.dataset).version == 1


@pytest.mark.django_db
@pytest.mark.quality("latin1-shapefile")
def test_shapefiles_of_one_zip_are_each_read_in_the_encoding_of_their_own_cpg(tmp_path):
    """A zip of two shapefiles, one Windows-1252 and one UTF-8, each with its .cpg: each
    is read in its own, as the inspection's note says, with no guess and no question."""
    members = shapefile_members("data/roads", ("shp", "shx", "prj")) | {
        "data/roads.dbf": latin1_dbf(districtes_part("dbf")), "data/roads.cpg": b"1252"}
    members |= shapefile_members("data/parks") | {"data/parks.cpg": b"UTF-8"}
    content = make_zip(tmp_path / "two.zip", members).read_bytes()
    run = run_import(content, name="two.zip")
    assert run.status == ImportStatus.SUCCEEDED, run.error
    for layer in Layer.objects.filter(dataset=run.dataset):
        names = set(Feature.objects.filter(layer=layer)
                    .values_list("properties__NOM", flat=True))
        assert "Sants-Montjuïc" in names, layer.name
    assert not [note for note in run.notes if "encod" in note["message"].lower()], run.notes
