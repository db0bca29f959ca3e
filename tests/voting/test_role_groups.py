"""Results by role never show a group of fewer than PLAZA_MIN_GROUP_SIZE voters: small
groups are merged into "Other roles" (voting/groups.py), on the tallies API and the
results page; a group at the threshold is shown; the totals count every vote."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import ClaimStatus
from tests.factories import claim_make, project_make, proposal_make, role_make, user_make
from voting.groups import OTHER_ROLES, role_groups_merge
from voting.models import ProjectVoting
from voting.services import vote_cast


def group(role: str, voters: int) -> dict:
    return {"role": role, "voters": voters, "supporters": voters, "opponents": 0,
            "abstentions": 0, "support_weight": Decimal(voters), "oppose_weight": Decimal(0)}


@pytest.mark.quality("small-role-groups")
def test_groups_below_the_threshold_are_merged_into_other_roles():
    shown = role_groups_merge([group("Resident", 6), group("Expert", 3), group("Civil", 2)],
                              min_size=5)
    assert [(r["role"], r["voters"]) for r in shown.rows] == [("Resident", 6), (OTHER_ROLES, 5)]
    assert shown.merged == ["Expert", "Civil"] and not shown.withheld
    assert shown.rows[1]["support_weight"] == Decimal(5)


@pytest.mark.quality("small-role-groups")
def test_a_group_at_the_threshold_is_shown_on_its_own():
    shown = role_groups_merge([group("Resident", 5), group("Expert", 5)], min_size=5)
    assert [(r["role"], r["voters"]) for r in shown.rows] == [("Resident", 5), ("Expert", 5)]
    assert shown.merged == [] and not shown.changed


@pytest.mark.quality("small-role-groups")
def test_a_merged_group_still_too_small_takes_in_the_smallest_group_shown():
    # Hiding "Expert" (2) alone would let anyone find it: totals minus the rows shown.
    shown = role_groups_merge([group("Resident", 9), group("Business", 6), group("Expert", 2)],
                              min_size=5)
    assert [(r["role"], r["voters"]) for r in shown.rows] == [("Resident", 9), (OTHER_ROLES, 8)]
    assert shown.merged == ["Business", "Expert"]


@pytest.mark.quality("small-role-groups")
def test_when_every_group_is_too_small_no_breakdown_is_shown():
    shown = role_groups_merge([group("Resident", 3), group("Expert", 1)], min_size=5)
    assert shown.rows == [] and shown.withheld


@pytest.fixture
def groups(db, planner):
    """One proposal with voters by role: resident 6, business 5 (the threshold), expert
    2 and civil society 3 (merged: 5). Everyone supports it but the experts."""
    sizes = {("resident", "1", 10): 6, ("business-owner", "1", 20): 5,
             ("expert", "2", 30): 2, ("civil-society", "1.5", 40): 3}
    # The roles before the vote opens: a role created later does not count in it.
    roles = {key: role_make(key[0], key[1], position=key[2]) for key in sizes}
    project = project_make("groups", phase="voting", before_phases=lambda p: (
        ProjectVoting.objects.create(project=p, results_public=True)))
    proposal = proposal_make(project, user_make("author"), title="Shade trees")
    for (slug, weight, position), count in sizes.items():
        role = roles[(slug, weight, position)]
        for n in range(count):
            user = user_make(f"{slug}{n}")
            claim_make(user, role, status=ClaimStatus.VERIFIED, decided_by=planner)
            vote_cast(user=user, proposal=proposal, value=-1 if slug == "expert" else 1)
    return {"project": project, "proposal": proposal}


@pytest.mark.quality("small-role-groups")
def test_the_tally_api_merges_small_groups_and_keeps_the_totals_exact(client, groups):
    body = client.get(reverse("api:proposal-tally", args=[groups["proposal"].pk])).json()
    assert [(r["role"], r["voters"]) for r in body["roles"]] == [
        ("Resident", 6), ("Business Owner", 5), (OTHER_ROLES, 5)]
    assert body["role_groups"] == {"min_size": 5, "merged": ["Expert", "Civil Society"],
                                   "withheld": False}
    # The totals count every vote, the experts' 2 against (weight 2) among them.
    assert (body["supporters"], body["opponents"]) == (14, 2)
    assert (body["support_weight"], body["oppose_weight"]) == ("15.500", "4.000")


def test_with_a_lower_threshold_the_api_shows_every_role(client, groups, settings):
    settings.PLAZA_MIN_GROUP_SIZE = 2
    body = client.get(reverse("api:proposal-tally", args=[groups["proposal"].pk])).json()
    assert [r["role"] for r in body["roles"]] == [
        "Resident", "Business Owner", "Expert", "Civil Society"]
    assert body["role_groups"]["merged"] == []


@pytest.mark.quality("small-role-groups")
def test_the_results_page_merges_small_groups_and_says_so(client, groups):
    html = client.get(reverse("voting:results", args=[groups["project"].slug])).content.decode()
    assert "Other roles" in html and "Other roles: Expert, Civil Society." in html
    assert ("Roles with fewer than 5 voters on a proposal are merged into “Other roles” so "
            "that no one's ballot can be inferred") in html
    bars = {role: f'aria-label="{role}: support' in html
            for role in ("Resident", "Business Owner", "Expert", "Civil Society", "Other roles")}
    assert bars == {"Resident": True, "Business Owner": True, "Expert": False,
                    "Civil Society": False, "Other roles": True}


def test_the_results_page_shows_every_role_when_none_is_small(client, groups, settings):
    settings.PLAZA_MIN_GROUP_SIZE = 2
    html = client.get(reverse("voting:results", args=[groups["project"].slug])).content.decode()
    assert 'aria-label="Expert: support' in html
    assert "Other roles" not in html and "merged into" not in html
