"""The dashboard's lists and pickers: its projects, and the layers of areas a project's
area or a breakdown by district may come from.

A project's overview (`dashboard/overview.py`, `dashboard/activity.py`) and the weights
preview (`dashboard/weights_preview.py`) have modules of their own. What a number
means (public proposals, open reports, the tally) is defined by the app that owns it;
these only ask."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from gisdata.models import GeometryType, Layer
from proposals.models import Project
from proposals.selectors import flags_open

AREA_TYPES = (GeometryType.POLYGON, GeometryType.MULTIPOLYGON, GeometryType.MIXED)


def area_layers() -> QuerySet[Layer]:
    """Layers of areas a project's area or a breakdown by district may come from. Their
    features are found by name (`gisdata.selectors.features_search`), so a layer of
    census sections by the thousand is as usable as the ten districts. Mixed layers are
    offered too: a city's boundaries file often holds a stray point or line."""
    return (Layer.objects.filter(geometry_type__in=AREA_TYPES, feature_count__gt=0)
            .select_related("dataset").order_by("title", "dataset__name", "pk"))


def district_layer_default() -> Layer | None:
    """The layer a planner marked as the districts, or none: never a layer picked by
    its title or its order, which would count participation in census sections or
    flood zones without anyone choosing so."""
    return area_layers().filter(is_districts=True).first()


def projects_for_dashboard() -> QuerySet[Project]:
    """Every project, newest first, with the proposals it received (all of them: the
    planners' work, not the public count) and its reports waiting for a moderator
    (`proposals.selectors.flags_open`, the moderation queue's rule)."""
    open_reports = (flags_open().filter(proposal__project=OuterRef("pk"))
                    .order_by().values("proposal__project")
                    .annotate(n=Count("pk")).values("n"))
    return (Project.objects.with_current_phase()
            .annotate(proposal_count=Count("proposals", distinct=True),
                      flag_count=Coalesce(Subquery(open_reports, output_field=IntegerField()),
                                          Value(0)))
            .order_by("-created_at"))
