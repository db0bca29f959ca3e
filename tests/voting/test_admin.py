"""Weights and results changed in the Django admin go through voting.services, like those
set in the dashboard: the service writes the audit entry, and once voting has opened it
refuses with a message on the admin's page, and nothing is saved or logged."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from tests.factories import project_make, role_make, user_make
from voting.models import ProjectVoting, RoleWeight

pytestmark = pytest.mark.django_db
FROZEN = "Voting has opened: the weights are frozen."


@pytest.fixture
def planner_client(planner):
    client = Client()
    client.force_login(planner)
    return client


@pytest.fixture
def root_client(db):
    client = Client()
    client.force_login(user_make("root", is_staff=True, is_superuser=True))
    return client


def test_a_weight_changed_in_the_admin_is_logged_by_the_service(planner_client, planner):
    project = project_make("later", phase="ideation")
    expert = role_make("expert", "2")
    weight = RoleWeight.objects.create(project=project, role=expert, weight=Decimal("2"))
    response = planner_client.post(
        reverse("admin:voting_roleweight_change", args=[weight.pk]), {"weight": "3.5"})
    assert response.status_code == 302
    assert RoleWeight.objects.get().weight == Decimal("3.5")
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.project_id, entry.actor_id) == ("weights.set", project.pk,
                                                                 planner.pk)
    assert entry.details == {"weights": {"expert": ["2.000", "3.5"]}}
    assert entry.reason == "Changed in the admin."


def test_a_weight_added_in_the_admin_is_logged_by_the_service(planner_client):
    project = project_make("later", phase="ideation")
    expert = role_make("expert", "2")
    response = planner_client.post(reverse("admin:voting_roleweight_add"),
                                   {"project": project.pk, "role": expert.pk, "weight": "4"})
    assert response.status_code == 302
    assert RoleWeight.objects.get().weight == Decimal("4")
    assert AuditEntry.objects.get().details == {"weights": {"expert": ["2.000", "4"]}}


def test_publishing_results_and_deleting_a_weight_are_logged(root_client):
    project = project_make("later", phase="ideation")
    rules = ProjectVoting.objects.create(project=project, unverified_weight=Decimal("0"))
    root_client.post(reverse("admin:voting_projectvoting_change", args=[rules.pk]),
                     {"unverified_weight": "0", "results_public": "on"})
    weight = RoleWeight.objects.create(project=project, role=role_make("resident"),
                                       weight=Decimal("3"))
    root_client.post(reverse("admin:voting_roleweight_delete", args=[weight.pk]),
                     {"post": "yes"})
    assert not RoleWeight.objects.exists()
    assert ProjectVoting.objects.get().results_public
    # Deleting the project's own weight: the role's default (1) applies again.
    assert list(AuditEntry.objects.order_by("pk").values_list("action", "details")) == [
        ("project.update", {"results_public": ["False", "True"]}),
        ("weights.set", {"weights": {"resident": ["3.000", "1.000"]}}),
    ]


def test_once_voting_opened_adding_a_weight_is_refused_with_a_message(planner_client):
    expert = role_make("expert")
    project = project_make("voting-now", phase="voting")
    response = planner_client.post(reverse("admin:voting_roleweight_add"),
                                   {"project": project.pk, "role": expert.pk, "weight": "9"},
                                   follow=True)
    assert response.status_code == 200
    assert FROZEN in [str(m) for m in response.context["messages"]]
    assert not RoleWeight.objects.exists() and not AuditEntry.objects.exists()


def _frozen_with_weights():
    """A project with an expert weight of 2 and an unverified weight of 0.5, set before
    its voting phase opened."""
    expert = role_make("expert")

    def rules(project):
        RoleWeight.objects.create(project=project, role=expert, weight=Decimal("2"))
        ProjectVoting.objects.create(project=project, unverified_weight=Decimal("0.5"))
    return project_make("voting-now", phase="voting", before_phases=rules)


@pytest.mark.quality("admin-second-write-path")
def test_once_voting_opened_changing_weights_in_the_admin_changes_nothing(planner_client):
    project = _frozen_with_weights()
    weight, rules = RoleWeight.objects.get(), ProjectVoting.objects.get()
    for url, data in [
        (reverse("admin:voting_roleweight_change", args=[weight.pk]), {"weight": "7"}),
        (reverse("admin:voting_projectvoting_change", args=[rules.pk]),
         {"unverified_weight": "1", "results_public": "on"}),
    ]:
        response = planner_client.post(url, data, follow=True)
        assert response.status_code == 200
        assert FROZEN in [str(m) for m in response.context["messages"]]
    # Nothing saved, not even results_public, which the same form also asked for.
    assert RoleWeight.objects.get().weight == Decimal("2")
    rules.refresh_from_db()
    assert (rules.unverified_weight, rules.results_public) == (Decimal("0.5"), False)
    assert not AuditEntry.objects.filter(project_id=project.pk).exists()


@pytest.mark.quality("admin-second-write-path")
def test_once_voting_opened_deleting_a_weight_in_the_admin_is_refused(root_client):
    _frozen_with_weights()
    weight = RoleWeight.objects.get()
    response = root_client.post(reverse("admin:voting_roleweight_delete", args=[weight.pk]),
                                {"post": "yes"}, follow=True)
    assert FROZEN in [str(m) for m in response.context["messages"]]
    response = root_client.post(reverse("admin:voting_roleweight_changelist"),
                                {"action": "delete_selected", "_selected_action": [weight.pk],
                                 "post": "yes"}, follow=True)
    assert FROZEN in [str(m) for m in response.context["messages"]]
    assert RoleWeight.objects.filter(pk=weight.pk).exists()
    assert not AuditEntry.objects.exists()


def test_results_may_be_published_after_voting_opened(planner_client, planner):
    project = _frozen_with_weights()
    rules = ProjectVoting.objects.get()
    response = planner_client.post(
        reverse("admin:voting_projectvoting_change", args=[rules.pk]),
        {"unverified_weight": "0.5", "results_public": "on"})
    assert response.status_code == 302
    assert ProjectVoting.objects.get().results_public
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.project_id, entry.actor_id, entry.details) == (
        "project.update", project.pk, planner.pk, {"results_public": ["False", "True"]})
