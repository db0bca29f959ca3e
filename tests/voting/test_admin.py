"""Weights and results changed in the Django admin go to the audit log, like those set in
the dashboard; once voting has opened, the admin refuses and logs nothing."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from tests.factories import project_make, role_make, user_make
from voting.models import ProjectVoting, RoleWeight

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(planner):
    client = Client()
    client.force_login(user_make("root", is_staff=True, is_superuser=True))
    return client


def test_a_weight_changed_in_the_admin_is_logged_with_before_and_after(admin_client):
    project = project_make("later", phase="ideation")
    expert = role_make("expert", "2")
    weight = RoleWeight.objects.create(project=project, role=expert, weight=Decimal("2"))
    response = admin_client.post(
        reverse("admin:voting_roleweight_change", args=[weight.pk]),
        {"project": project.pk, "role": expert.pk, "weight": "3.5"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.project_id, entry.actor_name) == ("weights.set", project.pk,
                                                                   "root")
    assert entry.details == {"weights": {"expert": ["2.000", "3.5"]}}


def test_publishing_results_and_deleting_a_weight_are_logged(admin_client):
    project = project_make("later", phase="ideation")
    rules = ProjectVoting.objects.create(project=project, unverified_weight=Decimal("0"))
    admin_client.post(reverse("admin:voting_projectvoting_change", args=[rules.pk]),
                      {"project": project.pk, "unverified_weight": "0",
                       "results_public": "on"})
    weight = RoleWeight.objects.create(project=project, role=role_make("resident"),
                                       weight=Decimal("1"))
    admin_client.post(reverse("admin:voting_roleweight_delete", args=[weight.pk]),
                      {"post": "yes"})
    assert not RoleWeight.objects.exists()
    assert list(AuditEntry.objects.order_by("pk").values_list("action", "details")) == [
        ("project.update", {"results_public": ["False", "True"]}),
        ("weights.set", {"deleted": "Resident: 1.000"}),
    ]


def test_once_voting_opened_the_admin_refuses_and_logs_nothing(admin_client):
    expert = role_make("expert")
    project = project_make("voting-now", phase="voting")
    response = admin_client.post(reverse("admin:voting_roleweight_add"),
                                 {"project": project.pk, "role": expert.pk, "weight": "9"})
    assert response.status_code == 200
    assert "frozen" in response.content.decode()
    assert not RoleWeight.objects.exists() and not AuditEntry.objects.exists()
