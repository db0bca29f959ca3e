"""Writes and rules for open data: datasets and their imports.

`dataset_import` is how a planner's upload (the dashboard), an operator's command
(`manage.py import_dataset`) and the demo loader import a dataset: it registers the
dataset (`dataset_create`) and queues its run (`import_start`) in one transaction, so a
refused import leaves neither rows nor the stored file behind, and the task is published
only once both are committed; `import_retry` starts a failed run again the same way,
with the EPSG code the planner gives. `import_run_execute` is what the worker runs:
claim the run, inspect the source, load each layer (read in batches) into its new
partition, then swap all layers into place in one transaction (gisdata/imports/load.py
says why that makes imports all-or-nothing and idempotent).
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from psycopg.errors import LockNotAvailable

from gisdata.imports import background, load, partitions, placing, runs
from gisdata.imports.encodings import gdal_encoding
from gisdata.imports.reader import ReadError, SourceLayer, read_vector, source_layers
from gisdata.layer_services import label_property_guess
from gisdata.models import Dataset, ImportRun, ImportStatus, Layer


class ImportFailed(Exception):
    """The import cannot go on; the message tells the planner what to do."""


# Bytes read from the storage at a time when an upload is copied into the scratch folder.
COPY_CHUNK = 1024 * 1024
EPSG_CODE = re.compile(r"(?:EPSG:)?(\d{4,6})", flags=re.IGNORECASE)


def epsg_parse(value: str) -> int:
    """An EPSG code from `25831` or `EPSG:25831`. Only EPSG codes are accepted from users:
    a free-text CRS definition is parsed by GDAL, which may then open files or URLs."""
    match = EPSG_CODE.fullmatch((value or "").strip())
    if not match:
        raise ValidationError(_("Give an EPSG code: digits such as 25831, or EPSG:25831."),
                              code="epsg")
    code = int(match.group(1))
    # Checked against PostGIS's spatial_ref_sys, where the import reprojects from: an
    # unknown code (99999, 0000) would otherwise fail only in the worker, or place
    # nothing.
    if not load.srid_known(code):
        raise ValidationError(
            _("EPSG:%(code)s is not a coordinate reference system Plaza knows. Check the "
              "code (e.g. 25831 for ETRS89 / UTM zone 31N, 4326 for longitude and "
              "latitude).") % {"code": match.group(1)}, code="epsg_unknown")
    return code


def _require_importer(user) -> None:
    if user is not None and not user.has_perm("gisdata.import_dataset"):
        raise PermissionDenied(_("Only planners can import datasets."))


def dataset_create(*, name: str, user=None, source_file=None, source_url: str = "",
                   source_srid: int | None = None, encoding: str = "", options=None,
                   licence: str = "", attribution: str = "", description: str = "") -> Dataset:
    """Register a dataset from an uploaded file or a URL (one of them)."""
    _require_importer(user)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the dataset.")})
    if bool(source_file) == bool(source_url):
        raise ValidationError(_("Give a file or a URL, one of them."))
    if source_url and not source_url.lower().startswith(("http://", "https://")):
        raise ValidationError({"source_url": _("Only http and https URLs can be imported.")})
    if source_srid is not None and not load.srid_known(source_srid):
        raise ValidationError({"source_srid": _(
            "EPSG:%(code)s is not a coordinate reference system Plaza knows. Check the "
            "code (e.g. 25831 for ETRS89 / UTM zone 31N, 4326 for longitude and "
            "latitude).") % {"code": source_srid}})
    if encoding:
        try:  # one spelling that Python and GDAL both read: `latin-1` → ISO-8859-1
            encoding = gdal_encoding(encoding)
        except LookupError:
            raise ValidationError({"encoding": _(
                "Unknown encoding %(encoding)s: give one such as UTF-8, CP1252 or "
                "ISO-8859-1.") % {"encoding": repr(encoding)}}) from None
    base = slugify(name)[:80] or "dataset"
    slug, n = base, 1
    # Slugs are unique across the deployment (a layer shared with the region keeps its
    # name there), so every municipality's datasets are asked, not the served one's.
    while Dataset._base_manager.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return Dataset.objects.create(
        name=name, slug=slug, source_file=source_file or "", source_url=source_url,
        source_srid=source_srid, encoding=encoding, options=options or {},
        licence=licence, attribution=attribution, description=description, created_by=user)


def dataset_import(*, user, name: str, source_file=None, source_url: str = "", layers=(),
                   source_srid: int | None = None, encoding: str = "", options=None,
                   licence: str = "", attribution: str = "",
                   description: str = "") -> ImportRun:
    """Register a dataset from a file or a URL and queue its import, all or nothing.

    `user` is the planner (who needs `gisdata.import_dataset`, checked first, before
    anything is stored), or None for the platform itself (a management command, the demo
    loader). The run's task leaves after the transaction commits (`import_start`); if
    anything is refused, the dataset and its run are rolled back and the file already
    stored for it is deleted too.
    """
    dataset = None
    try:
        with transaction.atomic():
            dataset = dataset_create(
                name=name, user=user, source_file=source_file, source_url=source_url,
                source_srid=source_srid, encoding=encoding, options=options,
                licence=licence, attribution=attribution, description=description)
            return import_start(dataset=dataset, user=user, layers=layers)
    except Exception:
        # The rows are rolled back; the stored file is not part of the transaction.
        if dataset is not None and dataset.source_file:
            dataset.source_file.delete(save=False)
        raise


def import_start(*, dataset: Dataset, user=None, layers=()) -> ImportRun:
    """Queue an import of `dataset` (all its layers, or those named)."""
    _require_importer(user)
    from gisdata.tasks import import_run_execute_task

    run = ImportRun.objects.create(dataset=dataset, layers=list(layers), created_by=user)
    # After commit: the worker must find the run; if Redis is down the run stays queued
    # and `import_requeue_stale` publishes it again.
    import_run_execute_task.delay_on_commit(run.pk)
    return run


def import_retry(*, run: ImportRun, user, source_srid: int) -> ImportRun:
    """Import a failed run's dataset again, its coordinates now read as EPSG
    `source_srid`: the dataset's new code and the new run are saved together."""
    if user is not None and not user.has_perm("gisdata.change_dataset"):
        raise PermissionDenied(_("Only planners can import datasets."))
    with transaction.atomic():
        Dataset.objects.filter(pk=run.dataset_id).update(source_srid=source_srid)
        return import_start(dataset=run.dataset, user=user, layers=run.layers)


def import_run_execute(*, run_id: int, reference: str = "") -> str:
    """Do the import of one run (the worker calls this). Returns the run's status.

    Whatever goes wrong, the attempt ends with the run `failed` and a reason the planner
    can act on, its scratch folder and staging tables removed and the layers as they
    were; a worker that dies is noticed by the reaper (gisdata/imports/runs.py). `reference`
    (the task's id) is what the planner quotes to find the error in the worker's log.
    """
    runs.sweep()  # what killed attempts left on this host
    if not runs.hold(run_id):
        return runs.status(run_id)  # a live delivery works on it; this one leaves it
    try:
        attempt = runs.claim(run_id)
        if attempt is not None:
            _attempt(run_id, attempt, reference)
    finally:
        runs.release(run_id)  # after the final status: the reaper must never see a gap
    return runs.status(run_id)


def _attempt(run_id: int, attempt: int, reference: str) -> None:
    runs.leftovers_drop(run_id)  # what earlier, dead attempts of this run left
    try:
        with runs.scratch(run_id, attempt) as scratch:
            run = ImportRun.objects.select_related("dataset").get(pk=run_id)
            _execute(run, attempt, scratch)
    except (ImportFailed, ReadError) as exc:
        runs.fail(run_id, attempt, str(exc), getattr(exc, "errors", ()))
    except OperationalError as exc:
        if not isinstance(exc.__cause__, LockNotAvailable):
            runs.fail_unexpected(run_id, attempt, exc, reference)
        else:
            runs.fail(run_id, attempt, _(
                "The layers stayed in use by other work for too long to be replaced "
                "(waited %(wait)s). Nothing was changed; import again.") % {
                    "wait": partitions.LOCK_TIMEOUT})
    except Exception as exc:  # noqa: BLE001 - any error ends the run, logged with its traceback
        runs.fail_unexpected(run_id, attempt, exc, reference)
    finally:
        runs.leftovers_drop(run_id, attempt)


def _local_source(run: ImportRun, scratch: Path) -> tuple[Path, str]:
    """The source as a file on this host, where GDAL can open it, and its name."""
    dataset = run.dataset
    if dataset.source_file:
        name = Path(dataset.source_file.name).name
        return _stored_copy(dataset.source_file, scratch / "upload" / name), name
    from gisdata.imports.fetch import FetchError, fetch_url

    try:
        fetched = fetch_url(dataset.source_url, dest=scratch / "download",
                            allow_hosts=frozenset(settings.GISDATA_FETCH_ALLOW_HOSTS))
    except FetchError as exc:
        raise ImportFailed(str(exc)) from exc
    return fetched.path, fetched.filename


def _stored_copy(stored, dest: Path) -> Path:
    """Copy an upload from the storage into the attempt's scratch folder, a chunk at a
    time. The upload may have reached another host (STORAGES on S3): the worker never
    reads it by a local path, and on one host the copy costs a sequential read of at
    most the upload's size, for one code path that every test runs."""
    dest.parent.mkdir(mode=0o700)
    try:
        source = stored.open("rb")
    except FileNotFoundError as exc:
        raise ImportFailed(_("The uploaded file is gone from the storage; upload it "
                             "again.")) from exc
    with source, dest.open("wb") as out:
        shutil.copyfileobj(source, out, COPY_CHUNK)
    return dest


def _read(run: ImportRun, scratch: Path) -> list[SourceLayer]:
    from gisdata.imports.inspection.base import InspectError
    from gisdata.imports.inspection.source import inspect_source

    dataset = run.dataset
    path, name = _local_source(run, scratch)
    try:
        source = inspect_source(path, original_name=name)
    except InspectError as exc:
        raise ImportFailed(str(exc)) from exc
    encoding = dataset.encoding or source.encoding
    if source.kind == "csv":
        from gisdata.imports.csv_reader import read_csv

        return [read_csv(path, info=source.csv, options=dataset.options, encoding=encoding)]
    available = source.layers or source_layers(source.gdal_path)
    wanted = run.layers or available
    missing = sorted(set(wanted) - set(available))
    if missing:
        raise ImportFailed(_("The file has no layer %(value)s; it has %(value2)s.") % {
                               "value": ', '.join(missing),
                               "value2": ', '.join(available)})
    return [read_vector(source.gdal_path, layer=name, batch_size=settings.GISDATA_IMPORT_BATCH,
                        encoding=dataset.encoding or _layer_encoding(source, name))
            for name in wanted]


def _layer_encoding(source, layer: str) -> str | None:
    """The encoding a layer's own file declares: in a zip of several shapefiles each
    .cpg speaks for its own .dbf (the source's single encoding is None when they differ)."""
    for shapefile in source.shapefiles or ():
        if shapefile.name == layer:
            return shapefile.encoding
    return source.encoding


def _layers_crs(layers: list[SourceLayer]) -> list[dict]:
    """Give each layer the EPSG code its source describes (gisdata/imports/crs_identify.py), and
    return the notes saying how a CRS without a code was read. The planner's EPSG code,
    when given, wins over all of this and is how a wrong reading gets corrected."""
    from gisdata.imports.crs_identify import CrsUnknown, crs_identify

    notes = []
    for layer in layers:
        if layer.srid is not None:
            continue
        try:
            reading = crs_identify(layer.crs, layer=layer.name)
        except CrsUnknown as exc:
            raise ImportFailed(str(exc)) from exc
        if reading is None:
            raise ImportFailed(
                _("The layer %(name)s does not say which coordinate reference system its "
                  "coordinates are in. Give its EPSG code (e.g. 25831 for ETRS89 / UTM "
                  "zone 31N) and import again.") % {"name": layer.name})
        layer.srid = reading.srid
        if reading.note:
            notes.append({"layer": layer.name, "message": reading.note})
    return notes


def _execute(run: ImportRun, attempt: int, scratch: Path) -> None:
    clock = {"start": time.monotonic()}
    layers = _read(run, scratch)
    srid = run.dataset.source_srid
    notes = []
    if srid is None:
        notes += _layers_crs(layers)
    ImportRun.objects.filter(pk=run.pk).update(notes=notes)
    total = sum(layer.total for layer in layers)
    runs.progress(run.pk, attempt, progress_total=total, read_count=total)
    pending, done = [], 0
    # Each layer is indexed while the next one loads (background.Indexing).
    with background.Indexing() as indexing:
        for layer in layers:
            table = load.stage_name(run.pk, attempt) + f"_{len(pending)}"
            layer_id, fresh = _layer_id(run.dataset, layer.name)

            def progress(n, base=done):
                runs.progress(run.pk, attempt, progress_done=base + n)

            # The planner's EPSG code wins: it is how a wrong .prj gets corrected.
            rows = load.load(table, layer, layer_id=layer_id, srid=srid or layer.srid,
                             on_progress=progress, indexing=indexing)
            done += rows.read
            pending.append((layer, table, layer_id, fresh, rows))
        loaded = [(layer, table, layer_id, fresh, rows.built())
                  for layer, table, layer_id, fresh, rows in pending]
    done = sum(built.imported + len(built.skipped) for *_, built in loaded)
    # What was read, now counted (GDAL's count may be an estimate), and how: an
    # encoding the reader had to guess shows only once its text has been read.
    notes += [{"layer": layer.name, "message": note} for layer in layers
              for note in layer.notes]
    ImportRun.objects.filter(pk=run.pk).update(notes=notes)
    runs.progress(run.pk, attempt, progress_total=done, read_count=done)
    clock["load"] = time.monotonic() - clock["start"]
    _swap(run, attempt, loaded)
    clock["total"] = time.monotonic() - clock["start"]
    ImportRun.objects.filter(pk=run.pk).update(timings={k: round(v, 3) for k, v in
                                                        clock.items() if k != "start"})


def _layer_id(dataset: Dataset, name: str) -> tuple[int, bool]:
    """The id the layer's features are loaded under: its layer's, or a new one taken
    from the layers' sequence (True) for a layer the swap will create."""
    existing = Layer.objects.filter(dataset=dataset, name=name).values_list(
        "pk", flat=True).first()
    if existing is not None:
        return existing, False
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('gisdata_layer', 'id'))")
        return cursor.fetchone()[0], True


def _swap(run: ImportRun, attempt: int, loaded) -> None:
    """Put the loaded layers in place of the dataset's, all at once, if still ours."""
    with transaction.atomic():
        with connection.cursor() as cursor:  # as for loading (load._import_statements)
            cursor.execute("SELECT set_config('statement_timeout', %s, true)",
                           [f"{settings.GISDATA_IMPORT_STATEMENT_TIMEOUT}s"])
        partitions.swap_lock()
        dataset = Dataset.objects.select_for_update().get(pk=run.dataset_id)
        mine = ImportRun.objects.select_for_update().filter(
            pk=run.pk, attempt=attempt, status=ImportStatus.RUNNING).exists()
        if not mine:
            return  # a later delivery took the run over: it will do the swap
        imported = repaired = 0
        errors = []
        for layer, table, layer_id, fresh, built in loaded:
            _layer_replace(dataset, layer, table, layer_id=layer_id, fresh=fresh,
                           built=built)
            imported += built.imported
            repaired += built.repaired
            errors += [{**e, "layer": layer.name} for e in layer.errors + built.skipped]
        Dataset.objects.filter(pk=dataset.pk).update(version=F("version") + 1)
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportStatus.SUCCEEDED, imported_count=imported, repaired_count=repaired,
            skipped_count=len(errors), errors=placing.errors_json(errors),
            progress_done=F("progress_total"), finished_at=timezone.now())


def _layer_replace(dataset: Dataset, layer: SourceLayer, table: str, *, layer_id: int,
                   fresh: bool, built: background.Built) -> None:
    row = Layer.objects.filter(dataset=dataset, name=layer.name).first()
    created = row is None
    if created:
        # The id taken for it, unless it was a layer deleted while this run loaded: a
        # deleted layer's id is not given again (caches and links name layers by id).
        row = Layer.objects.create(dataset=dataset, name=layer.name, title=layer.name,
                                   geometry_type="Geometry",
                                   **({"pk": layer_id} if fresh else {}))
    if row.pk != layer_id:
        partitions.relabel(table, row.pk)
    partitions.attach(table, row.pk)
    extent = None
    if built.extent:
        # A single point, or a straight line along an axis, still gets an area.
        xmin, ymin, xmax, ymax = built.extent
        if xmax - xmin < 1e-7:
            xmin, xmax = xmin - 1e-7, xmax + 1e-7
        if ymax - ymin < 1e-7:
            ymin, ymax = ymin - 1e-7, ymax + 1e-7
        extent = Polygon.from_bbox((xmin, ymin, xmax, ymax))
        extent.srid = 4326
    # The planner's label property is kept over a re-import while the file still has it.
    label = row.label_property if row.label_property in {
        a.get("name") for a in layer.schema or [] if isinstance(a, dict)} else ""
    Layer.objects.filter(pk=row.pk).update(
        geometry_type=built.geometry_type, extent=extent,
        feature_count=built.imported, schema=layer.schema,
        label_property=label or label_property_guess(layer.schema),
        version=F("version") if created else F("version") + 1)
