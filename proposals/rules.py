"""Who may do what to a proposal, and when: the rules that services enforce and pages show.

Each function answers with a reason when the answer is no, so a page can explain
why a button is missing and a service can refuse with the same words. The table in
docs/permissions.md is this file in prose.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from proposals.models import PhaseKind, Project, Proposal, ProposalStatus, Visibility

EDITABLE = (ProposalStatus.SUBMITTED, ProposalStatus.PUBLISHED)
WITHDRAWABLE = (ProposalStatus.SUBMITTED, ProposalStatus.PUBLISHED, ProposalStatus.SHORTLISTED)


def _started(project: Project, kind: str, at: datetime) -> bool:
    return project.phases.filter(kind=kind, starts_at__lte=at).exists()


def why_not_create(user, project: Project, at: datetime | None = None) -> str | None:
    at = at or timezone.now()
    if not user.is_authenticated:
        return _("Log in to make a proposal.")
    if project.visibility == Visibility.DRAFT:
        return _("This project is not open yet.")
    phase = project.current_phase(at)
    if phase is None or phase.kind != PhaseKind.IDEATION:
        return _("Proposals can be made only while the ideation phase is open.")
    return None


def why_not_edit(user, proposal: Proposal, at: datetime | None = None) -> str | None:
    at = at or timezone.now()
    if not user.is_authenticated or proposal.author_id != user.pk:
        return _("Only its author can change a proposal.")
    if proposal.status not in EDITABLE:
        return (_("A proposal that is %(status)s cannot be changed.")
                % {"status": proposal.get_status_display().lower()})
    if _started(proposal.project, PhaseKind.VOTING, at):
        return _("Proposals cannot be changed once voting has opened.")
    return None


def why_not_withdraw(user, proposal: Proposal, at: datetime | None = None) -> str | None:
    at = at or timezone.now()
    if not user.is_authenticated or proposal.author_id != user.pk:
        return _("Only its author can withdraw a proposal.")
    if proposal.status not in WITHDRAWABLE:
        return (_("A proposal that is %(status)s cannot be withdrawn.")
                % {"status": proposal.get_status_display().lower()})
    if _started(proposal.project, PhaseKind.DECISION, at):
        return _("Proposals cannot be withdrawn once the decision phase has started.")
    return None


def why_not_flag(user, proposal: Proposal) -> str | None:
    if not user.is_authenticated:
        return _("Log in to report a proposal.")
    if proposal.author_id == user.pk:
        return _("You cannot report your own proposal.")
    return None


def can_moderate(user) -> bool:
    return user.is_authenticated and user.has_perm("proposals.moderate_proposal")


def can_answer(user) -> bool:
    return user.is_authenticated and user.has_perm("proposals.answer_proposal")
