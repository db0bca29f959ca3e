"""`python manage.py compile_report PROJECT [--district-layer L] [--wait]`: compile a
decision report through the workers (or in this process with --in-process) and print
the paths of its files."""

import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from accounts.storage import private_storage
from gisdata.models import Layer
from proposals.models import Project
from reports import services
from reports.models import FILE_KINDS, DecisionReport, ReportStatus


def _project(value: str) -> Project:
    lookup = Q(slug=value) | (Q(pk=int(value)) if value.isdigit() else Q(pk=None))
    project = Project.objects.filter(lookup).first()
    if project is None:
        raise CommandError(f"No project {value!r}: give its slug or its id.")
    return project


def _layer(value: str | None) -> Layer | None:
    if not value:
        return None
    lookup = Q(title__iexact=value) | Q(name__iexact=value)
    if value.isdigit():
        lookup |= Q(pk=int(value))
    layers = list(Layer.objects.filter(lookup)[:2])
    if len(layers) != 1:
        raise CommandError(f"{'No' if not layers else 'More than one'} layer {value!r}: "
                           "give its id, its title or its name.")
    return layers[0]


class Command(BaseCommand):
    help = "Compile a decision report of a project (PDF, CSV and GeoJSON)."

    def add_arguments(self, parser):
        parser.add_argument("project", help="the project's slug or id")
        parser.add_argument("--district-layer", help="a layer of polygons to count "
                            "participation in: its id, title or name")
        parser.add_argument("--wait", action="store_true",
                            help="wait for the worker and print the files' paths")
        parser.add_argument("--in-process", action="store_true",
                            help="compile here instead of in a worker (implies --wait)")
        parser.add_argument("--timeout", type=float, default=1800,
                            help="seconds to wait with --wait (default 1800)")

    def handle(self, *args, project, district_layer, wait, in_process, timeout, **options):
        target = _project(project)
        try:
            report = services.report_request(project=target, district_layer=_layer(
                district_layer), user=None, enqueue=not in_process)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(f"Report {report.pk} of {target.slug!r} queued.")
        if in_process:
            services.report_compile(report_id=report.pk)
        elif not wait:
            return
        report = self._wait(report.pk, timeout)
        if report.status != ReportStatus.SUCCEEDED:
            raise CommandError(f"Report {report.pk} failed: {report.message}")
        for kind in FILE_KINDS:
            stored = report.file(kind)
            try:
                self.stdout.write(stored.path)
            except NotImplementedError:  # a storage without local paths (S3, …)
                self.stdout.write(stored.name)
        for entry in report.pabulib:  # a budget vote's pabulib files, one per budget
            try:
                self.stdout.write(private_storage().path(entry["file"]))
            except NotImplementedError:
                self.stdout.write(entry["file"])

    def _wait(self, report_id: int, timeout: float) -> DecisionReport:
        deadline = time.monotonic() + timeout
        shown = -1
        while True:
            report = DecisionReport.objects.get(pk=report_id)
            if report.finished:
                return report
            if report.percent != shown:
                shown = report.percent
                self.stderr.write(f"{report.get_status_display()} — {shown} %")
            if time.monotonic() > deadline:
                raise CommandError(f"Report {report_id} is still {report.status} after "
                                   f"{timeout:.0f} s; it goes on in the worker.")
            time.sleep(0.5)
