"""Reads of energy communities, with who may see what in one place.

A community is seen by whoever may open its project (`Project.objects.visible_to`),
within the municipality being served (the models' scoped managers). Pledges and member
results are private: only their member and planners read them. What everyone reads is
the community's sums, and only when at least `MIN_PUBLIC_MEMBERS` members have active
pledges: the sums of one or two members would be their own figures.
"""

from __future__ import annotations

from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.db.models import Count, FloatField, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from energy.models import (
    Community,
    MemberResult,
    Pledge,
    PledgeStatus,
    RunStatus,
    Scope,
    SharingOption,
    SimulationRun,
)
from proposals.models import Project

MIN_PUBLIC_MEMBERS = 3
_ACTIVE = Q(pledges__status=PledgeStatus.ACTIVE)


def communities_visible(*, user) -> QuerySet[Community]:
    """The communities whose project `user` may open, with `active_members` and
    `pledged_kwp` (over active pledges) and their options, oldest first."""
    return (Community.objects.filter(project__in=Project.objects.visible_to(user))
            .select_related("project")
            .annotate(active_members=Count("pledges", filter=_ACTIVE),
                      pledged_kwp=Coalesce(Sum("pledges__pv_kwp", filter=_ACTIVE),
                                           Value(0.0), output_field=FloatField()))
            .prefetch_related(Prefetch("options", SharingOption.objects.select_related(
                "proposal").order_by("pk")))
            .order_by("project__created_at", "pk"))


def community_for(*, user, pk: int) -> Community:
    """The community `user` may see, or Community.DoesNotExist."""
    return communities_visible(user=user).get(pk=pk)


def pledges_active(community: Community) -> QuerySet[Pledge]:
    return Pledge.objects.filter(community=community, status=PledgeStatus.ACTIVE)


def pledge_of(*, community: Community, member) -> Pledge | None:
    """The member's pledge to the community, active or withdrawn; None if never made."""
    if not member.is_authenticated:
        return None
    return Pledge.objects.filter(community=community, member=member).first()


def totals_public(*, active_members: int, run: SimulationRun | None = None) -> bool:
    """Whether a community's sums may be published: enough members now and in the run
    they come from."""
    enough = active_members >= MIN_PUBLIC_MEMBERS
    return enough and (run is None or run.members >= MIN_PUBLIC_MEMBERS)


def run_latest(community: Community) -> SimulationRun | None:
    return SimulationRun.objects.filter(community=community).order_by("-created_at",
                                                                      "-pk").first()


def runs_latest(communities) -> dict[int, SimulationRun]:
    """The latest run of each of `communities`, by community id, in one query."""
    ids = [c.pk for c in communities]
    runs = (SimulationRun.objects.filter(community_id__in=ids)
            .order_by("community_id", "-created_at", "-pk").distinct("community_id")
            .defer("results"))
    return {run.community_id: run for run in runs}


def run_latest_done(community: Community) -> SimulationRun | None:
    return (SimulationRun.objects.filter(community=community, status=RunStatus.DONE)
            .order_by("-finished_at", "-pk").first())


def option_default(community: Community) -> SharingOption | None:
    """The option a reader sees first: the one the council chose, else the first."""
    if community.chosen_option_id is not None:
        return community.chosen_option
    return community.options.order_by("pk").first()


def member_results(*, user, community: Community, run: SimulationRun) -> dict | None:
    """The reader's own figures in `run` ({option id: {scale: totals}}), or None."""
    if not user.is_authenticated:
        return None
    row = MemberResult.objects.filter(run=run, pledge__community=community,
                                      pledge__member=user).first()
    return row.results if row else None


def community_centre(community: Community) -> GEOSGeometry:
    """Where the community's weather is taken: the anchor of a radius, else a point
    inside the project's area (its point on surface)."""
    if community.scope == Scope.RADIUS:
        return community.anchor
    return community.project.area.point_on_surface


_WITHIN_SQL = {
    Scope.DISTRICT: "SELECT ST_Covers(ST_GeomFromEWKB(%s), ST_PointOnSurface("
                    "ST_GeomFromEWKB(%s)))",
    Scope.RADIUS: "SELECT ST_DWithin(ST_GeomFromEWKB(%s)::geography, "
                  "ST_PointOnSurface(ST_GeomFromEWKB(%s))::geography, %s)",
}


def roof_in_community(community: Community, roof: GEOSGeometry) -> bool:
    """Whether a roof counts in the community: its point on surface (where a building
    counts, as a proposal does in a district) lies in the project's area, or within
    the radius of the anchor, measured on the spheroid."""
    if community.scope == Scope.RADIUS:
        params = [bytes(community.anchor.ewkb), bytes(roof.ewkb), community.radius_m]
    else:
        params = [bytes(community.project.area.ewkb), bytes(roof.ewkb)]
    with connection.cursor() as cursor:
        cursor.execute(_WITHIN_SQL[community.scope], params)
        return bool(cursor.fetchone()[0])


def community_of(project: Project) -> Community | None:
    """`project`'s energy community (for the decision report, which reads it in its own
    snapshot), with `active_members` and `pledged_kwp` as `communities_visible` gives
    them; None for a project that is not one."""
    return (Community.objects.filter(project=project).select_related("chosen_option")
            .annotate(active_members=Count("pledges", filter=_ACTIVE),
                      pledged_kwp=Coalesce(Sum("pledges__pv_kwp", filter=_ACTIVE),
                                           Value(0.0), output_field=FloatField()))
            .first())
