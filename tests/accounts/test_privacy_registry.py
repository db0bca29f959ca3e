"""A person's data is answered for, app by app (accounts/privacy_registry.py).

Every relation to the user model is either covered by a registered section, which
exports it and erases it, or is a record kept on purpose, named in `KEPT` with why. A
new foreign key to the user (a new app's, or a new field of an old one) that is neither
fails here: the app must register a section in its `privacy.py`, or say here why the
row outlives the person.
"""

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

from accounts.privacy_registry import (
    PrivacySection,
    personal_data_export,
    privacy_section_register,
    privacy_sections,
)
from tests.factories import user_make

# Rows that record a planner's act, not the person's own data: not exported; erasure
# keeps the row and its foreign key's SET NULL takes the name off.
KEPT = {
    "accounts.RoleClaim.decided_by":
        "the decision on someone else's claim is a public authority's act about that "
        "person, which they may contest; only the deciding planner's name goes",
    "reports.DecisionReport.requested_by":
        "a decision report is about a project and may be published; who asked for it "
        "is not the planner's own data",
    "gisdata.Dataset.created_by":
        "who registered an open-data source is a work record; gisdata stands beside "
        "accounts and could not register a section anyway",
    "gisdata.ImportRun.created_by":
        "the same for who started an import of it",
    "energy.SimulationRun.requested_by":
        "who asked for a community's simulation is a planner's work record; the run "
        "holds the community's sums, not the planner's data",
}


def relations_to_the_user() -> dict[str, models.ForeignKey]:
    """Every foreign key (one-to-one and many-to-many tables included) to the user."""
    user_model = get_user_model()
    found = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy:  # its table is its concrete model's, walked already
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is user_model:
                found[f"{model._meta.label}.{field.name}"] = field
    return found


def covered() -> dict[str, str]:
    return {relation: section.name
            for section in privacy_sections() for relation in section.covers}


@pytest.mark.quality("forgotten-personal-data")
def test_every_relation_to_a_person_is_exported_and_erased_or_kept_on_purpose():
    forgotten = set(relations_to_the_user()) - set(covered()) - set(KEPT)
    assert forgotten == set(), (
        "These point at a user but no app's privacy.py covers them and KEPT does not "
        f"say why they stay: {sorted(forgotten)}")


def test_sections_and_kept_name_only_real_relations_and_never_both():
    real = set(relations_to_the_user())
    assert set(covered()) - real == set()
    assert set(KEPT) - real == set()
    assert set(covered()) & set(KEPT) == set()
    assert all(reason.strip() for reason in KEPT.values())


def test_a_kept_record_loses_the_name_when_the_person_is_erased():
    relations = relations_to_the_user()
    assert {relation: relations[relation].remote_field.on_delete for relation in KEPT} == {
        relation: models.SET_NULL for relation in KEPT}


@pytest.mark.django_db
def test_the_export_gives_its_sections_in_a_fixed_order():
    data = personal_data_export(user=user_make("marta"))
    assert list(data) == ["format", "exported_at", "profile", "email_addresses",
                          "role_claims", "proposals", "comments", "votes",
                          "budget_ballots", "budget_assessments", "energy_pledges",
                          "reports_of_content", "follows", "notifications",
                          "notification_preferences"]


def test_a_second_section_with_a_taken_name_or_place_is_refused():
    votes = next(s for s in privacy_sections() if s.name == "votes")
    privacy_section_register(votes)  # the same section again (an import twice): no change
    for clash in (PrivacySection(name="votes", order=999, covers=(), export=len, erase=len),
                  PrivacySection(name="ballots", order=votes.order, covers=(),
                                 export=len, erase=len)):
        with pytest.raises(ValueError, match="clashes"):
            privacy_section_register(clash)
    assert [s.name for s in privacy_sections()].count("votes") == 1
    assert "ballots" not in [s.name for s in privacy_sections()]
