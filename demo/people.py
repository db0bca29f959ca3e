"""The demo's people: the stakeholder roles, and one user for each persona.

Each persona with a role files a claim that the demo planner verifies, through the same
services as the site, so the demo's verified roles look like real ones. Everything is
made only when missing: a reload keeps the users, their passwords and their claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from accounts import services as account_services
from accounts.groups import PLANNER_GROUP
from accounts.models import RoleClaim, StakeholderRole, User
from municipalities.selectors import municipality_default

DEMO_PASSWORD = "plaza-demo-2026"  # noqa: S105 - published on purpose, see README

# (slug, name, description, default weight, days a verified claim lasts, position)
ROLES = [
    ("resident", "Resident", "Lives in the project area.", "1.000", 730, 10),
    ("business-owner", "Business owner", "Runs a business in the project area.",
     "1.000", 365, 20),
    ("expert", "Expert or architect", "Registered professional in planning, architecture "
     "or engineering.", "2.000", None, 30),
    ("civil-society", "Civil-society organisation", "Speaks for a registered association "
     "active in the area.", "1.500", 365, 40),
]


@dataclass(frozen=True)
class Persona:
    username: str
    display_name: str
    role_slug: str | None = None
    planner: bool = False
    superuser: bool = False


PERSONAS = [
    Persona("citizen", "Carla Citizen"),
    Persona("resident", "Rafael Resident", role_slug="resident"),
    Persona("business", "Berta Business-owner", role_slug="business-owner"),
    Persona("expert", "Elena Expert", role_slug="expert"),
    Persona("planner", "Pau Planner", planner=True),
    Persona("admin", "Site administrator", planner=True, superuser=True),
]


def roles_ensure() -> dict[str, StakeholderRole]:
    """The demo's stakeholder roles by slug, made when missing."""
    roles = {}
    for slug, name, description, weight, days, position in ROLES:
        roles[slug], _ = StakeholderRole.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "description": description,
                      "default_weight": Decimal(weight), "claim_validity_days": days,
                      "position": position},
        )
    return roles


def persona_user(persona: Persona) -> User:
    """The persona's user, with the published password and a confirmed address (so the
    log-in works at once); planners are in the planners' group."""
    user, created = User.objects.get_or_create(
        username=persona.username,
        defaults={"display_name": persona.display_name,
                  "email": f"{persona.username}@demo.plaza.invalid",
                  "is_staff": persona.planner, "is_superuser": persona.superuser},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if persona.planner:
        user.groups.add(Group.objects.get(name=PLANNER_GROUP))
        if user.planner_municipality_id is None:
            user.planner_municipality = municipality_default()
            user.save(update_fields=["planner_municipality"])
    return user


def _role_verify(user: User, role: StakeholderRole, planner: User, evidence: str) -> None:
    """Claim the role and have the planner verify it, unless a claim is in force; a
    pending claim left by an interrupted load is verified rather than filed again."""
    if RoleClaim.objects.in_force().filter(user=user, role=role).exists():
        return
    claim = RoleClaim.objects.pending().filter(user=user, role=role).first()
    claim = claim or account_services.role_claim_submit(user=user, role=role,
                                                        evidence=evidence)
    account_services.role_claim_verify(claim_id=claim.pk, planner=planner)


def personas_load() -> dict[str, User]:
    """The roles and every persona's user, each role verified; users by username."""
    roles = roles_ensure()
    users = {persona.username: persona_user(persona) for persona in PERSONAS}
    for persona in PERSONAS:
        if persona.role_slug:
            _role_verify(users[persona.username], roles[persona.role_slug], users["planner"],
                         evidence=f"Demo persona: {persona.display_name}.")
    return users
