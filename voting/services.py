"""Writes and rules for voting: a project's weights, and casting or withdrawing a vote.

A vote's role and weight are decided here, on the server, from the voter's verified
roles at the moment of casting (accounts.selectors.voting_weight_resolve); whatever a
client sends about them is never read. One vote per user and proposal is an upsert
(`INSERT … ON CONFLICT DO UPDATE`) against the unique constraint, so fifty identical
requests at once leave exactly one row.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import MAX_WEIGHT, StakeholderRole
from accounts.selectors import voting_weight_resolve
from audit.models import AuditAction
from audit.services import audit_record
from proposals.models import PhaseKind, Project, Proposal
from proposals.selectors import proposals_visible
from voting.models import ProjectVoting, RoleWeight, Vote, VoteValue
from voting.selectors import VOTABLE_STATUSES, project_weights, voting_rules, weights_frozen


def _weight(value) -> Decimal:
    try:
        weight = Decimal(str(value))
    except ArithmeticError as exc:
        raise ValidationError(_("A weight is a number.")) from exc
    if not (Decimal("0") <= weight <= MAX_WEIGHT) or weight.as_tuple().exponent < -3:
        raise ValidationError(_("A weight is between 0 and %(max)s, "
                                "with at most three decimals.") % {"max": MAX_WEIGHT})
    return weight


def role_weights_set(*, project: Project, planner, weights: Mapping[str, object],
                     unverified_weight=None, reason: str = "") -> None:
    """Set a project's weights (role slug → weight) and, optionally, the unverified weight.

    A weight of None takes the project's own weight for that role away: the role's
    default applies again. Refused once voting has opened: the weights must be the ones
    published before it, and every vote is cast with them (docs/voting-weights.md,
    "Frozen weights").
    """
    if not (planner.is_authenticated and planner.has_perm("voting.change_roleweight")):
        raise PermissionDenied(_("Only planners can set voting weights."))
    if weights_frozen(project):
        raise ValidationError(_("Voting has opened: the weights are frozen."), code="frozen")
    roles = {r.slug: r for r in StakeholderRole.objects.filter(slug__in=list(weights))}
    unknown = set(weights) - set(roles)
    if unknown:
        raise ValidationError(_("Unknown roles: %(roles)s.")
                              % {"roles": ", ".join(sorted(unknown))})
    cleaned = {slug: None if value is None else _weight(value)
               for slug, value in weights.items()}
    unverified = _weight(unverified_weight) if unverified_weight is not None else None
    current = project_weights(project)
    before = {slug: str(current[role.pk]) for slug, role in roles.items()}
    after = {}
    with transaction.atomic():
        for slug, weight in cleaned.items():
            if weight is None:
                RoleWeight.objects.filter(project=project, role=roles[slug]).delete()
                after[slug] = str(roles[slug].default_weight)
            else:
                RoleWeight.objects.update_or_create(project=project, role=roles[slug],
                                                    defaults={"weight": weight})
                after[slug] = str(weight)
        details = {"weights": {slug: [before[slug], after[slug]] for slug in cleaned}}
        if unverified is not None:
            details["unverified_weight"] = [str(voting_rules(project).unverified_weight),
                                            str(unverified)]
            ProjectVoting.objects.update_or_create(
                project=project, defaults={"unverified_weight": unverified})
        audit_record(actor=planner, action=AuditAction.WEIGHTS_SET, target=project,
                     project_id=project.pk, details=details, reason=reason)


def results_public_set(*, project: Project, planner, public: bool, reason: str = "") -> None:
    """Open the project's results page and tallies to everyone, or close them again.

    Allowed at any time (it changes no weight). Creates the project's voting rules if it
    has none yet (with an unverified weight of 0, the weight that applies without them).
    """
    if not (planner.is_authenticated and planner.has_perm("voting.change_projectvoting")):
        raise PermissionDenied(_("Only planners can publish results."))
    with transaction.atomic():
        rules, created = ProjectVoting.objects.select_for_update().get_or_create(
            project=project, defaults={"results_public": public})
        before = False if created else rules.results_public
        if before == public:
            return
        if not created:
            ProjectVoting.objects.filter(pk=rules.pk).update(results_public=public)
        audit_record(actor=planner, action=AuditAction.PROJECT_UPDATE, target=project,
                     project_id=project.pk, details={"results_public": [str(before),
                                                                        str(public)]},
                     reason=reason)


def _check_votable(user, proposal: Proposal, at: datetime) -> None:
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to vote."))
    project = proposal.project
    phase = project.current_phase(at)
    if phase is None or phase.kind != PhaseKind.VOTING:
        raise PermissionDenied(_("Votes are taken only while the voting phase is open."))
    if proposal.is_hidden or proposal.status not in VOTABLE_STATUSES:
        raise PermissionDenied(_("This proposal is not open to votes."))
    if not proposals_visible(user=user, project=project).filter(pk=proposal.pk).exists():
        raise PermissionDenied(_("This proposal is not open to votes."))


def vote_cast(*, user, proposal: Proposal, value: int, at: datetime | None = None) -> Vote:
    """Cast or change `user`'s vote; the role and weight are resolved now, on the server."""
    if value not in VoteValue.values:
        raise ValidationError({"value": _("Vote support, oppose or abstain.")})
    at = at or timezone.now()
    _check_votable(user, proposal, at)
    rules = voting_rules(proposal.project)
    resolved = voting_weight_resolve(user=user, role_weights=project_weights(proposal.project),
                                     unverified_weight=rules.unverified_weight, at=at)
    if resolved.weight <= 0:
        raise PermissionDenied(
            _("In this project only participants with a verified stakeholder role may "
              "vote; claim your role on your profile page.") if resolved.role is None else
            _("In this project, votes as %(role)s do not count.")
            % {"role": resolved.role.name})
    vote = Vote(user=user, proposal=proposal, value=value, role=resolved.role,
                weight=resolved.weight)
    [vote] = Vote.objects.bulk_create(
        [vote], update_conflicts=True, unique_fields=["user", "proposal"],
        update_fields=["value", "role", "weight", "updated_at"])
    return vote


def vote_withdraw(*, user, proposal: Proposal, at: datetime | None = None) -> bool:
    """Take back one's vote while voting is open; False when there was none."""
    _check_votable(user, proposal, at or timezone.now())
    deleted, _ = Vote.objects.filter(user=user, proposal=proposal).delete()
    return bool(deleted)
