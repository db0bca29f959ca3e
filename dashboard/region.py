"""A region's numbers: participation and outcomes in each of its municipalities, and
the projects replicated among them side by side.

Every number is the municipality's own, counted by the rule its dashboard uses
(`dashboard.overview.participation_totals`: proposals received and public, comments not
deleted, votes, people): a municipality's row is the totals of all its projects, a
project's column the totals of its overview. Per 1,000 inhabitants where the
municipality's population is known.

The callers read inside `tenancy.working_for(current, also=<the region's ids>)`: the
tenant managers then let the other municipalities' rows through, and each query here
still names its municipality or project explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils import timezone

from dashboard.overview import Totals, participation_totals
from municipalities.models import Municipality, Region
from municipalities.selectors import region_municipalities
from proposals.models import PUBLIC_Q, Project, Proposal, ProposalStatus

PER = 1000


def per_thousand(count: int, population: int | None) -> Decimal | None:
    """`count` per 1,000 inhabitants, to two decimals; None when the population is not
    known."""
    if not population:
        return None
    return (Decimal(count) * PER / population).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass
class MunicipalityNumbers:
    municipality: Municipality
    projects_public: int
    totals: Totals

    def per_thousand(self, count: int) -> Decimal | None:
        return per_thousand(count, self.municipality.population)

    @property
    def rates(self) -> dict[str, Decimal | None]:
        t = self.totals
        return {"participants": self.per_thousand(t.participants),
                "proposals": self.per_thousand(t.proposals.public),
                "comments": self.per_thousand(t.comments),
                "votes": self.per_thousand(t.votes)}


@dataclass
class ProjectNumbers:
    project: Project
    municipality: Municipality
    totals: Totals
    accepted: int
    implemented: int
    phase: str  # a PhaseKind value, or "before" / "after" / "none"


def region_numbers(region: Region) -> list[MunicipalityNumbers]:
    """One row per municipality of the region, in name order."""
    rows = []
    for municipality in region_municipalities(region).defer("area"):
        projects = Project.objects.filter(municipality=municipality)
        rows.append(MunicipalityNumbers(
            municipality=municipality,
            projects_public=projects.listed().count(),
            totals=participation_totals(projects)))
    return rows


def _phase(project: Project, now) -> str:
    phases = list(project.phases.all())
    if not phases:
        return "none"
    for phase in phases:
        if phase.starts_at <= now < phase.ends_at:
            return phase.kind
    if now < phases[0].starts_at:
        return "before"
    return "after" if now >= phases[-1].ends_at else "between"


def _project_numbers(project: Project, municipality: Municipality, now) -> ProjectNumbers:
    outcomes = Proposal.objects.filter(PUBLIC_Q, project=project).aggregate(
        accepted=Count("pk", filter=Q(status=ProposalStatus.ACCEPTED)),
        implemented=Count("pk", filter=Q(status=ProposalStatus.IMPLEMENTED)))
    return ProjectNumbers(project=project, municipality=municipality,
                          totals=participation_totals(Project.objects.filter(pk=project.pk)),
                          phase=_phase(project, now), **outcomes)


def replications(region: Region) -> list[list[ProjectNumbers]]:
    """Each project of the region with replicas in the region: the source first, then
    its replicas by municipality name."""
    by_id = {m.pk: m for m in region_municipalities(region).defer("area")}
    now = timezone.now()
    sources = (Project.objects.filter(municipality_id__in=by_id,
                                      replicas__municipality_id__in=by_id)
               .distinct().order_by("title", "pk"))
    groups = []
    for source in sources:
        replicas = sorted(
            Project.objects.filter(replicated_from=source, municipality_id__in=by_id),
            key=lambda p: (by_id[p.municipality_id].name, p.pk))
        groups.append([_project_numbers(p, by_id[p.municipality_id], now)
                       for p in [source, *replicas]])
    return groups
