"""The rule that turns a user's verified roles into one voting weight (docs/voting-weights.md)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts import services
from accounts.models import ClaimStatus
from accounts.selectors import user_verified_roles, voting_weight_resolve
from tests.factories import claim_make

pytestmark = pytest.mark.django_db


def verify(user, role, planner, **kw):
    claim = services.role_claim_submit(user=user, role=role, evidence="proof")
    return services.role_claim_verify(claim_id=claim.pk, planner=planner, **kw)


def test_no_verified_role_gets_the_unverified_weight(citizen, roles):
    assert voting_weight_resolve(user=citizen).weight == Decimal("0")
    resolved = voting_weight_resolve(user=citizen, unverified_weight=Decimal("0.5"))
    assert resolved.role is None and resolved.weight == Decimal("0.5")


def test_a_pending_or_rejected_claim_gives_no_weight(citizen, planner, roles):
    services.role_claim_submit(user=citizen, role=roles["expert"], evidence="x")
    claim_make(citizen, roles["resident"], status=ClaimStatus.REJECTED, decided_by=planner)
    assert voting_weight_resolve(user=citizen).role is None


def test_the_highest_weight_wins_and_weights_never_add_up(citizen, planner, roles):
    verify(citizen, roles["resident"], planner)
    verify(citizen, roles["expert"], planner)
    resolved = voting_weight_resolve(user=citizen)
    assert resolved.role == roles["expert"]
    assert resolved.weight == Decimal("2")  # not 1 + 2


def test_project_weights_override_the_defaults(citizen, planner, roles):
    verify(citizen, roles["resident"], planner)
    verify(citizen, roles["expert"], planner)
    project = {roles["resident"].pk: Decimal("3"), roles["expert"].pk: Decimal("1.5")}
    resolved = voting_weight_resolve(user=citizen, role_weights=project)
    assert (resolved.role, resolved.weight) == (roles["resident"], Decimal("3"))


def test_equal_weights_resolve_to_the_role_listed_first(citizen, planner, roles):
    verify(citizen, roles["business"], planner)
    verify(citizen, roles["resident"], planner)
    assert voting_weight_resolve(user=citizen).role == roles["resident"]


def test_an_expired_claim_stops_counting_before_beat_marks_it(citizen, planner, roles):
    now = timezone.now()
    verify(citizen, roles["expert"], planner, expires_at=now + timedelta(days=1), now=now)
    assert voting_weight_resolve(user=citizen, at=now).weight == Decimal("2")
    later = now + timedelta(days=2)
    # Status still says "verified": the expiry date alone decides.
    assert list(user_verified_roles(user=citizen, at=later)) == []
    assert voting_weight_resolve(user=citizen, at=later).role is None


def test_a_withdrawn_claim_stops_counting(citizen, planner, roles):
    claim = verify(citizen, roles["expert"], planner)
    services.role_claim_withdraw(claim_id=claim.pk, user=citizen)
    assert voting_weight_resolve(user=citizen).role is None
