"""Tasks published through the real Redis and run by a real worker process."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts import services, tasks
from accounts.models import ClaimStatus, RoleClaim
from config.celery import ping_task
from tests.factories import claim_make, user_make
from tests.integration.processes import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_task_goes_through_redis_to_the_worker_and_back(worker):
    assert ping_task.delay().get(timeout=10) == "pong"


def test_the_worker_expires_claims_in_the_database(worker, roles):
    planner = user_make("planner", planner=True)
    now = timezone.now()
    claim = claim_make(user_make(), roles["resident"], status=ClaimStatus.VERIFIED,
                       decided_by=planner, decided_at=now - timedelta(days=30),
                       expires_at=now - timedelta(seconds=1))
    result = tasks.role_claims_expire_task.apply_async(ignore_result=False)
    assert result.get(timeout=15) == 1
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.EXPIRED


@pytest.mark.quality("publish-on-commit")
def test_a_decision_is_notified_by_the_worker_after_commit(worker, citizen, planner, roles):
    claim = services.role_claim_submit(user=citizen, role=roles["resident"], evidence="x")
    with transaction.atomic():
        services.role_claim_verify(claim_id=claim.pk, planner=planner)

    def notified():
        return RoleClaim.objects.filter(pk=claim.pk, decision_notified_at__isnull=False).exists()

    wait_until(notified, timeout=15, what="the worker to send the decision e-mail")


@pytest.mark.quality("publish-on-commit")
def test_a_decision_rolled_back_publishes_nothing(worker, citizen, planner, roles):
    claim = services.role_claim_submit(user=citizen, role=roles["resident"], evidence="x")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.role_claim_verify(claim_id=claim.pk, planner=planner)
        raise RuntimeError("the request failed after the decision")
    # A ping queued behind any task the rollback might have published: once it is
    # answered, the worker has had its chance to run that task.
    assert ping_task.delay().get(timeout=10) == "pong"
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING
    assert claim.decision_notified_at is None
