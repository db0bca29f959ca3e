"""Budget pages: a voter's ballot (a map, a list and a budget meter per budget) and the
results of a budget vote (docs/budgeting.md). Thin: the rules are the services' and the
database's; the page only says them before the server has to."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.selectors import voting_weight_resolve
from proposals import area_display
from proposals.models import PhaseKind, Project, Proposal
from proposals.selectors import project_for
from voting import budget_selectors, budget_services, selectors
from voting.budget_models import Budget, BudgetRule, VotingMethod


def _budget_project(request, slug: str) -> Project:
    """A project the reader may open that votes with a budget; 404 otherwise."""
    try:
        project = project_for(user=request.user, slug=slug)
    except Project.DoesNotExist as exc:
        raise Http404 from exc
    if selectors.voting_rules(project).method != VotingMethod.BUDGET:
        raise Http404("This project does not vote with a budget.")
    return project


@dataclass
class Panel:
    """One budget on the ballot page: its options, what the voter has (or just tried)
    picked, and what the server said about it."""

    budget: Budget
    options: list[Proposal]
    chosen: set[int]
    ballot: object = None  # the voter's stored ballot here
    errors: list[str] = field(default_factory=list)
    map_config: dict = field(default_factory=dict)

    @property
    def map_name(self) -> str:
        return f"budget-map-{self.budget.pk}"

    @property
    def map_config_id(self) -> str:
        return f"{self.map_name}-config"

    @property
    def spent(self) -> int:
        return sum(p.assessment.cost for p in self.options if p.pk in self.chosen)

    def meter(self, rules) -> dict:
        """The meter's words as the page first shows them; static/js/plaza-budget.js
        says the same as the voter picks."""
        spent, amount, n = self.spent, self.budget.amount, len(self.chosen)
        money = budget_services.money
        state, warning = "ok", ""
        if spent > amount:
            state = "over"
            warning = _("Over budget by %(over)s: take a proposal out.") % {
                "over": money(spent - amount, rules.currency)}
        elif n < rules.min_projects:
            state = "count"
            warning = _("Pick at least %(min)s.") % {"min": rules.min_projects}
        elif rules.max_projects is not None and n > rules.max_projects:
            state = "count"
            warning = _("Pick at most %(max)s.") % {"max": rules.max_projects}
        return {
            "state": state, "warning": warning, "spent": spent, "amount": amount,
            "money": _("%(spent)s of %(amount)s spent, %(left)s left.") % {
                "spent": money(spent, rules.currency),
                "amount": money(amount, rules.currency),
                "left": money(max(amount - spent, 0), rules.currency)},
            "count": _("%(n)s picked.") % {"n": n},
        }


def _points(proposals, currency: str) -> list[dict]:
    """What a map draws of each proposal: its point and the words of its popup. The
    page's script puts every text in with textContent."""
    return [{"id": p.pk, "title": p.title, "category": p.category.name,
             "color": p.category.color,
             "cost": budget_services.money(p.assessment.cost, currency),
             "lon": p.point.x, "lat": p.point.y} for p in proposals]


def _map_base(project: Project) -> dict:
    return {**area_display.area_map_config(project),
            "proposal_url": reverse("proposals:proposal", args=[0]).replace("/0/", "/{id}/")}


def _panel(project: Project, budget: Budget, ballots: dict, currency: str, *, chosen=None,
           errors=()) -> Panel:
    ballot = ballots.get(budget.pk)
    if chosen is None:
        chosen = set(ballot.proposals) if ballot else set()
    options = list(budget_selectors.ballot_options(budget))
    for p in options:
        p.cost_text = budget_services.money(p.assessment.cost, currency)
    return Panel(budget=budget, options=options, chosen=set(chosen), ballot=ballot,
                 errors=list(errors),
                 map_config={**_map_base(project), "options": _points(options, currency)})


def _why_not(user, project: Project, rules) -> tuple[str, object]:
    """Why this reader cannot fill a ballot now ("" when they can), and the weight."""
    phase = project.current_phase()
    if phase is None or phase.kind != PhaseKind.VOTING:
        return "closed", None
    if not user.is_authenticated:
        return "login", None
    resolved = voting_weight_resolve(
        user=user, role_weights=selectors.project_weights(project),
        unverified_weight=rules.unverified_weight, at=timezone.now(),
        municipality_id=project.municipality_id)
    if resolved.weight <= 0:
        return ("role" if resolved.role is None else "role-zero"), resolved
    return "", resolved


def _chosen_district(request, districts: list[Budget], ballots: dict) -> Budget | None:
    """The district budget shown: the one asked for, else the one the voter filled."""
    asked = request.POST.get("budget") or request.GET.get("district")
    for budget in districts:
        if asked and str(budget.pk) == str(asked):
            return budget
    return next((b for b in districts if b.pk in ballots), None)


@require_http_methods(["GET", "HEAD", "POST"])
def ballot_page(request, slug: str):
    project = _budget_project(request, slug)
    rules = selectors.voting_rules(project)
    why, resolved = _why_not(request.user, project, rules)
    budgets = list(budget_selectors.project_budgets(project))
    ballots = budget_selectors.user_ballots(user=request.user, project=project)
    tried: dict[int, tuple[set[int], list[str]]] = {}
    status = 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?{urlencode({'next': request.path})}")
        budget = next((b for b in budgets if str(b.pk) == request.POST.get("budget")), None)
        if budget is None:
            raise Http404("No such budget in this project.")
        picked = [v for v in request.POST.getlist("proposal") if v.isdigit()]
        try:
            if request.POST.get("action") == "withdraw":
                if budget_services.ballot_withdraw(user=request.user, budget=budget):
                    messages.success(request, _("Your ballot in the budget of %(budget)s "
                                                "was withdrawn.") % {"budget": budget})
            else:
                budget_services.ballot_submit(user=request.user, budget=budget,
                                              proposal_ids=picked)
                messages.success(request, _("Your ballot in the budget of %(budget)s is "
                                            "stored. You can change it until voting "
                                            "closes.") % {"budget": budget})
        except (PermissionDenied, ValidationError) as exc:
            status = 403 if isinstance(exc, PermissionDenied) else 400
            tried[budget.pk] = ({int(v) for v in picked},
                                getattr(exc, "messages", None) or [str(exc)])
        else:
            target = reverse("voting:budget", args=[project.slug])
            if budget.area_id:
                target += f"?district={budget.pk}#budget-{budget.pk}"
            else:
                target += f"#budget-{budget.pk}"
            return redirect(target)

    def panel(budget):
        chosen, errors = tried.get(budget.pk, (None, ()))
        return _panel(project, budget, ballots, rules.currency, chosen=chosen,
                      errors=errors)

    city = next((b for b in budgets if b.area_id is None), None)
    districts = [b for b in budgets if b.area_id is not None]
    district = _chosen_district(request, districts, ballots)
    panels = [panel(b) for b in (city, district) if b is not None]
    for p in panels:
        p.meter_now = p.meter(rules)
    other = next((b for b in districts if b.pk in ballots and b != district), None)
    return render(request, "voting/budget_ballot.html", {
        "project": project, "rules": rules, "why": why, "resolved": resolved,
        "panels": panels, "districts": districts, "district": district,
        # The service's own words, before the voter tries.
        "one_district": _("You already voted in the budget of %(other)s: one district's "
                          "budget per voter. Withdraw that ballot first.")
        % {"other": other} if other and district else "",
        "provisional_until": selectors.voting_open_until(project),
        "results": selectors.results_visible(request.user, project),
    }, status=status)


# ---------------------------------------------------------------------------- results

RULES = (BudgetRule.GREEDY, BudgetRule.EQUAL_SHARES)


@dataclass
class RuleColumn:
    """One rule's outcome in one budget, weighted and with equal weights."""

    rule: str
    label: str
    official: bool
    weighted: object  # BudgetOutcome or None
    equal: object

    @property
    def funded(self) -> set[int]:
        return set(self.weighted.funded) if self.weighted else set()

    @property
    def funded_equal(self) -> set[int]:
        return set(self.equal.funded) if self.equal else set()


def _result_panel(budget: Budget, official: str, currency: str) -> dict:
    outcomes = budget_selectors.budget_outcomes(budget)
    columns = [RuleColumn(rule=r.value, label=r.label, official=r.value == official,
                          weighted=outcomes.get((r.value, False)),
                          equal=outcomes.get((r.value, True))) for r in RULES]
    ids = set().union(*(c.funded | c.funded_equal for c in columns))
    # Public ones only: a proposal hidden since the outcome was computed keeps its place
    # in the outcome's ids (and the open data), not its title on this page.
    ids |= set(budget_selectors.ballot_options(budget).values_list("pk", flat=True))
    proposals = {p.pk: p for p in Proposal.objects.public().filter(
        project=budget.project_id, pk__in=ids).select_related("category", "assessment")}
    for proposal in proposals.values():
        cost = getattr(getattr(proposal, "assessment", None), "cost", None)
        proposal.cost_text = budget_services.money(cost, currency) if cost else ""
    main = next(c for c in columns if c.official)
    rows = []
    for pk, proposal in sorted(proposals.items()):
        detail = {}
        for column in columns:
            if column.weighted:
                detail = column.weighted.details.get(str(pk), {}) or detail
        rows.append({
            "proposal": proposal, "cost_text": proposal.cost_text,
            "score": detail.get("score"), "voters": detail.get("voters"),
            "cells": [{"funded": pk in c.funded, "equal": pk in c.funded_equal,
                       "changed": (pk in c.funded) != (pk in c.funded_equal)}
                      for c in columns],
        })
    # Funded first (in the official rule), then by support.
    rows.sort(key=lambda r: (r["proposal"].pk not in main.funded,
                             -float(r["score"] or 0), r["proposal"].pk))
    for column in columns:
        for outcome in (column.weighted, column.equal):
            if outcome is not None:
                outcome.spent_text = budget_services.money(outcome.spent, currency)
        column.funded_list = [proposals[pk] for pk in (
            column.weighted.funded if column.weighted else []) if pk in proposals]
        column.gained = [proposals[pk] for pk in column.funded - column.funded_equal
                         if pk in proposals]
        column.lost = [proposals[pk] for pk in column.funded_equal - column.funded
                       if pk in proposals]
    stored = [o for c in columns for o in (c.weighted, c.equal) if o is not None]
    funded = [proposals[pk] for pk in (main.weighted.funded if main.weighted else [])
              if pk in proposals]
    return {
        "budget": budget, "columns": columns, "rows": rows, "main": main,
        "amount_text": budget_services.money(budget.amount, currency),
        "stored": bool(stored), "final": bool(stored) and all(o.final for o in stored),
        "ballots": stored[0].ballots if stored else None,
        "map_name": f"results-map-{budget.pk}",
        "map_config_id": f"results-map-{budget.pk}-config",
        "map": {**_map_base(budget.project), "options": _points(funded, currency)},
    }


def budget_results(request, project: Project):
    """The results page of a budget vote (voting.views.results sends it here)."""
    rules = selectors.voting_rules(project)
    panels = [_result_panel(b, rules.budget_rule, rules.currency)
              for b in budget_selectors.project_budgets(project).prefetch_related("outcomes")]
    provisional_until = selectors.voting_open_until(project)
    return render(request, "voting/budget_results.html", {
        "project": project, "rules": rules, "panels": panels,
        "public": rules.results_public, "provisional_until": provisional_until,
        "provisional": provisional_until is not None or any(
            p["stored"] and not p["final"] for p in panels),
        "official": BudgetRule(rules.budget_rule).label,
    })
