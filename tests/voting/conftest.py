"""A project in its voting phase, with proposals and voters in each role."""

import pytest

from accounts.models import ClaimStatus
from tests.factories import claim_make, project_make, proposal_make, role_make, user_make


def verified(user, role, planner):
    claim_make(user, role, status=ClaimStatus.VERIFIED, decided_by=planner)
    return user


@pytest.fixture
def voting_project(db, voters):
    # The roles first: a role created after voting opened is not in the published
    # weights, and the database pins it at the weight of unverified participants.
    return project_make("vote-now", phase="voting")


@pytest.fixture
def ballot(voting_project):
    """Three published proposals of the voting project."""
    author = user_make("proposer")
    return [proposal_make(voting_project, author, title=f"Idea {i}") for i in range(3)]


@pytest.fixture
def voters(db, planner):
    """resident (1), business (1), expert (2) and a citizen with no verified role."""
    resident = role_make("resident", "1", position=10)
    business = role_make("business-owner", "1", position=20)
    expert = role_make("expert", "2", position=30)
    return {
        "resident": verified(user_make("res"), resident, planner),
        "business": verified(user_make("biz"), business, planner),
        "expert": verified(user_make("exp"), expert, planner),
        "nobody": user_make("nobody"),
        "roles": {"resident": resident, "business": business, "expert": expert},
    }
