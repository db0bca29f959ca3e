"""The worker's e-mails link to the municipality of what they are about: its /<slug>/
prefix under SITE_URL, or its own host name, whichever municipality the sender was
serving (read from the real outbox)."""

import re

import pytest
from django.core import mail
from django.urls import get_script_prefix, set_script_prefix

from accounts.models import ClaimStatus
from accounts.services import role_claim_notify_decision
from core import tenancy
from municipalities.models import Municipality
from proposals import comment_services
from tests.factories import (
    claim_make,
    project_make,
    proposal_make,
    role_make,
    user_make,
)
from tests.notifications.delivery_helpers import fan_out_all, send_immediate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://plaza.example.org"


@pytest.fixture
def cambridge(db):
    return Municipality.objects.create(slug="cambridge", name="Cambridge")


def _comment_in(municipality):
    with tenancy.working_for(municipality):
        project = project_make("benches")
        proposal = proposal_make(project, user_make(), title="Benches")
        return proposal, comment_services.comment_create(proposal=proposal, author=user_make(),
                                                         body="Yes, by the river.")


def comment_notify_proposal_author(comment_id: int) -> bool:
    """The worker's work for a new comment: its notifications, then the author's e-mail."""
    fan_out_all()
    return send_immediate() == 1


def _links() -> list[str]:
    [message] = mail.outbox
    return re.findall(r"https?://[^\s<>\"]+", message.body)


@pytest.mark.quality("tenant-walls")
def test_a_comment_e_mail_links_to_the_prefix_of_the_projects_municipality(cambridge):
    proposal, comment = _comment_in(cambridge)
    assert comment_notify_proposal_author(comment_id=comment.pk)
    assert f"https://plaza.example.org/cambridge/proposals/{proposal.pk}/#comments" \
        in _links()
    assert any(link.startswith("https://plaza.example.org/cambridge/unsubscribe/")
               for link in _links())


def test_a_municipality_with_a_host_name_is_linked_there(cambridge):
    cambridge.host = "participa.cambridge.example"
    cambridge.save()
    proposal, comment = _comment_in(cambridge)
    assert comment_notify_proposal_author(comment_id=comment.pk)
    assert f"https://participa.cambridge.example/proposals/{proposal.pk}/#comments" \
        in _links()


def test_the_default_municipality_keeps_its_links_whatever_is_being_served(cambridge):
    proposal, comment = _comment_in(Municipality.objects.get(is_default=True))
    previous = get_script_prefix()
    set_script_prefix("/cambridge/")  # sent from a request to Cambridge (a task run eagerly)
    try:
        assert comment_notify_proposal_author(comment_id=comment.pk)
    finally:
        set_script_prefix(previous)
    assert f"https://plaza.example.org/proposals/{proposal.pk}/#comments" in _links()
    assert get_script_prefix() == previous


def test_a_claim_decision_links_to_the_roles_municipality(cambridge):
    with tenancy.working_for(cambridge):
        role = role_make("resident")
    claim = claim_make(user_make("resident"), role, status=ClaimStatus.VERIFIED)
    assert role_claim_notify_decision(claim_id=claim.pk)
    assert "https://plaza.example.org/cambridge/accounts/profile/" in _links()
