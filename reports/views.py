"""The report files (and a budget vote's pabulib files), streamed only to whoever may
read them.

The files are in the private storage, which has no URL: a published report's files go
to anyone who may open its project; any other report's only to planners. A visitor who
is not signed in (or whose session expired) is sent to log in; a signed-in user who may
not read the report gets 404, so that its existence is not told either.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404

from core import geojson
from proposals.models import Project
from reports.models import FILE_KINDS, DecisionReport, ReportStatus
from reports.selectors import can_see_all

CONTENT_TYPES = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8",
                 "geojson": geojson.MEDIA_TYPE}
# pabulib files are plain text in sections (META, PROJECTS, VOTES) of semicolon rows.
PABULIB_TYPE = "text/plain; charset=utf-8"


def _may_read(user, report: DecisionReport) -> bool:
    if can_see_all(user):
        return True
    return report.is_published and Project.objects.visible_to(user).filter(
        pk=report.project_id).exists()


def _readable(request, pk: int) -> DecisionReport | HttpResponse:
    """The report, if the user may read it; else where to go instead (log in) or 404."""
    report = get_object_or_404(DecisionReport.objects.select_related("project"), pk=pk,
                               status=ReportStatus.SUCCEEDED)
    if not _may_read(request.user, report):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404
    return report


def _download(opened, filename: str, content_type: str) -> FileResponse:
    response = FileResponse(opened, as_attachment=True, filename=filename,
                            content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


def report_file(request, pk: int, kind: str):
    if kind not in FILE_KINDS:
        raise Http404
    report = _readable(request, pk)
    if isinstance(report, HttpResponse):
        return report
    return _download(report.file(kind).open("rb"),
                     f"{report.project.slug}-report-{report.pk}.{kind}", CONTENT_TYPES[kind])


def report_pabulib(request, pk: int, budget_id: int):
    """One budget's pabulib file, as it was when the report was compiled (the open
    data's `.pb` is the live one); read as the report's other files are."""
    report = _readable(request, pk)
    if isinstance(report, HttpResponse):
        return report
    opened = report.pabulib_file(budget_id)
    if opened is None:
        raise Http404
    return _download(opened, f"{report.project.slug}-report-{report.pk}-budget-{budget_id}.pb",
                     PABULIB_TYPE)
