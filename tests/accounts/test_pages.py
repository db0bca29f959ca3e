"""The citizen's pages and the planner's screens, with who may see what."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import services
from accounts.models import ClaimStatus, RoleClaim
from tests.factories import user_make

pytestmark = pytest.mark.django_db


def test_the_profile_asks_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.quality("stored-xss")
def test_the_profile_shows_claims_and_escapes_what_users_wrote(client, citizen, planner,
                                                                roles):
    citizen.display_name = "<script>alert('x')</script>"
    citizen.save()
    claim = services.role_claim_submit(user=citizen, role=roles["resident"], evidence="x")
    services.role_claim_reject(claim_id=claim.pk, planner=planner,
                               reason="<img src=x onerror=alert(1)>")
    client.force_login(citizen)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Rejected" in html


def test_a_citizen_files_a_claim_with_a_document(client, citizen, roles):
    client.force_login(citizen)
    response = client.post(reverse("accounts:claim-create"), {
        "role": roles["resident"].pk, "evidence": "I live at Carrer Gran 1",
        "evidence_file": SimpleUploadedFile("bill.pdf", b"%PDF-1.7 bill", "application/pdf"),
    })
    assert response.status_code == 302
    claim = RoleClaim.objects.get(user=citizen)
    assert claim.status == ClaimStatus.PENDING and claim.evidence_file


def test_a_second_claim_for_the_same_role_shows_an_error_and_saves_nothing(client, citizen,
                                                                            roles):
    client.force_login(citizen)
    data = {"role": roles["resident"].pk, "evidence": "I live here"}
    client.post(reverse("accounts:claim-create"), data)
    response = client.post(reverse("accounts:claim-create"), data)
    assert response.status_code == 400
    assert "already have an open claim" in response.content.decode()
    assert RoleClaim.objects.filter(user=citizen).count() == 1


@pytest.mark.quality("mass-assignment")
def test_a_citizen_cannot_set_the_status_or_decider_of_their_claim(client, citizen, roles):
    client.force_login(citizen)
    client.post(reverse("accounts:claim-create"), {
        "role": roles["expert"].pk, "evidence": "architect", "status": "verified",
        "decided_by": citizen.pk, "user": 999,
    })
    claim = RoleClaim.objects.get()
    assert (claim.status, claim.decided_by, claim.user) == ("pending", None, citizen)


@pytest.mark.quality("private-reports")
def test_evidence_is_served_to_its_owner_and_planners_only(client, citizen, outsider,
                                                            planner, roles):
    claim = services.role_claim_submit(
        user=citizen, role=roles["resident"], evidence="bill",
        evidence_file=SimpleUploadedFile("b.pdf", b"%PDF-1.4 secret", "application/pdf"))
    url = reverse("accounts:claim-evidence", args=[claim.pk])
    assert client.get(url).status_code == 302  # anonymous: log in first
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    for user in (citizen, planner):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"%PDF-1.4 secret"
        assert response["Cache-Control"] == "private, no-store"


@pytest.mark.quality("another-users-row")
def test_withdrawing_needs_a_post_and_ones_own_claim(client, citizen, outsider, roles):
    claim = services.role_claim_submit(user=citizen, role=roles["resident"], evidence="x")
    url = reverse("accounts:claim-withdraw", args=[claim.pk])
    client.force_login(outsider)
    client.post(url)
    assert RoleClaim.objects.get(pk=claim.pk).status == ClaimStatus.PENDING
    client.force_login(citizen)
    assert client.get(url).status_code == 405
    client.post(url)
    assert RoleClaim.objects.get(pk=claim.pk).status == ClaimStatus.WITHDRAWN


def test_the_decide_screen_is_for_planners_only(client, citizen, planner, roles):
    claim = services.role_claim_submit(user=citizen, role=roles["resident"], evidence="x")
    url = reverse("admin:accounts_roleclaim_decide", args=[claim.pk])
    client.force_login(citizen)
    assert client.post(url, {"decision": "verify"}).status_code == 302  # to the admin login
    staff_without_permission = user_make("clerk", is_staff=True)
    client.force_login(staff_without_permission)
    assert client.post(url, {"decision": "verify"}).status_code == 403
    assert RoleClaim.objects.get(pk=claim.pk).status == ClaimStatus.PENDING
    client.force_login(planner)
    assert client.get(url).status_code == 200
    response = client.post(url, {"decision": "verify"})
    assert response.status_code == 302
    assert RoleClaim.objects.get(pk=claim.pk).status == ClaimStatus.VERIFIED


def test_the_decide_screen_shows_why_a_decision_was_refused(client, citizen, planner, roles):
    claim = services.role_claim_submit(user=citizen, role=roles["resident"], evidence="x")
    client.force_login(planner)
    url = reverse("admin:accounts_roleclaim_decide", args=[claim.pk])
    response = client.post(url, {"decision": "reject", "reason": ""})
    assert response.status_code == 200
    assert "Give the citizen a reason" in response.content.decode()
    assert RoleClaim.objects.get(pk=claim.pk).status == ClaimStatus.PENDING


def test_the_admin_claim_page_does_not_let_a_planner_edit_the_status(client, citizen,
                                                                     planner, roles):
    claim = services.role_claim_submit(user=citizen, role=roles["resident"], evidence="x")
    client.force_login(planner)
    url = reverse("admin:accounts_roleclaim_change", args=[claim.pk])
    client.post(url, {"status": "verified"})
    assert RoleClaim.objects.get(pk=claim.pk).status == ClaimStatus.PENDING


def test_the_dashboard_lists_the_queue_for_planners_only(client, citizen, planner, roles):
    services.role_claim_submit(user=citizen, role=roles["resident"], evidence="x")
    url = reverse("dashboard:index")
    assert client.get(url).status_code == 302
    client.force_login(citizen)
    assert client.get(url).status_code == 403
    client.force_login(planner)
    response = client.get(url)
    assert response.status_code == 200
    assert "Carla" in response.content.decode()


@pytest.mark.parametrize("name", ["proposals:home", "account_login", "account_signup",
                                  "account_reset_password"])
def test_public_pages_answer(client, name):
    assert client.get(reverse(name)).status_code == 200
