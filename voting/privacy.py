"""What voting holds about a person, for their export and erasure
(accounts/privacy_registry.py): their votes, budget ballots and assessments.

Erasure keeps each vote, with its value, role and weight, and takes the voter off it
(user becomes NULL; the database's vote trigger allows exactly that change at any
time), so that no tally and no published result changes. Registered by
`VotingConfig.ready()`.
"""

from __future__ import annotations

from accounts.privacy_registry import PrivacySection, iso_or_none, privacy_section_register
from voting.models import Assessment, Assessor, Ballot, Vote


def _votes_export(user) -> list:
    return [
        {"proposal": v.proposal_id, "proposal_title": v.proposal.title,
         "value": v.value, "weight": str(v.weight),
         "role": v.role.name if v.role else None,
         "cast_at": iso_or_none(v.created_at), "changed_at": iso_or_none(v.updated_at)}
        for v in Vote.objects.filter(user=user).select_related("proposal", "role")
        .order_by("pk")]


def _votes_erase(user) -> None:
    Vote.objects.filter(user=user).update(user=None)


privacy_section_register(PrivacySection(
    name="votes", order=60, export=_votes_export, erase=_votes_erase,
    covers=("voting.Vote.user",)))


def _ballots_export(user) -> list:
    return [
        {"project": b.project_id, "project_title": b.project.title,
         "budget": str(b.budget), "proposals": list(b.proposals), "weight": str(b.weight),
         "role": b.role.name if b.role else None,
         "cast_at": iso_or_none(b.created_at), "changed_at": iso_or_none(b.updated_at)}
        for b in Ballot.objects.filter(user=user)
        .select_related("project", "budget__area", "role").order_by("pk")]


def _ballots_erase(user) -> None:
    # As a vote: the ballot keeps counting, without its voter (the ballot trigger allows
    # exactly that change at any time).
    Ballot.objects.filter(user=user).update(user=None)


def _assessing_export(user) -> dict:
    return {
        "assessor_of": [a.project_id for a in Assessor.objects.filter(user=user)],
        "assessed": [{"proposal": a.proposal_id, "cost": a.cost,
                      "feasibility": a.feasibility, "at": iso_or_none(a.updated_at)}
                     for a in Assessment.objects.filter(assessed_by=user).order_by("pk")],
    }


def _assessing_erase(user) -> None:
    # The assessment is the city's and stays; who made it is in the audit log's record.
    Assessment.objects.filter(assessed_by=user).update(assessed_by=None)
    Assessor.objects.filter(user=user).delete()


privacy_section_register(PrivacySection(
    name="budget_ballots", order=62, export=_ballots_export, erase=_ballots_erase,
    covers=("voting.Ballot.user",)))
privacy_section_register(PrivacySection(
    name="budget_assessments", order=64, export=_assessing_export, erase=_assessing_erase,
    covers=("voting.Assessment.assessed_by", "voting.Assessor.user")))
