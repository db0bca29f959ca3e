"""A project's participatory budget for planners: how it votes and its budgets, who
assesses its proposals, the proposals' costs and feasibility, and the outcomes.

The assessments' pages are also open to the project's assessors (experts who are no
planners: `dashboard.access.planner_or_assessor`); the rest is the planners'.
Every change goes through `voting.budget_services`, which writes the audit log.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.form_errors import form_add_service_errors
from dashboard import budget_selectors as selectors
from dashboard.access import error_text, form_action, next_url, planner_only, planner_or_assessor
from dashboard.budget_forms import AssessmentForm, AssessorForm, BudgetForm
from proposals.models import PUBLIC_Q, Project, Proposal
from voting import budget_services
from voting.budget_models import Feasibility
from voting.budget_selectors import project_budgets
from voting.selectors import voting_rules, weights_frozen

SETUP = "voting.change_budget"
ASSESS = "voting.change_assessment"
PAGE = 25


def _project(slug: str) -> Project:
    return get_object_or_404(Project, slug=slug)


def _public_proposal(pk: int) -> Proposal:
    """Only public proposals are assessed: the others cannot come to a ballot, and an
    assessor, who is no planner, must not read a hidden one."""
    proposals = Proposal.objects.filter(PUBLIC_Q).select_related(
        "project", "assessment", "district", "neighbourhood")
    return get_object_or_404(proposals, pk=pk)


def _budget_page(request, project: Project, *, form: BudgetForm | None = None,
                 assessor_form: AssessorForm | None = None, status: int = 200):
    frozen = weights_frozen(project)
    if form is None:
        form = BudgetForm(initial=_setup_initial(project), areas=selectors.budget_areas(project),
                          frozen=frozen)
    return render(request, "dashboard/project_budget.html", {
        "project": project, "form": form, "frozen": frozen,
        "rules": voting_rules(project),
        "assessors": selectors.project_assessors(project),
        "assessor_form": assessor_form or AssessorForm(),
        "outcomes": selectors.outcomes_status(project),
        "budgets": project_budgets(project),
    }, status=status)


def _setup_initial(project: Project) -> dict:
    rules = voting_rules(project)
    initial = {"method": rules.method, "rule": rules.budget_rule, "currency": rules.currency,
               "min_projects": rules.min_projects, "max_projects": rules.max_projects}
    for budget in project_budgets(project):
        initial["city" if budget.area_id is None else f"area_{budget.area_id}"] = budget.amount
    return initial


@planner_only(SETUP)
def project_budget(request, slug: str):
    project = _project(slug)
    if request.method != "POST":
        return _budget_page(request, project)
    form = BudgetForm(request.POST, initial=_setup_initial(project),
                      areas=selectors.budget_areas(project), frozen=weights_frozen(project))
    if form.is_valid():
        data = form.cleaned_data
        try:
            budget_services.budget_setup(
                project=project, planner=request.user, method=data["method"],
                budgets=form.budgets(), min_projects=data["min_projects"],
                max_projects=data["max_projects"], rule=data["rule"],
                currency=data["currency"], reason=data["reason"])
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The participatory budget is saved."))
            return redirect("dashboard:project-budget", slug=project.slug)
    return _budget_page(request, project, form=form, status=400)


@planner_only(SETUP)
@form_action(lambda slug: reverse("dashboard:project-budget", args=[slug]))
def project_assessors(request, slug: str):
    """Add one assessor (by username or e-mail address) or remove one."""
    project = _project(slug)
    current = [a.user for a in selectors.project_assessors(project)]
    form = AssessorForm(request.POST)
    if "remove" in request.POST:
        users = [u for u in current if str(u.pk) != request.POST["remove"]]
        name = next((u.public_name for u in current if u not in users), "")
    elif form.is_valid():
        user = selectors.assessor_find(form.cleaned_data["who"])
        if user is None:
            form.add_error("who", _("No one has that username or e-mail address."))
            return _budget_page(request, project, assessor_form=form, status=400)
        users = current if user in current else [*current, user]
        name = user.public_name
    else:
        return _budget_page(request, project, assessor_form=form, status=400)
    if users == current:  # someone named twice, or no one: nothing changes, nothing logged
        return redirect(request.page_path + "#assessors")
    budget_services.assessors_set(project=project, planner=request.user, users=users)
    if len(users) < len(current):
        messages.success(request, _("%(name)s no longer assesses this project.")
                         % {"name": name})
    else:
        messages.success(request, _("%(name)s may now assess this project's proposals.")
                         % {"name": name})
    return redirect(request.page_path + "#assessors")


@planner_only(SETUP)
@form_action(lambda slug: reverse("dashboard:project-budget", args=[slug]))
def project_outcomes(request, slug: str):
    """Compute the outcomes now, from the ballots as they stand (a worker does it)."""
    project = _project(slug)
    try:
        budget_services.budget_outcomes_request(project=project, planner=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc) if isinstance(exc, ValidationError)
                       else str(exc))
    else:
        messages.success(request, _("The outcomes are being computed: reload this page "
                                    "in a moment to see them."))
    return redirect(request.page_path + "#outcomes")


FILTERS = (("", gettext_lazy("All")), *Feasibility.choices)


def _assessment_form(proposal: Proposal, budgets: list, *, frozen: bool,
                     data=None) -> AssessmentForm:
    """A proposal's form, as its row of the list and its own page show it (one prefix,
    so that either posts to the proposal's page)."""
    assessment = getattr(proposal, "assessment", None)
    if assessment is not None:
        initial = {"cost": assessment.cost, "feasibility": assessment.feasibility,
                   "unfeasible_reason": assessment.unfeasible_reason,
                   "budget": assessment.budget_id}
    else:
        default = selectors.budget_default(proposal, budgets)
        initial = {"feasibility": Feasibility.PENDING, "budget": default.pk if default else None}
    return AssessmentForm(data, initial=initial, prefix=f"p{proposal.pk}", frozen=frozen,
                          budgets=selectors.budgets_for(proposal, budgets))


@planner_or_assessor(ASSESS, project_of=_project)
def project_assessments(request, slug: str, project: Project):
    feasibility = request.GET.get("feasibility", "")
    feasibility = feasibility if feasibility in Feasibility.values else ""
    raw = request.GET.get("budget", "")
    budget_id = int(raw) if raw.isdigit() else None
    query = urlencode({k: v for k, v in (("feasibility", feasibility),
                                          ("budget", budget_id or "")) if v})
    rows = selectors.assessment_rows(project, feasibility=feasibility, budget_id=budget_id)
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    # This page of the list, where a row's form brings the planner back to.
    at = urlencode({k: v for k, v in (("feasibility", feasibility), ("budget", budget_id or ""),
                                      ("page", page.number if page.number > 1 else "")) if v})
    here = request.path + (f"?{at}" if at else "")
    budgets = list(project_budgets(project))
    frozen = weights_frozen(project)
    for row in page:
        row.form = _assessment_form(row.proposal, budgets, frozen=frozen)
        row.next = f"{here}#proposal-{row.proposal.pk}"
    return render(request, "dashboard/project_assessments.html", {
        "project": project, "rules": voting_rules(project), "frozen": frozen, "page": page,
        "totals": selectors.budget_totals(project), "budgets": budgets, "query": query,
        "filters": FILTERS, "feasibility": feasibility, "budget_id": budget_id,
        "here": here,
    })


def _proposal_project(pk: int) -> Project:
    return _public_proposal(pk).project


@planner_or_assessor(ASSESS, project_of=_proposal_project)
def proposal_assessment(request, pk: int, project: Project):
    """One proposal's assessment: its own page (on a phone, or a form sent back with
    errors), and where the list's row forms post to."""
    proposal = _public_proposal(pk)
    budgets = list(project_budgets(project))
    frozen = weights_frozen(project)
    form = _assessment_form(proposal, budgets, frozen=frozen,
                            data=request.POST if request.method == "POST" else None)
    back = reverse("dashboard:project-assessments", args=[project.slug])
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                budget_services.assessment_set(
                    proposal=proposal, assessor=request.user, cost=data["cost"],
                    feasibility=data["feasibility"],
                    unfeasible_reason=data["unfeasible_reason"], budget=form.chosen_budget())
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, _("The assessment of “%(title)s” is saved.")
                                 % {"title": proposal.title})
                return redirect(next_url(request, back))
    return render(request, "dashboard/proposal_assessment.html", {
        "project": project, "proposal": proposal, "form": form, "frozen": frozen,
        "rules": voting_rules(project),
        "next": next_url(request, back) if request.method == "POST" else _came_from(request, back),
    }, status=status)


def _came_from(request, assessments: str) -> str:
    """The list, with its filters, that the link to this page named as `next`."""
    target = request.GET.get("next", "")
    return target if target.startswith(assessments) else assessments
