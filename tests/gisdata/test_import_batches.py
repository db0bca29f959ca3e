"""Layers read and loaded in batches (GISDATA_IMPORT_BATCH): a worker's memory follows the
batch, not the file, and nothing of the layer is lost, doubled or reordered on the way.

The batch is set to a few features here, so that small files written at test time span
many batches.
"""

import json
import struct

import numpy as np
import pyogrio
import pytest
from django.core.files.base import ContentFile

from gisdata.imports import runs, services
from gisdata.models import Feature, ImportRun, Layer
from tests.gisdata.test_broken_data import run_file

pytestmark = pytest.mark.django_db


def run_import(content: bytes, name: str) -> ImportRun:
    dataset = services.dataset_create(name=name, source_file=ContentFile(content, name=name))
    run = services.import_start(dataset=dataset)
    services.import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


@pytest.fixture
def progress(monkeypatch) -> list[int]:
    """Every progress_done the run reports, in order."""
    reported, real = [], runs.progress

    def recording(run_id, attempt, **fields):
        if "progress_done" in fields:
            reported.append(fields["progress_done"])
        return real(run_id, attempt, **fields)

    monkeypatch.setattr(runs, "progress", recording)
    return reported


@pytest.mark.quality("import-memory")
def test_a_layer_many_batches_long_arrives_whole_in_order_with_progress(
        settings, tmp_path, progress):
    settings.GISDATA_IMPORT_BATCH = 10
    n = 95
    path = tmp_path / "points.gpkg"
    xs, ys = np.linspace(2.05, 2.23, n), np.linspace(41.32, 41.47, n)
    wkb = np.array([struct.pack("<BIdd", 1, 1, x, y) for x, y in zip(xs, ys, strict=True)],
                   dtype=object)
    pyogrio.raw.write(str(path), wkb, [np.arange(1, n + 1, dtype="int64"),
                                       np.array([f"tree {i}" for i in range(1, n + 1)],
                                                dtype=object)],
                      ["ref", "name"], layer="points", driver="GPKG", geometry_type="Point",
                      crs="EPSG:4326")
    run = run_import(path.read_bytes(), "points.gpkg")
    assert run.status == "succeeded", run.message
    assert (run.read_count, run.imported_count, run.skipped_count) == (n, n, 0)
    rows = list(Feature.objects.order_by("id").values_list("number", "properties"))
    assert [number for number, _ in rows] == list(range(1, n + 1))
    assert all(props == {"ref": number, "name": f"tree {number}"} for number, props in rows)
    # One report a batch, each further on: the bar moves while the layer loads.
    assert progress == [*range(10, n, 10), n]


def polygon(x):
    return [[[x, 41], [x + 0.1, 41], [x + 0.1, 41.1], [x, 41.1], [x, 41]]]


@pytest.mark.quality("import-memory")
def test_batches_agree_on_promotion_repair_and_skipping(settings, progress):
    """A multipolygon after three batches of polygons makes the layer multi, from its
    first feature; an invalid polygon in a later batch is repaired and counted, an empty
    one listed, each where it stands in the source. (A GeoJSON is opened, and so parsed,
    once: its batches come one after another from that one reading.)"""
    settings.GISDATA_IMPORT_BATCH = 3
    features = [{"type": "Polygon", "coordinates": polygon(2 + i / 100)} for i in range(40)]
    features[33] = {"type": "MultiPolygon", "coordinates": [polygon(3), polygon(3.5)]}
    features[35] = {"type": "Polygon",  # a bowtie: repaired into two triangles
                    "coordinates": [[[2, 41], [2.1, 41.1], [2.1, 41], [2, 41.1], [2, 41]]]}
    features[37] = {"type": "Polygon", "coordinates": []}
    content = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": g, "properties": {"i": i + 1}}
        for i, g in enumerate(features)]}).encode()
    run = run_import(content, "parcels.geojson")
    assert run.status == "succeeded", run.message
    assert (run.imported_count, run.repaired_count, run.skipped_count) == (39, 1, 1)
    assert [e["feature"] for e in run.errors] == [38]
    assert Layer.objects.get().geometry_type == "MultiPolygon"
    kinds = {f.geometry.geom_type for f in Feature.objects.all()}
    assert kinds == {"MultiPolygon"}
    rows = list(Feature.objects.order_by("id").values_list("number", "properties__i",
                                                            "repaired"))
    assert [r[0] for r in rows] == [i for i in range(1, 41) if i != 38]
    assert all(number == i for number, i, _ in rows)
    assert [number for number, _, repaired in rows if repaired] == [36]
    assert progress == [*range(3, 40, 3), 40]


def test_a_geojson_is_opened_once_and_its_total_counted_from_its_text(settings,
                                                                     monkeypatch):
    """Opening a GeoJSON parses it whole: the stream opened for its schema reads its
    features too, and the progress bar's total is counted from its text, then corrected
    to what was read (a property whose value is "Feature" counts once too many)."""
    settings.GISDATA_IMPORT_BATCH = 4
    opened, reported = [], []

    def spy(name, real):
        def opening(*args, **kwargs):
            opened.append(name)
            return real(*args, **kwargs)
        return opening

    for module, name in ((pyogrio, "read_info"), (pyogrio.raw, "open_arrow"),
                         (pyogrio.raw, "read")):
        monkeypatch.setattr(module, name, spy(name, getattr(module, name)))
    real = runs.progress

    def recording(run_id, attempt, **fields):
        reported.append(fields)
        return real(run_id, attempt, **fields)

    monkeypatch.setattr(runs, "progress", recording)
    content = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2 + i / 100, 41]},
         "properties": {"i": i + 1, "kind": "Feature" if i == 5 else "tree"}}
        for i in range(10)]}).encode()
    run = run_import(content, "trees.geojson")
    assert run.status == "succeeded", run.message
    assert opened == ["open_arrow"]
    assert reported[0] == {"progress_total": 11, "read_count": 11}
    assert [f["progress_done"] for f in reported if "progress_done" in f] == [4, 8, 10]
    assert reported[-1] == {"progress_total": 10, "read_count": 10}
    assert run.imported_count == 10 and run.percent == 100


@pytest.mark.quality("import-memory")
def test_text_not_in_utf8_after_the_first_batch_reads_the_layer_again(settings):
    """The accents come in the second batch: the batch already loaded as UTF-8 is taken
    out and the layer read again, once, in the encoding guessed."""
    settings.GISDATA_IMPORT_BATCH = 2
    run = run_file("latin1_no_cpg.zip")
    assert run.status == "succeeded", run.message
    rows = list(Feature.objects.order_by("id").values_list("number", "properties__NOM"))
    assert [number for number, _ in rows] == list(range(1, 11))
    assert rows[2][1] == "Sants-Montjuïc" and rows[9][1] == "Sant Martí"
    assert any("Windows-1252" in note["message"] for note in run.notes)
