"""Voting boxes for the proposal and project pages.

The proposals app's templates load these tags; its Python code never imports voting,
so the dependency between the apps stays one way.
"""

from django import template
from django.utils import timezone

from accounts.selectors import voting_weight_resolve
from proposals.models import PhaseKind
from voting import selectors

register = template.Library()


@register.inclusion_tag("voting/_vote_box.html", takes_context=True)
def vote_box(context, proposal):
    user = context["request"].user
    project = proposal.project
    phase = project.current_phase()
    open_ = (phase is not None and phase.kind == PhaseKind.VOTING and not proposal.is_hidden
             and proposal.status in selectors.VOTABLE_STATUSES)
    mine = resolved = None
    if user.is_authenticated and open_:
        mine = selectors.user_votes(user=user).filter(proposal=proposal).first()
        resolved = voting_weight_resolve(
            user=user, role_weights=selectors.project_weights(project),
            unverified_weight=selectors.voting_rules(project).unverified_weight,
            at=timezone.now())
    return {"proposal": proposal, "open": open_, "mine": mine, "resolved": resolved,
            "user": user, "request": context["request"],
            "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("voting/_project_voting.html", takes_context=True)
def project_voting(context, project):
    user = context["request"].user
    phase = project.current_phase()
    progress = None
    if user.is_authenticated and phase is not None and phase.kind == PhaseKind.VOTING:
        progress = selectors.ballot_progress(user=user, project=project)
    return {"project": project, "weights": selectors.weights_table(project),
            "rules": selectors.voting_rules(project),
            "frozen": selectors.weights_frozen(project),
            "results": selectors.results_visible(user, project),
            "progress": progress}
