"""A duplicate marked as merged into another proposal of its project (docs/duplicates.md).

The whole merge (votes and ballots carried over, the audit entry, the event) is
`voting.merge_services.proposal_merge`, which calls this inside its transaction: this
app only knows that the duplicate now points at its target, counts nowhere (status
"merged" is not public) and that its page leads there.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals.models import Proposal, ProposalStatus

# What a planner may merge: a proposal awaiting moderation or still open to the
# discussion and votes. A decided one (accepted, rejected, implemented) keeps its answer;
# a withdrawn one is already out.
MERGEABLE = (ProposalStatus.SUBMITTED, ProposalStatus.PUBLISHED, ProposalStatus.SHORTLISTED)


def why_not_merge(duplicate: Proposal, target: Proposal) -> str | None:
    """Why `duplicate` cannot be merged into `target`, in the planner's words; None when
    it can. Read again under lock by `proposal_mark_merged`."""
    if duplicate.pk == target.pk:
        return _("A proposal cannot be merged into itself.")
    if duplicate.project_id != target.project_id:
        return _("Only proposals of the same project can be merged.")
    if duplicate.is_hidden:
        return _("A hidden proposal is not merged: restore it first, or leave it hidden.")
    if duplicate.status == ProposalStatus.MERGED:
        return _("This proposal was merged already.")
    if duplicate.status not in MERGEABLE:
        return _("This proposal cannot be merged: it is “%(status)s”.") % {
            "status": duplicate.get_status_display()}
    if target.is_hidden or not Proposal.objects.public().filter(pk=target.pk).exists():
        return _("The proposal to merge into must be public.")
    return None


def proposal_mark_merged(*, duplicate: Proposal, target: Proposal) -> None:
    """Mark `duplicate` merged into `target`; call it inside the merge's transaction.

    Claim-by-update on both rows: the duplicate still mergeable, the target still public
    (locked, so that it cannot be hidden or merged itself meanwhile). Proposals merged
    into the duplicate earlier now point at the target, so a merged page is always one
    step from a live one."""
    locked = list(Proposal.objects.select_for_update().public().filter(pk=target.pk)
                  .values_list("pk", flat=True))
    updated = Proposal.objects.filter(
        pk=duplicate.pk, project_id=target.project_id, is_hidden=False,
        status__in=MERGEABLE).exclude(pk=target.pk).update(
        status=ProposalStatus.MERGED, merged_into=target.pk, updated_at=timezone.now())
    if not (locked and updated):
        raise ValidationError(_("One of these proposals changed meanwhile; reload the page."))
    Proposal.objects.filter(merged_into=duplicate.pk).update(merged_into=target.pk)
    duplicate.status, duplicate.merged_into_id = ProposalStatus.MERGED, target.pk
