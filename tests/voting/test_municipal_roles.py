"""Roles are each municipality's: a weight names only a role of its project's
municipality (the database refuses any other), a vote's weight comes only from roles of
the project's municipality, and a claim is filed only for a role of the municipality
being served."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import ClaimStatus
from accounts.selectors import voting_weight_resolve
from accounts.services import role_claim_submit
from core import tenancy
from municipalities.models import Municipality
from tests.factories import claim_make, project_make, proposal_make, role_make, user_make
from voting.models import ProjectVoting, RoleWeight
from voting.services import vote_cast, vote_cast_readable

pytestmark = pytest.mark.django_db


@pytest.fixture
def cambridge(db):
    return Municipality.objects.create(slug="cambridge", name="Cambridge")


@pytest.fixture
def barcelona_vote(db):
    def rules(project):
        ProjectVoting.objects.create(project=project, unverified_weight=Decimal("1"))

    project = project_make("bcn-vote", phase="voting", before_phases=rules)
    return proposal_make(project, user_make("bcn-author"), title="Benches")


@pytest.fixture
def cambridge_resident(cambridge):
    """A verified resident of Cambridge, whose role weighs 5 there."""
    with tenancy.working_for(cambridge):
        role = role_make("resident", "5")
    voter = user_make("cam-voter")
    claim_make(voter, role, status=ClaimStatus.VERIFIED)
    return voter, role


@pytest.mark.quality("tenant-walls")
def test_a_weight_naming_another_municipalitys_role_is_refused_by_the_database(
        cambridge, barcelona_vote):
    with tenancy.working_for(cambridge):
        foreign = role_make("cam-resident", "3")
    project = project_make("bcn-later", phase=None)
    with pytest.raises(IntegrityError, match="not one of the municipality"), \
            transaction.atomic():
        RoleWeight.objects.create(project=project, role=foreign, weight=Decimal("2"))
    own = role_make("bcn-resident", "3")
    RoleWeight.objects.create(project=project, role=own, weight=Decimal("2"))  # accepted


def test_a_role_made_later_is_pinned_only_in_its_own_municipalitys_projects(
        cambridge, barcelona_vote):
    with tenancy.working_for(cambridge):
        role = role_make("late", "3")
    assert not RoleWeight.objects.filter(role=role).exists()
    own = role_make("bcn-late", "3")
    assert RoleWeight.objects.filter(role=own, project=barcelona_vote.project).exists()


def test_the_weight_rule_counts_only_the_projects_municipalitys_roles(
        cambridge_resident, barcelona_vote, cambridge):
    voter, role = cambridge_resident
    project = barcelona_vote.project
    elsewhere = voting_weight_resolve(user=voter, unverified_weight=Decimal("1"),
                                      municipality_id=project.municipality_id)
    assert elsewhere.role is None and elsewhere.weight == Decimal("1")
    at_home = voting_weight_resolve(user=voter, municipality_id=cambridge.pk)
    assert at_home.role == role and at_home.weight == Decimal("5")


@pytest.mark.parametrize("path", ["one statement", "step by step"])
@pytest.mark.quality("tenant-walls")
def test_a_cambridge_resident_votes_in_barcelona_as_a_participant_without_a_role(
        cambridge_resident, barcelona_vote, path):
    voter, _role = cambridge_resident
    if path == "one statement":
        vote = vote_cast_readable(user=voter, proposal_id=barcelona_vote.pk, value=1)
    else:
        vote = vote_cast(user=voter, proposal=barcelona_vote, value=1)
    assert vote is not None and vote.role is None and vote.weight == Decimal("1")


def test_the_one_statement_vote_reaches_no_proposal_of_another_municipality(
        cambridge, barcelona_vote):
    voter = user_make("bcn-voter")
    with tenancy.working_for(cambridge):
        assert vote_cast_readable(user=voter, proposal_id=barcelona_vote.pk, value=1) is None
    assert vote_cast_readable(user=voter, proposal_id=barcelona_vote.pk, value=1) is not None


def test_a_claim_is_filed_only_for_a_role_of_the_municipality_served(cambridge):
    with tenancy.working_for(cambridge):
        foreign = role_make("cam-expert", "2")
    citizen = user_make("claimer")
    own = role_make("bcn-expert", "2")
    barcelona = Municipality.objects.get(is_default=True)
    with tenancy.working_for(barcelona):
        with pytest.raises(ValidationError, match="not one of this municipality"):
            role_claim_submit(user=citizen, role=foreign, evidence="I live there.")
        assert role_claim_submit(user=citizen, role=own, evidence="I live here.").pk
