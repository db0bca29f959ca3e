"""Benchmark layers seeded as a planner's are: written to a GeoPackage, then imported by
Plaza's own import (`gisdata.imports.services`, in this process), so that each layer has
a partition of `gisdata_feature` of its own (`gisdata_feature_l<id>`) with its own
indexes and statistics, as in a deployment. Rows inserted straight into
`gisdata_feature` land in its default partition instead, shared by every such layer: the
plans would read an index of several layers that no deployment has.

A layer is reused when its dataset's published layer holds every point in its own
partition; a layer seeded the old way (rows in the default partition) is removed first.
"""

from __future__ import annotations

import struct
import tempfile
import time
from pathlib import Path
from unittest import mock

import numpy as np

from bench.common import fail, out


def _partitioned(layer) -> bool:
    from django.db import connection

    from gisdata.imports import partitions

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [partitions.name(layer.pk)])
        return cursor.fetchone()[0]


def layer_imported(*, name: str, layer_name: str, title: str, x: np.ndarray, y: np.ndarray,
                   columns: dict[str, np.ndarray], licence: str, attribution: str):
    """The published layer `layer_name` of the dataset called `name`, holding the points
    (x, y) in EPSG:4326 with `columns` as their properties, in that order."""
    from django.core.files import File
    from django.db import connection

    from gisdata import tasks
    from gisdata.imports import services
    from gisdata.models import Dataset, Feature, Layer

    count = len(x)
    for dataset in Dataset.objects.filter(name=name):
        layer = dataset.layers.filter(name=layer_name).first()
        if (layer is not None and layer.is_published and _partitioned(layer)
                and Feature.objects.filter(layer=layer).count() == count):
            out(f"seed: reused layer {layer.pk} with {count:,} features (imported)")
            return layer
        with connection.cursor() as cursor:  # seeded the old way, or incomplete
            cursor.execute("DELETE FROM gisdata_feature WHERE layer_id IN "
                           "(SELECT id FROM gisdata_layer WHERE dataset_id = %s)", [dataset.pk])
        dataset.delete()

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-seed-") as tmp:
        import pyogrio.raw

        path = Path(tmp) / f"{layer_name}.gpkg"
        geometries = np.array([struct.pack("<BIdd", 1, 1, a, b)
                               for a, b in zip(x.tolist(), y.tolist(), strict=True)],
                              dtype=object)
        pyogrio.raw.write(str(path), geometries, list(columns.values()), list(columns),
                          layer=layer_name, driver="GPKG", geometry_type="Point",
                          crs="EPSG:4326")
        written = time.perf_counter() - started
        with path.open("rb") as handle, mock.patch.object(tasks.import_run_execute_task,
                                                          "delay_on_commit"):
            run = services.dataset_import(user=None, name=name, licence=licence,
                                          attribution=attribution,
                                          source_file=File(handle, name=path.name))
        status = services.import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    if run.status != "succeeded":
        fail(f"seed: the import of {name!r} ended {status} ({run.status}): {run.message}")
    layer = run.dataset.layers.get(name=layer_name)
    Layer.objects.filter(pk=layer.pk).update(is_published=True, title=title)
    layer.refresh_from_db()
    out(f"seed: layer {layer.pk} ({count:,} points) written to a GeoPackage in "
        f"{written:.1f} s and imported in {time.perf_counter() - started - written:.1f} s "
        f"into its own partition")
    return layer
