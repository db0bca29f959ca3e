"""`python manage.py import_dataset PATH_OR_URL …`: import a dataset through the workers."""

import sys
import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gisdata.imports import services
from gisdata.models import ImportRun, ImportStatus


def epsg(value: str) -> int:
    """argparse's type for --srs: the same rule as the dashboard's form."""
    try:
        return services.epsg_parse(value)
    except ValidationError as exc:
        raise ValueError(exc.messages[0]) from exc


WAIT_DEFAULT = 30 * 60.0


def positive_seconds(value: str) -> float:
    """argparse's type for --timeout: a wait that always ends."""
    seconds = float(value)
    if not 0 < seconds < float("inf"):
        raise ValueError(value)
    return seconds


def last_seen(run: ImportRun) -> str:
    """What a planner or operator needs to judge a run that has not ended."""
    beat = (f"last sign of life {run.heartbeat_at:%Y-%m-%d %H:%M:%S %Z} "
            f"({(timezone.now() - run.heartbeat_at).total_seconds():.0f} s ago)"
            if run.heartbeat_at else "no sign of life from a worker yet")
    return (f"{run.status}, {run.progress_done}/{run.progress_total} features staged, "
            f"attempt {run.attempt}, {beat}")


class Command(BaseCommand):
    help = "Import a GIS dataset (file or http(s) URL) through the Celery workers."

    def add_arguments(self, parser):
        parser.add_argument("source", help="a file path or an http(s) URL")
        parser.add_argument("--name", help="the dataset's name (default: the file's name)")
        parser.add_argument("--layer", action="append", default=[],
                            help="a source layer to import (repeat; default: all)")
        parser.add_argument("--srs", type=epsg, help="EPSG code of the coordinates, "
                            "when the file does not say (e.g. EPSG:25831)")
        parser.add_argument("--encoding", default="", help="attribute encoding (default "
                            "UTF-8, or the .cpg's)")
        parser.add_argument("--x-field", help="CSV: the longitude/x column")
        parser.add_argument("--y-field", help="CSV: the latitude/y column")
        parser.add_argument("--wkt-field", help="CSV: the WKT geometry column")
        parser.add_argument("--licence", default="")
        parser.add_argument("--attribution", default="")
        parser.add_argument("--wait", action="store_true",
                            help="wait for the import to end and print the outcome; exit "
                            "non-zero if it failed or did not end within --timeout")
        parser.add_argument("--timeout", type=positive_seconds, default=WAIT_DEFAULT,
                            help="seconds --wait waits at most before it gives up, saying "
                            "what it last saw; the import itself goes on (default "
                            f"{WAIT_DEFAULT:.0f}, 30 minutes)")

    def handle(self, *args, source, name, layer, srs, encoding, x_field, y_field, wkt_field,
               licence, attribution, wait, timeout, **options):
        options_ = {k: v for k, v in (("x_field", x_field), ("y_field", y_field),
                                      ("wkt_field", wkt_field)) if v}
        is_url = source.lower().startswith(("http://", "https://"))
        if not is_url and not Path(source).is_file():
            raise CommandError(f"No such file: {source}")
        given = {"layers": layer, "source_srid": srs, "encoding": encoding,
                 "options": options_, "licence": licence, "attribution": attribution}
        try:
            if is_url:
                run = services.dataset_import(
                    user=None, name=name or source.rsplit("/", 1)[-1] or source,
                    source_url=source, **given)
            else:
                with open(source, "rb") as handle:
                    run = services.dataset_import(
                        user=None, name=name or Path(source).stem,
                        source_file=File(handle, name=Path(source).name), **given)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"Import {run.pk} of dataset {run.dataset.slug!r} queued.")
        if wait:
            self._wait(run.pk, timeout)

    def _wait(self, run_id: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        shown = -1
        while True:
            run = ImportRun.objects.filter(pk=run_id).first()
            if run is None:
                raise CommandError(f"Import {run_id} is gone: its dataset was deleted.")
            if run.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED):
                break
            if time.monotonic() >= deadline:
                raise CommandError(f"Import {run_id} did not end within {timeout:.0f} s; "
                                   f"last seen {last_seen(run)}. The import goes on: "
                                   "follow it in the dashboard (is a worker running?).")
            if run.percent != shown and sys.stdout.isatty():
                self.stdout.write(f"  {run.status}: {run.percent} %")
                shown = run.percent
            time.sleep(0.5)
        if run.status == ImportStatus.FAILED:
            raise CommandError(f"Import {run_id} failed: {run.message}")
        self.stdout.write(
            f"Import {run_id} succeeded: {run.read_count} read, {run.imported_count} "
            f"imported, {run.repaired_count} repaired, {run.skipped_count} skipped.")
        for layer in run.dataset.layers.all():
            self.stdout.write(f"  layer {layer.name}: {layer.feature_count} "
                              f"{layer.geometry_type} features (version {layer.version})")
