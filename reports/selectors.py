"""Reads of decision reports, with who may see what applied in one place.

Planners (`reports.view_decisionreport`) see every version of a project's reports;
everyone else sees only the report the project published, in a project they may open.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from gisdata.models import Layer
from proposals.models import Project
from reports.models import DecisionReport, ReportStatus
from reports.services import POLYGONAL

VIEW_ALL = "reports.view_decisionreport"


def can_see_all(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(VIEW_ALL))


def reports_visible(*, user, project: Project | None = None) -> QuerySet[DecisionReport]:
    qs = DecisionReport.objects.select_related("project", "district_layer", "requested_by")
    if project is not None:
        qs = qs.filter(project=project)
    if can_see_all(user):
        return qs
    return qs.published().filter(project__in=Project.objects.visible_to(user))


def report_published(*, project: Project) -> DecisionReport | None:
    return DecisionReport.objects.published().filter(project=project).first()


def district_layers() -> QuerySet[Layer]:
    """Layers a planner may count participation in: those made of polygons."""
    return (Layer.objects.filter(geometry_type__in=POLYGONAL, feature_count__gt=0)
            .select_related("dataset").order_by("title"))


def report_oldest_queued_at() -> datetime | None:
    """When the oldest report still waiting for a worker was requested (/metrics)."""
    return (DecisionReport.objects.filter(status=ReportStatus.QUEUED)
            .order_by("created_at").values_list("created_at", flat=True).first())
