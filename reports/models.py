"""Decision reports: what the council reads when a vote closes, one row per version.

A `DecisionReport` is asked for by a planner and compiled by a worker: the worker fills
in its progress as it goes, reads every number from one database snapshot, and stores
three files (PDF, CSV of the ranking, GeoJSON of the proposals; for a budget vote, also
a pabulib file per budget) with the time of that
snapshot, the weights it used and a checksum of the data. Reports are never rewritten:
compiling again makes a new version, so what the council was given stays as it was.

The files live in the `private` storage (no public URL); `reports.views.report_file`
streams them after checking who asks.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import pgettext_lazy

from accounts.storage import private_storage
from core.tenancy import scoped_manager
from gisdata.models import Layer
from proposals.models import Project


class ReportStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("report status", "Queued")
    RUNNING = "running", pgettext_lazy("report status", "Running")
    SUCCEEDED = "succeeded", pgettext_lazy("report status", "Succeeded")
    FAILED = "failed", pgettext_lazy("report status", "Failed")


FINISHED = (ReportStatus.SUCCEEDED, ReportStatus.FAILED)
FILE_KINDS = ("pdf", "csv", "geojson")


class DecisionReportQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True, status=ReportStatus.SUCCEEDED)


def _file(help_text: str):
    return models.FileField(storage=private_storage, max_length=300, blank=True,
                            editable=False, help_text=help_text)


class DecisionReport(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    # SET_NULL: a report keeps its files and numbers when the layer is deleted later.
    district_layer = models.ForeignKey(
        Layer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="Polygons to count participation in (e.g. the city's districts).")
    status = models.CharField(max_length=10, choices=ReportStatus.choices,
                              default=ReportStatus.QUEUED)
    attempt = models.PositiveSmallIntegerField(
        default=0, help_text="Deliveries of the task so far: a worker that died is retried.")
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True, help_text="Why it failed, for the planner.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    snapshot_at = models.DateTimeField(
        null=True, blank=True, help_text="The moment of the data every number comes from.")
    weights = models.JSONField(default=list, blank=True,
                               help_text="The role weights used: [{role, name, weight}, …].")
    checksum = models.CharField(max_length=64, blank=True,
                                help_text="SHA-256 of the data the report was built from.")
    summary = models.JSONField(default=dict, blank=True,
                               help_text="Headline numbers: participants, proposals, votes…")
    voting_open_until = models.DateTimeField(
        null=True, blank=True, help_text="When voting was to close, if it was still open at "
        "the snapshot: the report is provisional.")
    pdf = _file("The report for the council.")
    csv = _file("The ranking, one row per proposal.")
    geojson = _file("The proposals with their results.")
    # A budget vote's pabulib files, one per budget: [{"budget": id, "district": name or
    # null, "file": name in the private storage, "sha256": of the file}, …]. Not
    # FileFields: a project has as many budgets as it has districts.
    pabulib = models.JSONField(default=list, blank=True, editable=False,
                               help_text="The budgets' pabulib (.pb) files.")
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager(DecisionReportQuerySet, path="project__municipality")

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("publish_decisionreport", "Can publish a project's final report")]
        constraints = [
            models.CheckConstraint(condition=Q(progress_done__lte=F("progress_total"))
                                   | Q(progress_total=0), name="reports_progress"),
            models.CheckConstraint(condition=~Q(status="failed") | ~Q(message=""),
                                   name="reports_failure_explained"),
            # A finished report has all its files and what they were built from.
            models.CheckConstraint(
                condition=~Q(status="succeeded") | (
                    ~Q(pdf="") & ~Q(csv="") & ~Q(geojson="") & Q(checksum__regex=r"^[0-9a-f]{64}$")
                    & Q(snapshot_at__isnull=False) & Q(finished_at__isnull=False)),
                name="reports_success_complete"),
            # ...and only a finished report may be published, one per project at most.
            models.CheckConstraint(condition=~Q(is_published=True) | Q(status="succeeded"),
                                   name="reports_published_succeeded"),
            models.UniqueConstraint(fields=["project"], condition=Q(is_published=True),
                                    name="reports_one_published_per_project"),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk} of {self.project} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        if self.status == ReportStatus.SUCCEEDED:
            return 100
        return int(self.progress_done * 100 / self.progress_total) if self.progress_total else 0

    def file(self, kind: str):
        if kind not in FILE_KINDS:
            raise ValueError(f"No such report file: {kind}")
        return getattr(self, kind)

    def pabulib_file(self, budget_id: int):
        """The stored pabulib file of one budget, or None."""
        for entry in self.pabulib:
            if entry["budget"] == budget_id:
                return private_storage().open(entry["file"], "rb")
        return None
