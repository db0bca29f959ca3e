"""Stakeholder roles in the Django admin go through `accounts.services.role_save`: each
addition or change is one audit entry of what changed, a refusal is a message with
nothing saved, and a new default weight leaves the projects whose voting has opened
with the weight they published (the database pins it)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import StakeholderRole
from audit.models import AuditEntry
from tests.factories import project_make, role_make
from voting.selectors import project_weights

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner_client(planner):
    client = Client()
    client.force_login(planner)
    return client


def role_form(role: StakeholderRole | None = None, **changes) -> dict:
    """The role's change form as the admin shows it, with `changes` typed in (the slug
    too, which a form that lets it change would need)."""
    data = {"name_en": "", "name_ca": "", "name_es": "", "description_en": "",
            "description_ca": "", "description_es": "", "default_weight": "1",
            "claim_validity_days": "", "position": "0", "is_active": "on"}
    if role is not None:
        data.update({column: getattr(role, column) or "" for column in data
                     if column.startswith(("name", "description"))})
        data.update(slug=role.slug, default_weight=str(role.default_weight),
                    claim_validity_days=role.claim_validity_days or "",
                    position=str(role.position))
    data.update(changes)
    return data


def test_changing_a_role_in_the_admin_writes_the_services_entry(planner_client, planner):
    expert = role_make("expert", "2")
    response = planner_client.post(
        reverse("admin:accounts_stakeholderrole_change", args=[expert.pk]),
        role_form(expert, default_weight="2.5", name_ca="Persona experta",
                  claim_validity_days="365"))
    assert response.status_code == 302, response.context["errors"]
    expert.refresh_from_db()
    assert (expert.default_weight, expert.name_ca, expert.claim_validity_days) == (
        Decimal("2.5"), "Persona experta", 365)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor_id, entry.target_id) == ("role.update", planner.pk,
                                                              expert.pk)
    assert entry.details == {"default_weight": ["2.000", "2.500"],
                             "claim_validity_days": [None, 365],
                             "name_ca": ["", "Persona experta"]}


def test_adding_a_role_in_the_admin_writes_the_services_entry(planner_client):
    response = planner_client.post(reverse("admin:accounts_stakeholderrole_add"), role_form(
        slug="neighbour", name_en="Neighbour", default_weight="1.5", position="5"))
    assert response.status_code == 302, response.context["errors"]
    role = StakeholderRole.objects.get(slug="neighbour")
    assert (role.name, role.default_weight) == ("Neighbour", Decimal("1.5"))
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.target_id) == ("role.create", role.pk)
    assert entry.details["default_weight"] == [None, "1.500"]


def test_reordering_roles_in_the_admins_list_writes_the_services_entry(planner_client):
    expert = role_make("expert", "2", position=3)
    response = planner_client.post(reverse("admin:accounts_stakeholderrole_changelist"), {
        "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000", "form-0-id": expert.pk, "form-0-position": "7",
        "_save": "Save"})
    assert response.status_code == 302
    assert StakeholderRole.objects.get().position == 7
    assert AuditEntry.objects.get().details == {"position": [3, 7]}


@pytest.mark.quality("admin-second-write-path")
def test_what_role_save_refuses_is_a_message_and_nothing_changes(planner_client):
    expert = role_make("expert", "2")
    response = planner_client.post(
        reverse("admin:accounts_stakeholderrole_change", args=[expert.pk]),
        role_form(expert, default_weight="3", claim_validity_days="0"), follow=True)
    assert response.status_code == 200
    assert ("Give at least one day, or leave it empty: a verification then lasts until it "
            "is withdrawn.") in [str(m) for m in response.context["messages"]]
    expert.refresh_from_db()
    assert (expert.default_weight, expert.claim_validity_days) == (Decimal("2"), None)
    assert not AuditEntry.objects.exists()


def test_a_new_default_weight_leaves_projects_in_voting_with_theirs(planner_client):
    expert = role_make("expert", "2")
    voting = project_make("voting-now", phase="voting")
    later = project_make("later", phase="ideation")
    response = planner_client.post(
        reverse("admin:accounts_stakeholderrole_change", args=[expert.pk]),
        role_form(expert, default_weight="4"))
    assert response.status_code == 302
    assert project_weights(voting)[expert.pk] == Decimal("2")  # as published
    assert project_weights(later)[expert.pk] == Decimal("4")
    assert AuditEntry.objects.get().details == {"default_weight": ["2.000", "4.000"]}


def test_a_roles_slug_stays_as_it_was_added(planner_client):
    expert = role_make("expert", "2")
    url = reverse("admin:accounts_stakeholderrole_change", args=[expert.pk])
    assert 'name="slug"' not in planner_client.get(url).content.decode()
    planner_client.post(url, role_form(expert, slug="specialist", name_en="Specialist"))
    expert.refresh_from_db()
    assert (expert.slug, expert.name) == ("expert", "Specialist")
