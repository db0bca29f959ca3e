"""What voting holds about a person, for their export and erasure
(accounts/privacy_registry.py): their votes.

Erasure keeps each vote, with its value, role and weight, and takes the voter off it
(user becomes NULL; the database's vote trigger allows exactly that change at any
time), so that no tally and no published result changes. Registered by
`VotingConfig.ready()`.
"""

from __future__ import annotations

from accounts.privacy_registry import PrivacySection, iso_or_none, privacy_section_register
from voting.models import Vote


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
