"""Integrity the database itself holds, whatever code writes to it."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accounts.models import ClaimStatus, RoleClaim, User
from tests.factories import claim_make, role_make, user_make

pytestmark = pytest.mark.django_db


def refused(fn) -> bool:
    try:
        with transaction.atomic():
            fn()
    except IntegrityError:
        return True
    return False


def test_one_open_claim_per_user_and_role(citizen, roles):
    claim_make(citizen, roles["resident"])
    assert refused(lambda: claim_make(citizen, roles["resident"]))
    assert not refused(lambda: claim_make(citizen, roles["resident"],
                                          status=ClaimStatus.WITHDRAWN))


def test_nobody_decides_their_own_claim_even_bypassing_services(citizen, roles):
    assert refused(lambda: claim_make(citizen, roles["resident"],
                                      status=ClaimStatus.VERIFIED, decided_by=citizen))


def test_a_rejection_without_a_reason_is_refused(citizen, planner, roles):
    assert refused(lambda: claim_make(citizen, roles["resident"], status=ClaimStatus.REJECTED,
                                      decided_by=planner, decision_reason=""))


def test_a_verification_without_a_date_is_refused(citizen, planner, roles):
    assert refused(lambda: RoleClaim.objects.create(
        user=citizen, role=roles["resident"], evidence="x", status=ClaimStatus.VERIFIED,
        decided_by=planner))


def test_role_weights_stay_within_range(db):
    assert refused(lambda: role_make("negative", "-1"))
    assert refused(lambda: role_make("huge", "101"))
    assert role_make("fine", "0").default_weight == Decimal("0")


def test_emails_are_unique_whatever_their_case(db):
    user_make("ana", email="Ana@Example.org")
    assert refused(lambda: User.objects.create_user("ana2", email="ana@example.org"))
    # Several users without an e-mail (made by an administrator) are fine.
    User.objects.create_user("nomail1")
    User.objects.create_user("nomail2")
