"""Background jobs of the dashboard: e-mails that tell voters the city's answer."""

import smtplib

from celery import shared_task

from dashboard import services


@shared_task(name="plaza.dashboard.proposal_notify_answer",
             autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
             retry_backoff=30, retry_kwargs={"max_retries": 5})
def proposal_notify_answer_task(entry_id: int) -> int:
    """Harmless twice: the service claims a unique `Notice` row before it sends, and
    gives the claim back only when sending failed (so the retry sends)."""
    return services.proposal_notify_answer(entry_id=entry_id)
