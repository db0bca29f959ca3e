"""Replicating a project to another municipality of its region: its set-up travels,
its people do not.

What is copied: the text in every language, the moderation rule, the categories, the
phases (moved so that the first opens on the chosen day, each keeping its length and
the gaps between them, in days and hours of the site's time zone), the voting rules and
the weights per role, and the constraint rules of the layers that speak in the project.
What is not: proposals, comments, votes, participants, reports. The copy starts as a
draft over the whole target municipality, and remembers where it came from
(`Project.replicated_from`), which the region's dashboard compares.

Roles and layers belong to each municipality, so they are matched, never shared: a
weight goes to the target's role with the same slug; a rule goes to the target's
published layer of the same kind (its districts layer for a districts layer, else the
layer with the same source name). What finds no match is skipped and reported.

This module sits on the dashboard floor because it writes projects, voting rules and
constraints at once, in one transaction with one audit entry in each municipality.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from modeltranslation import settings as mt_settings

from accounts.models import StakeholderRole
from audit.models import AuditAction
from audit.services import audit_record
from core import tenancy
from dashboard.project_services import RESERVED_SLUGS
from gisdata.constraints import constraints_for
from gisdata.models import Constraint, Layer
from municipalities.models import Municipality
from proposals.models import Category, Phase, Project, Visibility
from voting.models import ProjectVoting, RoleWeight

SLUG_MAX = 80


@dataclass(frozen=True)
class ReplicationSkipped:
    """What the copy left behind because the target has nothing to match it with:
    role slugs, and constraint rules as "layer name: message"."""

    roles: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.roles or self.constraints)


@dataclass
class _Copy:
    roles_skipped: list[str] = field(default_factory=list)
    constraints_skipped: list[str] = field(default_factory=list)
    constraints_copied: int = 0


def _may(planner, perm: str, municipality: Municipality) -> bool:
    with tenancy.working_for(municipality):
        return bool(planner.is_authenticated and planner.has_perm(perm))


def replication_targets(*, planner, project: Project) -> QuerySet[Municipality]:
    """The other municipalities of the project's region where `planner` may add
    projects, by name."""
    region_id = Municipality.objects.filter(pk=project.municipality_id).values_list(
        "region_id", flat=True).first()
    if region_id is None:
        return Municipality.objects.none()
    candidates = (Municipality.objects.filter(region_id=region_id)
                  .exclude(pk=project.municipality_id).defer("area"))
    ids = [m.pk for m in candidates if _may(planner, "proposals.add_project", m)]
    return Municipality.objects.filter(pk__in=ids).defer("area").order_by("name")


def _check(planner, project: Project, to: Municipality) -> Municipality:
    source = Municipality.objects.get(pk=project.municipality_id)
    if not _may(planner, "proposals.view_project", source):
        raise PermissionDenied(_("Only the planners of this project's municipality can "
                                 "replicate it."))
    if not _may(planner, "proposals.add_project", to):
        raise PermissionDenied(_("You may not add projects in %(municipality)s.")
                               % {"municipality": to.name})
    if to.pk == source.pk:
        raise ValidationError({"to": _("Choose another municipality than the project's "
                                       "own.")})
    if source.region_id is None or source.region_id != to.region_id:
        raise ValidationError({"to": _("A project is replicated within its region only.")})
    if to.area is None:
        raise ValidationError({"to": _("%(municipality)s has no area yet: set the "
                                       "municipality's area first.")
                                     % {"municipality": to.name}})
    return source


def _slug_free(slug: str, to: Municipality) -> str:
    base = slugify(slug)[:SLUG_MAX].strip("-") or "project"
    taken = set(Project.objects.filter(municipality=to, slug__startswith=base[:SLUG_MAX - 4])
                .values_list("slug", flat=True)) | RESERVED_SLUGS
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        tail = f"-{n}"
        candidate = base[:SLUG_MAX - len(tail)].rstrip("-") + tail
    return candidate


def _texts(source, copy, names: tuple[str, ...]) -> None:
    """Every language's column of translated fields (title_en, title_ca…)."""
    for name in names:
        for code in mt_settings.AVAILABLE_LANGUAGES:
            column = f"{name}_{code}"
            setattr(copy, column, getattr(source, column))


def shifted(moment: datetime, days: int) -> datetime:
    """`moment` moved by whole calendar days in the site's time zone, keeping its time
    of day: a phase that closed at midnight still closes at midnight, across a change
    to or from summer time."""
    local = timezone.localtime(moment)
    naive = local.replace(tzinfo=None) + timedelta(days=days)
    return timezone.make_aware(naive, timezone.get_current_timezone())


def _phases(source: Project, copy: Project, starts_on: date) -> list[Phase]:
    phases = list(source.phases.order_by("starts_at"))
    if not phases:
        return []
    days = (starts_on - timezone.localtime(phases[0].starts_at).date()).days
    return Phase.objects.bulk_create([
        Phase(project=copy, kind=p.kind, starts_at=shifted(p.starts_at, days),
              ends_at=shifted(p.ends_at, days)) for p in phases])


def _voting(source: Project, copy: Project, to: Municipality, result: _Copy) -> None:
    rules = ProjectVoting.objects.filter(project=source).first()
    if rules is not None:
        ProjectVoting.objects.create(project=copy, unverified_weight=rules.unverified_weight,
                                     results_public=rules.results_public)
    weights = list(RoleWeight.objects.filter(project=source).select_related("role"))
    targets = {r.slug: r for r in StakeholderRole.objects.filter(
        municipality=to, slug__in=[w.role.slug for w in weights])}
    rows = []
    for weight in weights:
        role = targets.get(weight.role.slug)
        if role is None:
            result.roles_skipped.append(weight.role.slug)
            continue
        rows.append(RoleWeight(project=copy, role=role, weight=weight.weight))
    RoleWeight.objects.bulk_create(rows)


def layer_matching(layer: Layer, to: Municipality) -> Layer | None:
    """The target's published layer of the same kind: its districts for the districts,
    else the one with the same name in its source (the same file, imported there)."""
    published = Layer.objects.filter(municipality=to, is_published=True)
    if layer.is_districts:
        districts = published.filter(is_districts=True).first()
        if districts is not None:
            return districts
    same = published.filter(name=layer.name)
    return (same.filter(geometry_type=layer.geometry_type).order_by("pk").first()
            or same.order_by("pk").first())


def _constraints(source: Project, copy: Project, to: Municipality, result: _Copy) -> None:
    rules = (constraints_for(source.pk).filter(layer__municipality_id=source.municipality_id)
             .select_related("layer").order_by("layer__name", "pk"))
    for rule in rules:
        layer = layer_matching(rule.layer, to)
        if layer is None:
            result.constraints_skipped.append(f"{rule.layer.name}: {rule.message}")
            continue
        # A rule the target already applies to every project needs no copy.
        if Constraint.objects.filter(
                layer=layer, rule=rule.rule, distance_m=rule.distance_m,
                severity=rule.severity, message=rule.message, is_active=True,
                projects__isnull=True).exists():
            continue
        copied = Constraint(layer=layer, rule=rule.rule, distance_m=rule.distance_m,
                            severity=rule.severity, is_active=True)
        _texts(rule, copied, ("message",))
        copied.save()
        copied.projects.add(copy)
        result.constraints_copied += 1


def project_replicate(*, planner, project: Project, to: Municipality,
                      starts_on: date) -> Project:
    """Copy `project`'s set-up to a new draft project of `to`, its first phase opening on
    `starts_on`. The new project's `skipped` (a `ReplicationSkipped`) lists the weights
    and rules the target had no role or layer for."""
    source_municipality = _check(planner, project, to)
    with tenancy.working_for(to, also=(source_municipality.pk,)), transaction.atomic():
        copy = Project(municipality=to, slug=_slug_free(project.slug, to), area=to.area,
                       visibility=Visibility.DRAFT,
                       moderate_before_publishing=project.moderate_before_publishing,
                       replicated_from=project)
        _texts(project, copy, ("title", "description"))
        copy.save(force_insert=True)
        for category in project.categories.all():
            each = Category(project=copy, slug=category.slug, color=category.color,
                            position=category.position)
            _texts(category, each, ("name",))
            each.save()
        result = _Copy()
        # The weights before the phases: with a voting phase already open they would be
        # frozen (voting/migrations/0003), and a copy starts from the source's weights.
        _voting(project, copy, to, result)
        phases = _phases(project, copy, starts_on)
        _constraints(project, copy, to, result)
        copy.skipped = ReplicationSkipped(roles=tuple(result.roles_skipped),
                                          constraints=tuple(result.constraints_skipped))
        details = {"starts_on": starts_on.isoformat(), "phases": len(phases),
                   "categories": project.categories.count(),
                   "constraints": result.constraints_copied,
                   "skipped_roles": list(copy.skipped.roles),
                   "skipped_constraints": list(copy.skipped.constraints)}
        audit_record(actor=planner, action=AuditAction.PROJECT_REPLICATE, target=project,
                     project_id=project.pk,
                     details={"to": to.slug, "project": copy.pk, "slug": copy.slug})
        audit_record(actor=planner, action=AuditAction.PROJECT_REPLICATE, target=copy,
                     project_id=copy.pk,
                     details={"from": source_municipality.slug, "project": project.pk,
                              **details})
    return copy
