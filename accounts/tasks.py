"""Background jobs of accounts. Each takes ids, re-reads, and calls one service."""

import smtplib

from celery import shared_task

from accounts import services


@shared_task(name="plaza.accounts.role_claims_expire")
def role_claims_expire_task() -> int:
    """Run by beat. Harmless twice: it only touches claims still verified past expiry."""
    return services.role_claims_expire()


@shared_task(
    name="plaza.accounts.role_claim_notify_decision",
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30, retry_kwargs={"max_retries": 5},
)
def role_claim_notify_decision_task(claim_id: int) -> bool:
    """Harmless twice: the service claims `decision_notified_at` before it sends."""
    return services.role_claim_notify_decision(claim_id=claim_id)
