"""The report files, streamed only to whoever may read them.

The files are in the private storage, which has no URL: a published report's files go
to anyone who may open its project; any other report's only to planners. A visitor who
is not signed in (or whose session expired) is sent to log in; a signed-in user who may
not read the report gets 404, so that its existence is not told either.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from core import geojson
from proposals.models import Project
from reports.models import FILE_KINDS, DecisionReport, ReportStatus
from reports.selectors import can_see_all

CONTENT_TYPES = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8",
                 "geojson": geojson.MEDIA_TYPE}


def _may_read(user, report: DecisionReport) -> bool:
    if can_see_all(user):
        return True
    return report.is_published and Project.objects.visible_to(user).filter(
        pk=report.project_id).exists()


def report_file(request, pk: int, kind: str):
    if kind not in FILE_KINDS:
        raise Http404
    report = get_object_or_404(DecisionReport.objects.select_related("project"), pk=pk,
                               status=ReportStatus.SUCCEEDED)
    if not _may_read(request.user, report):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404
    stored = report.file(kind)
    filename = f"{report.project.slug}-report-{report.pk}.{kind}"
    response = FileResponse(stored.open("rb"), as_attachment=True,
                            filename=filename, content_type=CONTENT_TYPES[kind])
    response["Cache-Control"] = "private, no-store"
    return response
