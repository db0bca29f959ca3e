"""Role claims from filing to expiry, through the services every entry point uses."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts import services
from accounts.models import ClaimStatus, RoleClaim
from tests.factories import claim_make, user_make

pytestmark = pytest.mark.django_db


def test_a_citizen_files_a_pending_claim(citizen, roles):
    claim = services.role_claim_submit(user=citizen, role=roles["resident"],
                                       evidence="  I live at Carrer Gran 1.  ")
    assert claim.status == ClaimStatus.PENDING
    assert claim.evidence == "I live at Carrer Gran 1."
    assert claim.decided_by is None


def test_it_refuses_a_second_open_claim_for_the_same_role(citizen, roles):
    services.role_claim_submit(user=citizen, role=roles["resident"], evidence="first")
    with pytest.raises(ValidationError) as exc:
        services.role_claim_submit(user=citizen, role=roles["resident"], evidence="again")
    assert "already have an open claim" in str(exc.value)
    assert RoleClaim.objects.filter(user=citizen).count() == 1


def test_a_citizen_may_claim_again_after_a_rejection(citizen, planner, roles):
    claim = services.role_claim_submit(user=citizen, role=roles["resident"], evidence="x")
    services.role_claim_reject(claim_id=claim.pk, planner=planner, reason="No address given.")
    services.role_claim_submit(user=citizen, role=roles["resident"], evidence="Carrer Gran 1")
    assert RoleClaim.objects.filter(user=citizen).count() == 2


@pytest.mark.quality("awkward-text")
def test_it_refuses_empty_evidence_and_inactive_roles(citizen, roles):
    with pytest.raises(ValidationError, match="Say why"):
        services.role_claim_submit(user=citizen, role=roles["resident"], evidence="   ")
    roles["expert"].is_active = False
    roles["expert"].save()
    with pytest.raises(ValidationError, match="no longer takes"):
        services.role_claim_submit(user=citizen, role=roles["expert"], evidence="architect")
    assert not RoleClaim.objects.exists()


def test_it_keeps_a_pdf_and_refuses_a_file_that_only_pretends(citizen, roles):
    pdf = SimpleUploadedFile("bill.pdf", b"%PDF-1.4 a utility bill", "application/pdf")
    claim = services.role_claim_submit(user=citizen, role=roles["resident"], evidence="bill",
                                       evidence_file=pdf)
    assert claim.evidence_file.name.endswith(".pdf")
    assert "bill" not in claim.evidence_file.name  # the user's file name is not kept
    fake = SimpleUploadedFile("photo.jpg", b"<script>alert(1)</script>", "image/jpeg")
    with pytest.raises(ValidationError, match="PDF, PNG or JPEG"):
        services.role_claim_submit(user=citizen, role=roles["expert"], evidence="x",
                                   evidence_file=fake)
    assert RoleClaim.objects.count() == 1


def test_it_refuses_an_oversized_evidence_file(citizen, roles, settings):
    settings.ROLE_EVIDENCE_MAX_BYTES = 100
    big = SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 200, "image/png")
    with pytest.raises(ValidationError, match="limit"):
        services.role_claim_submit(user=citizen, role=roles["resident"], evidence="x",
                                   evidence_file=big)


def test_a_planner_verifies_and_the_role_validity_sets_the_expiry(citizen, planner, roles,
                                                                   django_capture_on_commit_callbacks):
    claim = services.role_claim_submit(user=citizen, role=roles["resident"], evidence="x")
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        claim = services.role_claim_verify(claim_id=claim.pk, planner=planner, now=now)
    assert claim.status == ClaimStatus.VERIFIED
    assert claim.decided_by == planner
    assert claim.expires_at == now + timedelta(days=365)
    # The e-mail task is published only once the decision has committed.
    assert len(callbacks) == 1


def test_the_citizen_is_emailed_the_decision_once(citizen, planner, roles):
    claim = services.role_claim_submit(user=citizen, role=roles["resident"], evidence="x")
    services.role_claim_reject(claim_id=claim.pk, planner=planner, reason="Outside the area.")
    assert services.role_claim_notify_decision(claim_id=claim.pk) is True
    assert services.role_claim_notify_decision(claim_id=claim.pk) is False  # delivered twice
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [citizen.email]
    assert "Outside the area." in mail.outbox[0].body


def test_a_pending_claim_is_not_notified(citizen, roles):
    claim = services.role_claim_submit(user=citizen, role=roles["resident"], evidence="x")
    assert services.role_claim_notify_decision(claim_id=claim.pk) is False
    assert mail.outbox == []


def test_it_refuses_to_reject_twice(citizen, planner, roles):
    claim = services.role_claim_submit(user=citizen, role=roles["resident"], evidence="x")
    services.role_claim_reject(claim_id=claim.pk, planner=planner, reason="No proof.")
    with pytest.raises(services.ClaimAlreadyDecided, match="rejected"):
        services.role_claim_reject(claim_id=claim.pk, planner=planner, reason="Again.")
    with pytest.raises(services.ClaimAlreadyDecided):
        services.role_claim_verify(claim_id=claim.pk, planner=planner)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED
    assert claim.decision_reason == "No proof."


def test_a_rejection_needs_a_reason(citizen, planner, roles):
    claim = services.role_claim_submit(user=citizen, role=roles["resident"], evidence="x")
    with pytest.raises(ValidationError, match="reason"):
        services.role_claim_reject(claim_id=claim.pk, planner=planner, reason="  ")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING


def test_a_citizen_cannot_verify_their_own_claim(citizen, roles):
    claim = services.role_claim_submit(user=citizen, role=roles["resident"], evidence="x")
    with pytest.raises(PermissionDenied):
        services.role_claim_verify(claim_id=claim.pk, planner=citizen)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING


def test_a_planner_cannot_verify_their_own_claim_either(planner, roles):
    claim = services.role_claim_submit(user=planner, role=roles["expert"], evidence="x")
    with pytest.raises(PermissionDenied, match="own"):
        services.role_claim_verify(claim_id=claim.pk, planner=planner)
    assert RoleClaim.objects.get(pk=claim.pk).status == ClaimStatus.PENDING


def test_another_citizen_cannot_verify_a_claim(citizen, outsider, roles):
    claim = services.role_claim_submit(user=citizen, role=roles["resident"], evidence="x")
    with pytest.raises(PermissionDenied):
        services.role_claim_verify(claim_id=claim.pk, planner=outsider)


def test_an_expiry_in_the_past_is_refused(citizen, planner, roles):
    claim = services.role_claim_submit(user=citizen, role=roles["resident"], evidence="x")
    with pytest.raises(ValidationError, match="future"):
        services.role_claim_verify(claim_id=claim.pk, planner=planner,
                                   expires_at=timezone.now() - timedelta(days=1))


def test_revoking_a_verification_needs_a_verified_claim(citizen, planner, roles):
    claim = services.role_claim_submit(user=citizen, role=roles["resident"], evidence="x")
    with pytest.raises(services.ClaimAlreadyDecided):
        services.role_claim_revoke(claim_id=claim.pk, planner=planner, reason="Moved away.")
    services.role_claim_verify(claim_id=claim.pk, planner=planner)
    claim = services.role_claim_revoke(claim_id=claim.pk, planner=planner, reason="Moved away.")
    assert claim.status == ClaimStatus.REJECTED


def test_a_citizen_withdraws_only_their_own_open_claim(citizen, outsider, roles):
    claim = services.role_claim_submit(user=citizen, role=roles["resident"], evidence="x")
    with pytest.raises(ValidationError):
        services.role_claim_withdraw(claim_id=claim.pk, user=outsider)
    services.role_claim_withdraw(claim_id=claim.pk, user=citizen)
    assert RoleClaim.objects.get(pk=claim.pk).status == ClaimStatus.WITHDRAWN
    with pytest.raises(ValidationError):
        services.role_claim_withdraw(claim_id=claim.pk, user=citizen)


def test_expiry_marks_only_verified_claims_past_their_date(roles, planner):
    now = timezone.now()
    past = claim_make(user_make(), roles["resident"], status=ClaimStatus.VERIFIED,
                      decided_by=planner, decided_at=now - timedelta(days=10),
                      expires_at=now - timedelta(days=1))
    future = claim_make(user_make(), roles["resident"], status=ClaimStatus.VERIFIED,
                        decided_by=planner, expires_at=now + timedelta(days=1))
    forever = claim_make(user_make(), roles["expert"], status=ClaimStatus.VERIFIED,
                         decided_by=planner)
    pending = claim_make(user_make(), roles["resident"])
    assert services.role_claims_expire(now=now) == 1
    assert services.role_claims_expire(now=now) == 0  # idempotent
    statuses = dict(RoleClaim.objects.values_list("pk", "status"))
    assert statuses == {past.pk: "expired", future.pk: "verified", forever.pk: "verified",
                        pending.pk: "pending"}
