"""Reads of the dashboard's participatory budget pages: the areas a budget may be set
for, the proposals to assess with the budget each competes in, the totals per budget,
and the person a planner names as an assessor.

What a ballot may hold and who may assess are the voting app's rules
(`voting.budget_selectors`); these only gather what the pages show."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, QuerySet, Sum

from municipalities.models import Area, AreaLevel
from proposals.models import PUBLIC_Q, PUBLIC_STATUSES, Project, Proposal
from voting.budget_models import Assessment, Assessor, Budget, BudgetOutcome, Feasibility
from voting.budget_selectors import project_budgets


def budget_areas(project: Project) -> list[Area]:
    """The areas a planner may give a budget: the project's own area when it runs for
    one (and, for a district, its neighbourhoods), else the city's districts, each
    followed by its neighbourhoods; and any area that already has a budget, so that
    nothing set is hidden from the form."""
    areas = Area.objects.filter(municipality_id=project.municipality_id).defer("geometry")
    if project.scope_area_id:
        areas = areas.filter(Q(pk=project.scope_area_id) | Q(parent_id=project.scope_area_id))
    chosen = set(Budget.objects.filter(project=project, area__isnull=False)
                 .values_list("area_id", flat=True))
    areas = list(areas | Area.objects.filter(pk__in=chosen).defer("geometry"))
    districts = sorted((a for a in areas if a.level == AreaLevel.DISTRICT),
                       key=lambda a: a.name)
    ordered = []
    for district in districts:
        ordered.append(district)
        ordered.extend(sorted((a for a in areas if a.parent_id == district.pk),
                              key=lambda a: a.name))
    ordered.extend(sorted((a for a in areas if a not in ordered), key=lambda a: a.name))
    return ordered


def budget_default(proposal: Proposal, budgets: list[Budget]) -> Budget | None:
    """The budget a proposal competes in until someone says otherwise: its
    neighbourhood's, else its district's, else the whole city's."""
    by_area = {b.area_id: b for b in budgets}
    for area_id in (proposal.neighbourhood_id, proposal.district_id):
        if area_id is not None and area_id in by_area:
            return by_area[area_id]
    return by_area.get(None)


def budgets_for(proposal: Proposal, budgets: list[Budget]) -> list[Budget]:
    """The budgets a proposal may compete in: the city's and those of the areas it lies
    in (the service refuses any other)."""
    return [b for b in budgets if b.area_id in (None, proposal.district_id,
                                                proposal.neighbourhood_id)]


@dataclass
class AssessmentRow:
    proposal: Proposal
    assessment: Assessment | None
    budget: Budget | None  # the assessment's, or the default one
    suggested: bool  # `budget` is the default, not yet chosen by anyone

    @property
    def feasibility(self) -> str:
        return self.assessment.feasibility if self.assessment else Feasibility.PENDING


def assessable_proposals(project: Project) -> QuerySet[Proposal]:
    """The project's public proposals: those a ballot may come to hold."""
    return (Proposal.objects.filter(PUBLIC_Q, project=project)
            .select_related("assessment", "district", "neighbourhood").order_by("pk"))


def assessment_rows(project: Project, *, feasibility: str = "",
                    budget_id: int | None = None) -> list[AssessmentRow]:
    """One row per public proposal, filtered by feasibility and by the budget it
    competes in (chosen or by default)."""
    budgets = list(project_budgets(project))
    rows = []
    for proposal in assessable_proposals(project):
        assessment = getattr(proposal, "assessment", None)
        if assessment is not None and assessment.budget_id is not None:
            budget, suggested = next(b for b in budgets if b.pk == assessment.budget_id), False
        else:
            budget, suggested = budget_default(proposal, budgets), True
        row = AssessmentRow(proposal, assessment, budget, suggested)
        if feasibility and row.feasibility != feasibility:
            continue
        if budget_id is not None and (budget is None or budget.pk != budget_id):
            continue
        rows.append(row)
    return rows


@dataclass
class BudgetTotal:
    budget: Budget
    feasible_cost: int  # of the feasible, costed, public proposals in it
    feasible: int
    pending: int

    @property
    def over(self) -> bool:
        return self.feasible_cost > self.budget.amount


def budget_totals(project: Project) -> list[BudgetTotal]:
    """Per budget: what its feasible proposals cost together against its amount, and
    how many proposals in it still wait for an assessment (one query for them all)."""
    feasible = Q(feasibility=Feasibility.FEASIBLE, cost__isnull=False)
    counted = {row["budget"]: row for row in Assessment.objects.filter(
        budget__project=project, proposal__status__in=PUBLIC_STATUSES,
        proposal__is_hidden=False).values("budget").annotate(
            total=Sum("cost", filter=feasible), n_feasible=Count("pk", filter=feasible),
            n_pending=Count("pk", filter=Q(feasibility=Feasibility.PENDING)))}
    empty = {"total": 0, "n_feasible": 0, "n_pending": 0}
    return [BudgetTotal(budget=budget, feasible_cost=counted.get(budget.pk, empty)["total"] or 0,
                        feasible=counted.get(budget.pk, empty)["n_feasible"],
                        pending=counted.get(budget.pk, empty)["n_pending"])
            for budget in project_budgets(project)]


def project_assessors(project: Project) -> QuerySet:
    return (Assessor.objects.filter(project=project).select_related("user")
            .order_by("user__username"))


def assessor_find(text: str):
    """The active person whose username or e-mail address is exactly `text` (any case),
    or None. Exact, not a search: the form must not list the deployment's people."""
    text = text.strip()
    if not text:
        return None
    return (get_user_model().objects.filter(is_active=True)
            .filter(Q(username__iexact=text) | Q(email__iexact=text)).first())


def outcomes_status(project: Project) -> list[BudgetOutcome]:
    """The stored outcomes, budget by budget (the city's first), rule by rule."""
    return list(BudgetOutcome.objects.filter(budget__project=project)
                .select_related("budget__area")
                .order_by(F("budget__area__name").asc(nulls_first=True), "rule",
                          "equal_weights"))


def projects_assessed_by(user) -> QuerySet[Project]:
    """The projects of the municipality being served whose proposals `user` assesses."""
    if not user.is_authenticated:
        return Project.objects.none()
    return Project.objects.filter(assessors__user=user).order_by("title")
