"""Background jobs of proposals: e-mails to proposal authors. Each takes an id, re-reads,
and calls one service; services publish them with `delay_on_commit`, so no e-mail
leaves for a change that was rolled back, and none is sent inside a transaction."""

import smtplib

from celery import shared_task

from proposals import comment_services, services

RETRY = {
    "autoretry_for": (smtplib.SMTPException, ConnectionError, TimeoutError),
    "retry_backoff": 30,
    "retry_kwargs": {"max_retries": 5},
}


@shared_task(name="plaza.proposals.comment_notify_proposal_author", **RETRY)
def comment_notify_proposal_author_task(comment_id: int) -> bool:
    """Harmless twice: the service claims `Comment.author_notified_at` before it sends,
    and gives the claim back only when sending failed (so the retry sends)."""
    return comment_services.comment_notify_proposal_author(comment_id=comment_id)


@shared_task(name="plaza.proposals.proposal_notify_status", **RETRY)
def proposal_notify_status_task(notice_id: int) -> bool:
    """Harmless twice: the service claims `ProposalStatusNotice.notified_at` before it
    sends, and gives the claim back only when sending failed (so the retry sends)."""
    return services.proposal_notify_status(notice_id=notice_id)
