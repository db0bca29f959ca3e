"""Writes of a budget vote: its rules and budgets, assessments, assessors, ballots.

Every rule here is also the database's (migration 0007): these functions check first so
that a refusal says what was wrong in the voter's or planner's words, and the database
holds whatever other path writes. A ballot is one upsert against its unique constraint,
so fifty changes at once by one voter leave one ballot, the last one written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.models import AuditAction
from audit.services import audit_record
from municipalities.models import Area
from proposals.models import PhaseKind, Project, Proposal
from proposals.vote_gates import vote_gate_refusals
from voting.budget_models import (
    Assessment,
    Assessor,
    Ballot,
    Budget,
    BudgetRule,
    Feasibility,
    VotingMethod,
)
from voting.budget_selectors import ballot_options, can_assess
from voting.models import ProjectVoting
from voting.selectors import voting_rules, weights_frozen
from voting.services import voter_weight


def money(amount: int, currency: str) -> str:
    """An amount as people read it: grouped digits and the currency code."""
    return f"{number_format(amount, force_grouping=True)} {currency}"


def budget_setup(*, project: Project, planner, method: str, budgets: Mapping[int | None, int],
                 min_projects: int = 1, max_projects: int | None = None,
                 rule: str = BudgetRule.EQUAL_SHARES, currency: str = "EUR",
                 reason: str = "") -> None:
    """Set how a project votes and, for a budget vote, its budgets: area id (None: the
    whole city) → amount in whole currency units. Budgets not named are removed (with
    the assessments that pointed at them left without a budget). Refused once voting
    has opened, like the weights; the official rule may change at any time."""
    if not (planner.is_authenticated and planner.has_perm("voting.change_budget")):
        raise PermissionDenied(_("Only planners can set a participatory budget."))
    if method not in VotingMethod.values or rule not in BudgetRule.values:
        raise ValidationError(_("Choose a voting method and a rule from the list."))
    if max_projects is not None and max_projects < min_projects:
        raise ValidationError(_("The most proposals a ballot may pick is at least the "
                                "fewest."))
    if method == VotingMethod.BUDGET and not budgets:
        raise ValidationError(_("A budget vote needs at least one budget."))
    if any(int(amount) <= 0 for amount in budgets.values()):
        raise ValidationError(_("A budget is a positive whole amount."))
    areas = set(Area.objects.filter(pk__in=[a for a in budgets if a is not None],
                                    municipality_id=project.municipality_id)
                .values_list("pk", flat=True))
    if {a for a in budgets if a is not None} - areas:
        raise ValidationError(_("A budget's area must be a district or neighbourhood of "
                                "the project's city."))
    rules = voting_rules(project)
    changes_frozen_part = (
        method != rules.method or min_projects != rules.min_projects
        or max_projects != rules.max_projects or currency != rules.currency
        or dict(Budget.objects.filter(project=project).values_list("area_id", "amount"))
        != {a: int(v) for a, v in budgets.items()})
    if changes_frozen_part and weights_frozen(project):
        raise ValidationError(_("Voting has opened: the budget is frozen."), code="frozen")
    before = {"method": rules.method, "rule": rules.budget_rule,
              "budgets": {str(a): v for a, v in Budget.objects.filter(project=project)
                          .values_list("area_id", "amount")}}
    with transaction.atomic():
        ProjectVoting.objects.update_or_create(project=project, defaults={
            "method": method, "min_projects": min_projects, "max_projects": max_projects,
            "budget_rule": rule, "currency": currency})
        if changes_frozen_part:
            stale = Budget.objects.filter(project=project).exclude(
                area_id__in=[a for a in budgets if a is not None])
            if None in budgets:
                stale = stale.exclude(area__isnull=True)
            stale.delete()
            for area_id, amount in budgets.items():
                Budget.objects.update_or_create(project=project, area_id=area_id,
                                                defaults={"amount": int(amount)})
        audit_record(actor=planner, action=AuditAction.BUDGET_SET, target=project,
                     project_id=project.pk, reason=reason, details={
                         "before": before,
                         "after": {"method": method, "rule": rule,
                                   "budgets": {str(a): int(v) for a, v in budgets.items()},
                                   "min_projects": min_projects,
                                   "max_projects": max_projects, "currency": currency}})


def assessors_set(*, project: Project, planner, users: Iterable) -> None:
    """The people (experts, technicians) who may assess this project's proposals."""
    if not (planner.is_authenticated and planner.has_perm("voting.change_budget")):
        raise PermissionDenied(_("Only planners can assign assessors."))
    users = list(users)
    with transaction.atomic():
        before = sorted(Assessor.objects.filter(project=project)
                        .values_list("user__username", flat=True))
        Assessor.objects.filter(project=project).exclude(user__in=users).delete()
        for user in users:
            Assessor.objects.get_or_create(project=project, user=user)
        audit_record(actor=planner, action=AuditAction.BUDGET_ASSESSORS, target=project,
                     project_id=project.pk, details={
                         "assessors": [before, sorted(u.username for u in users)]})


def assessment_set(*, proposal: Proposal, assessor, cost: int | None, feasibility: str,
                   unfeasible_reason: str = "", budget: Budget | None = None) -> Assessment:
    """Give a proposal its cost, feasibility and budget; recorded in the audit log."""
    project = proposal.project
    if not can_assess(assessor, project):
        raise PermissionDenied(_("Only planners and the project's assessors can assess "
                                 "proposals."))
    if feasibility not in Feasibility.values:
        raise ValidationError({"feasibility": _("Choose feasible, unfeasible or not "
                                                "assessed yet.")})
    unfeasible_reason = unfeasible_reason.strip()
    if feasibility == Feasibility.UNFEASIBLE and not unfeasible_reason:
        raise ValidationError({"unfeasible_reason": _(
            "Say why the proposal cannot be done: the reason is published.")})
    if cost is not None and int(cost) <= 0:
        raise ValidationError({"cost": _("A cost is a positive whole amount.")})
    if budget is not None and budget.project_id != project.pk:
        raise ValidationError({"budget": _("Choose one of this project's budgets.")})
    if budget is not None and budget.area_id is not None and budget.area_id not in (
            proposal.district_id, proposal.neighbourhood_id):
        raise ValidationError({"budget": _(
            "The proposal lies outside %(area)s: it cannot compete in its budget.")
            % {"area": budget.area.name}})
    if weights_frozen(project):
        raise ValidationError(_("Voting has opened: costs and feasibility are frozen."),
                              code="frozen")
    if feasibility != Feasibility.UNFEASIBLE:
        unfeasible_reason = ""
    with transaction.atomic():
        current = Assessment.objects.select_for_update().filter(proposal=proposal).first()
        before = None if current is None else {
            "cost": current.cost, "feasibility": current.feasibility,
            "unfeasible_reason": current.unfeasible_reason, "budget": current.budget_id}
        assessment, _created = Assessment.objects.update_or_create(
            proposal=proposal, defaults={
                "cost": None if cost is None else int(cost), "feasibility": feasibility,
                "unfeasible_reason": unfeasible_reason, "budget": budget,
                "assessed_by": assessor})
        after = {"cost": assessment.cost, "feasibility": feasibility,
                 "unfeasible_reason": unfeasible_reason, "budget": assessment.budget_id}
        if before != after:
            audit_record(actor=assessor, action=AuditAction.PROPOSAL_ASSESS, target=proposal,
                         project_id=project.pk, details={"before": before, "after": after})
    return assessment


def _check_ballot_open(user, project: Project, at: datetime) -> ProjectVoting:
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to vote."))
    rules = voting_rules(project)
    if rules.method != VotingMethod.BUDGET:
        raise PermissionDenied(_("This project does not vote with a budget."))
    phase = project.current_phase(at)
    if phase is None or phase.kind != PhaseKind.VOTING:
        raise PermissionDenied(_("Ballots are taken only while the voting phase is open."))
    return rules


def ballot_errors(*, budget: Budget, proposal_ids: list[int], rules: ProjectVoting) -> list[str]:
    """What is wrong with picking `proposal_ids` in `budget`, in the voter's words."""
    errors = []
    if len(set(proposal_ids)) != len(proposal_ids):
        errors.append(_("Pick each proposal once."))
    options = {p.pk: p for p in ballot_options(budget)}
    foreign = [pk for pk in proposal_ids if pk not in options]
    if foreign:
        elsewhere = {a.proposal_id: a.budget for a in Assessment.objects.filter(
            proposal_id__in=foreign, budget__isnull=False, budget__project=budget.project_id)
            .exclude(budget=budget).select_related("budget__area")}
        for pk in foreign:
            if pk in elsewhere:
                errors.append(_("Proposal %(id)s is in the budget of %(other)s, not of "
                                "%(this)s.") % {"id": pk, "other": elsewhere[pk],
                                                "this": budget})
            else:
                errors.append(_("Proposal %(id)s is not on this ballot.") % {"id": pk})
    n = len(set(proposal_ids))
    if n < rules.min_projects or (rules.max_projects is not None and n > rules.max_projects):
        if rules.max_projects is None:
            errors.append(ngettext("Pick at least %(min)s proposal.",
                                   "Pick at least %(min)s proposals.", rules.min_projects)
                          % {"min": rules.min_projects})
        else:
            errors.append(_("Pick between %(min)s and %(max)s proposals; you picked "
                            "%(n)s.") % {"min": rules.min_projects,
                                         "max": rules.max_projects, "n": n})
    total = sum(options[pk].assessment.cost for pk in set(proposal_ids) if pk in options)
    if total > budget.amount:
        errors.append(_("Your selection costs %(total)s, over the budget of %(amount)s: "
                        "take a proposal out.") % {
                            "total": money(total, rules.currency),
                            "amount": money(budget.amount, rules.currency)})
    return errors


def ballot_submit(*, user, budget: Budget, proposal_ids: Iterable[int],
                  at: datetime | None = None) -> Ballot:
    """Fill or change `user`'s ballot in `budget`; the weight is resolved now, on the
    server, as a vote's. Raises ValidationError listing every problem; nothing stored."""
    at = at or timezone.now()
    project = budget.project
    rules = _check_ballot_open(user, project, at)
    proposal_ids = [int(pk) for pk in proposal_ids]
    errors = ballot_errors(budget=budget, proposal_ids=proposal_ids, rules=rules)
    if budget.area_id is not None:
        other = (Ballot.objects.filter(project=project, user=user, area__isnull=False)
                 .exclude(budget=budget).select_related("budget__area").first())
        if other is not None:
            errors.append(_("You already voted in the budget of %(other)s: one district's "
                            "budget per voter. Withdraw that ballot first.")
                          % {"other": other.budget})
    # The rules of the apps above on each pick (proposals/vote_gates.py).
    errors += vote_gate_refusals(user=user, proposals=Proposal.objects.filter(
        pk__in=proposal_ids).order_by("pk"))
    if errors:
        raise ValidationError(errors)
    resolved = voter_weight(user=user, project=project, at=at)
    ballot = Ballot(budget=budget, project=project, area_id=budget.area_id, user=user,
                    proposals=proposal_ids, role=resolved.role, weight=resolved.weight)
    [ballot] = Ballot.objects.bulk_create(
        [ballot], update_conflicts=True, unique_fields=["budget", "user"],
        update_fields=["proposals", "role", "weight", "updated_at"])
    return ballot


def ballot_withdraw(*, user, budget: Budget, at: datetime | None = None) -> bool:
    """Take one's ballot back while voting is open; False when there was none."""
    _check_ballot_open(user, budget.project, at or timezone.now())
    deleted, _ = Ballot.objects.filter(budget=budget, user=user).delete()
    return bool(deleted)


def budget_outcomes_request(*, project: Project, planner) -> None:
    """Ask the worker to compute the project's budget outcomes now (final once voting
    has closed; provisional before). Planners only; the request is in the audit log."""
    from voting.tasks import budget_outcomes_task

    if not (planner.is_authenticated and planner.has_perm("voting.change_budget")):
        raise PermissionDenied(_("Only planners can compute a budget's outcomes."))
    if not ProjectVoting.objects.filter(project=project, method=VotingMethod.BUDGET).exists():
        raise ValidationError(_("This project does not vote with a budget."))
    with transaction.atomic():
        audit_record(actor=planner, action=AuditAction.BUDGET_OUTCOME, target=project,
                     project_id=project.pk)
        budget_outcomes_task.delay_on_commit(project.pk)
