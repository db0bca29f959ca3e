"""Reads of the notifications app that serve the delivery (fan-out, e-mails); the reads
for following and the bell are in `follow_selectors.py`."""

from __future__ import annotations

from proposals.models import PUBLIC_STATUSES, Comment, Project, Proposal, Visibility

# --- delivery


def project_municipality_id(project_id: int) -> int:
    # The unscoped manager: an event is recorded whatever municipality is being served.
    return Project._base_manager.values_list("municipality_id", flat=True).get(pk=project_id)


def proposal_is_public(proposal: Proposal | None) -> bool:
    return (proposal is not None and not proposal.is_hidden
            and proposal.status in PUBLIC_STATUSES)


def comment_is_live(comment: Comment | None) -> bool:
    return comment is not None and not comment.is_deleted and not comment.is_hidden


def event_audience(event) -> str:
    """Who may still hear of `event` now: "all" (its followers), "author" (only the
    proposal's author: a status change of a proposal no one else may see) or "none".
    Read at fan-out and again when sending, so what became hidden meanwhile is dropped.
    `event` has its project, proposal and comment loaded (select_related)."""
    from notifications.models import Kind

    if event.project.visibility == Visibility.DRAFT:
        return "none"
    kind = event.kind
    if kind in (Kind.PHASE_STARTED, Kind.RESULTS_PUBLISHED):
        return "all"
    if kind == Kind.PROPOSAL_MERGED:
        # The duplicate is merged (not public, on purpose); the target must be.
        into = Proposal._base_manager.filter(pk=event.data.get("into")).first()
        return "all" if proposal_is_public(into) else "none"
    if kind == Kind.COMMENT_POSTED:
        return ("all" if proposal_is_public(event.proposal) and comment_is_live(event.comment)
                else "none")
    if proposal_is_public(event.proposal):
        return "all"
    return "author" if kind == Kind.PROPOSAL_STATUS else "none"
