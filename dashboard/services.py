"""The dashboard's own writes: decisions on proposals that reach their voters.

A status change or an official answer is made by `proposals.services` (which tells the
author of a status change); the dashboard adds what proposals cannot know about,
since voting sits above it: the citizens who voted on the proposal are e-mailed the
city's answer too. The e-mail task is published after commit, from inside the same
transaction, keyed by the audit entry of the change; who receives it and what it says
is `dashboard/answer_mail.py`.
"""

from __future__ import annotations

from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction

from audit.models import AuditAction, AuditEntry
from audit.selectors import audit_entry_get, audit_entry_latest
from dashboard.answer_mail import answer_messages
from dashboard.models import Notice
from proposals import services as proposal_services
from proposals.models import Proposal


def _latest_entry(proposal: Proposal, action: str) -> AuditEntry:
    # The UPDATE on the proposal's row holds its lock until this transaction commits, so
    # no other change to it can have logged anything later meanwhile.
    return audit_entry_latest(target_type="proposals.proposal", target_id=proposal.pk,
                              action=action)


def proposal_decide(*, proposal: Proposal, planner, status: str, answer: str = "") -> Proposal:
    """Change a proposal's status (with the official answer when there is one); when an
    answer is given, everyone who voted on it is told too."""
    from dashboard.tasks import proposal_notify_answer_task

    with transaction.atomic():
        proposal = proposal_services.proposal_set_status(
            proposal=proposal, planner=planner, status=status, answer=answer)
        if answer.strip():
            entry = _latest_entry(proposal, AuditAction.PROPOSAL_STATUS)
            proposal_notify_answer_task.delay_on_commit(entry.pk)
    return proposal


def proposal_answer_write(*, proposal: Proposal, planner, answer: str) -> Proposal:
    """Write or correct the official answer; its author and voters are e-mailed it."""
    from dashboard.tasks import proposal_notify_answer_task

    with transaction.atomic():
        proposal = proposal_services.proposal_answer(proposal=proposal, planner=planner,
                                                     answer=answer)
        entry = _latest_entry(proposal, AuditAction.PROPOSAL_ANSWER)
        proposal_notify_answer_task.delay_on_commit(entry.pk)
    return proposal


def proposal_notify_answer(*, entry_id: int) -> int:
    """E-mail the city's answer about a proposal to its voters (and, for an answer
    written without a status change, its author); returns how many were sent.

    At most once per audit entry: the `Notice` row is the claim, inserted before sending
    (its key is unique) and removed if sending fails, so a retry sends and a duplicate
    delivery does not.
    """
    key = f"answer:{entry_id}"
    try:
        with transaction.atomic():
            Notice.objects.create(key=key)
    except IntegrityError:
        return 0
    entry = audit_entry_get(entry_id)
    proposal = Proposal.objects.select_related("author").filter(pk=entry.target_id).first()
    if proposal is None or not proposal.official_answer:
        return 0
    messages = answer_messages(proposal, entry)
    try:
        return send_mass_mail(messages) if messages else 0
    except Exception:
        # Whatever stopped the sending, give the claim back so that the task's retry
        # sends; the error still reaches the task, which decides whether to retry.
        Notice.objects.filter(key=key).delete()
        raise
