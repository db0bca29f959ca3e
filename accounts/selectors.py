"""Reads about users and their roles. The voting-weight rule lives here.

The rule (docs/voting-weights.md): a user's weight is the **highest** weight among
their verified, unexpired roles, the weights being the project's (or, where the
project sets none, each role's default). Weights never add up: holding three
roles does not triple a vote. Equal weights are broken by the role's position, so
the recorded role is deterministic. A user with no such role gets the project's
weight for unverified participants (0 means they may not vote).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import RoleClaim, StakeholderRole, User


@dataclass(frozen=True)
class WeightResolution:
    role: StakeholderRole | None
    weight: Decimal


def user_verified_roles(*, user: User, at: datetime | None = None,
                        municipality_id: int | None = None) -> QuerySet[StakeholderRole]:
    """The roles for which `user` holds a verified claim in force at `at` (of one
    municipality, when `municipality_id` names it)."""
    claims = RoleClaim.objects.in_force(at).filter(user=user)
    roles = StakeholderRole.objects.filter(claims__in=claims)
    if municipality_id is not None:
        roles = roles.filter(municipality_id=municipality_id)
    return roles.distinct()


def voting_weight_resolve(
    *,
    user: User,
    role_weights: Mapping[int, Decimal] | None = None,
    unverified_weight: Decimal = Decimal("0"),
    at: datetime | None = None,
    municipality_id: int | None = None,
) -> WeightResolution:
    """Turn the user's verified roles at `at` into one weight (the rule above).

    `role_weights` maps role ids to a project's weights; a role missing from it
    counts with its default weight. `municipality_id` is the project's municipality:
    only its roles count (a resident of one city is a participant without a role in
    another's project); None counts every role (the rule alone, in its tests).
    """
    at = at or timezone.now()
    role_weights = role_weights or {}
    best: WeightResolution | None = None
    for role in user_verified_roles(user=user, at=at, municipality_id=municipality_id
                                    ).order_by("position", "pk"):
        weight = Decimal(role_weights.get(role.pk, role.default_weight))
        # Strictly greater: on a tie the role listed first (lower position) stays.
        if best is None or weight > best.weight:
            best = WeightResolution(role=role, weight=weight)
    return best or WeightResolution(role=None, weight=Decimal(unverified_weight))


def role_claims_for_user(*, user: User) -> QuerySet[RoleClaim]:
    return RoleClaim.objects.filter(user=user).select_related("role").order_by("-created_at")


def role_claims_pending() -> QuerySet[RoleClaim]:
    """The verification queue, oldest first."""
    return RoleClaim.objects.pending().select_related("user", "role").order_by("created_at")
