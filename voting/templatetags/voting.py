"""Voting boxes for the proposal and project pages.

The proposals app's templates load these tags; its Python code never imports voting,
so the dependency between the apps stays one way.
"""

from dataclasses import dataclass, field

from django import template
from django.utils import timezone

from accounts.selectors import voting_weight_resolve
from proposals.models import PhaseKind
from voting import budget_selectors, selectors
from voting.api import NAMES
from voting.budget_models import Feasibility
from voting.budget_services import money

register = template.Library()


@register.inclusion_tag("voting/_vote_box.html", takes_context=True)
def vote_box(context, proposal):
    user = context["request"].user
    project = proposal.project
    phase = project.current_phase()
    open_ = (phase is not None and phase.kind == PhaseKind.VOTING and not proposal.is_hidden
             and proposal.status in selectors.VOTABLE_STATUSES)
    # A budget vote takes ballots, not votes one by one (the services refuse those):
    # the box sends the voter to the ballot.
    budget = open_ and budget_selectors.is_budget_vote(project)
    mine = resolved = None
    if user.is_authenticated and open_ and not budget:
        mine = selectors.user_votes(user=user).filter(proposal=proposal).first()
        resolved = voting_weight_resolve(
            user=user, role_weights=selectors.project_weights(project),
            unverified_weight=selectors.voting_rules(project).unverified_weight,
            at=timezone.now(), municipality_id=project.municipality_id)
    return {"proposal": proposal, "open": open_, "mine": mine, "resolved": resolved,
            "budget": budget, "user": user, "request": context["request"],
            "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("voting/_project_voting.html", takes_context=True)
def project_voting(context, project):
    user = context["request"].user
    phase = project.current_phase()
    progress = None
    voting_now = phase is not None and phase.kind == PhaseKind.VOTING
    budget = budget_selectors.is_budget_vote(project)
    if user.is_authenticated and voting_now and not budget:
        progress = selectors.ballot_progress(user=user, project=project)
    return {"project": project, "weights": selectors.weights_table(project),
            "budget": budget, "budget_open": budget and voting_now,
            "rules": selectors.voting_rules(project),
            "frozen": selectors.weights_frozen(project),
            "results": selectors.results_visible(user, project),
            "progress": progress}


# ---------------------------------------------------------------- voting from the list

@dataclass(frozen=True)
class ListBallot:
    """What the project's list needs to let a voter vote from it: whether they may
    (`can_vote`), why not otherwise (`why`, said once above the list), and their own
    choices on the proposals shown. The vote itself goes through the same view and
    service as the proposal page's vote box; this only decides what to show."""

    can_vote: bool
    why: str = ""  # "login", "role", "role-zero", "not-yet", "closed", "budget" or ""
    phase: object = None     # the voting phase, for its dates
    role: object = None
    mine: dict = field(default_factory=dict)  # proposal id → "support" / "oppose" / …


def _list_ballot(user, project, proposal_ids=()) -> ListBallot:
    now = timezone.now()
    voting = project.phases.filter(kind=PhaseKind.VOTING).first()
    if voting is None:
        return ListBallot(can_vote=False)
    if now < voting.starts_at:
        return ListBallot(can_vote=False, why="not-yet", phase=voting)
    if now >= voting.ends_at:
        return ListBallot(can_vote=False, why="closed", phase=voting)
    if budget_selectors.is_budget_vote(project):
        return ListBallot(can_vote=False, why="budget", phase=voting)
    if not user.is_authenticated:
        return ListBallot(can_vote=False, why="login", phase=voting)
    resolved = voting_weight_resolve(
        user=user, role_weights=selectors.project_weights(project),
        unverified_weight=selectors.voting_rules(project).unverified_weight, at=now,
        municipality_id=project.municipality_id)
    if resolved.weight <= 0:
        return ListBallot(can_vote=False, why="role" if resolved.role is None else "role-zero",
                          phase=voting, role=resolved.role)
    mine = dict(selectors.user_votes(user=user).filter(proposal_id__in=list(proposal_ids))
                .values_list("proposal_id", "value"))
    return ListBallot(can_vote=True, phase=voting,
                      mine={pk: NAMES[value] for pk, value in mine.items()})


@register.simple_tag(takes_context=True)
def list_ballot(context, project, proposals):
    return _list_ballot(context["request"].user, project, [p.pk for p in proposals])


@register.inclusion_tag("voting/_list_ballot_note.html", takes_context=True)
def list_ballot_note(context, project):
    """Why the list offers no vote, said once above it rather than on every card."""
    return {"ballot": _list_ballot(context["request"].user, project),
            "request": context["request"], "project": project}


@register.inclusion_tag("voting/_list_vote.html", takes_context=True)
def list_vote(context, proposal, ballot):
    votable = (ballot.can_vote and not proposal.is_hidden
               and proposal.status in selectors.VOTABLE_STATUSES)
    return {"proposal": proposal, "show": votable, "mine": ballot.mine.get(proposal.pk),
            "next": context.get("list_url", ""), "csrf_token": context.get("csrf_token")}


# ---------------------------------------------------------------- a budget's assessment

@register.inclusion_tag("voting/_assessment.html")
def proposal_assessment(proposal):
    """A proposal's cost and feasibility, public once assessed (the reason too, when it
    cannot be done), and the budget it competes in."""
    assessment = getattr(proposal, "assessment", None)
    if assessment is None or (assessment.cost is None
                              and assessment.feasibility == Feasibility.PENDING):
        return {"assessment": None}
    rules = selectors.voting_rules(proposal.project)
    return {"assessment": assessment, "budget": assessment.budget,
            "cost": money(assessment.cost, rules.currency)
            if assessment.cost is not None else ""}
