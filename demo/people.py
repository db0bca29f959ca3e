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
from demo.cities import REGION_SLUG
from municipalities.models import Municipality, Region
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
    # A planner plans for this municipality (its slug; None: the default one, Barcelona),
    # or, regional, sees every municipality of the demo's region without changing any.
    municipality: str | None = None
    regional: bool = False
    # A member of Prague's Bubeneč energy community, with a pledge on a real building
    # (demo/energy_bubenec.py).
    energy_member: bool = False


PERSONAS = [
    Persona("citizen", "Carla Citizen"),
    Persona("resident", "Rafael Resident", role_slug="resident"),
    Persona("business", "Berta Business-owner", role_slug="business-owner"),
    Persona("expert", "Elena Expert", role_slug="expert"),
    Persona("planner", "Pau Planner", planner=True),
    Persona("cambridge", "Casey Cambridge", planner=True, municipality="cambridge"),
    Persona("prague", "Petra Prague", planner=True, municipality="prague"),
    Persona("energy", "Eva Energy", role_slug="resident", energy_member=True),
    Persona("regional", "Rita Regional", planner=True, regional=True),
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
        _planner_place(user, persona)
    return user


def _planner_place(user: User, persona: Persona) -> None:
    """Where the planner plans, set once: a reload keeps what an administrator changed."""
    if user.planner_municipality_id is not None or user.planner_region_id is not None:
        return
    if persona.regional:
        user.planner_region = Region.objects.get(slug=REGION_SLUG)
    elif persona.municipality:
        user.planner_municipality = Municipality.objects.get(slug=persona.municipality)
    else:
        user.planner_municipality = municipality_default()
    user.save(update_fields=["planner_municipality", "planner_region"])


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
    """Every persona's user (users by username), and the roles of the municipality being
    served, each persona's verified by `planner`."""
    users = {persona.username: persona_user(persona) for persona in PERSONAS}
    roles_verify(users, planner=users["planner"])
    return users


def roles_verify(users: dict[str, User], *, planner: User) -> None:
    """The roles of the municipality being served (`core.tenancy.working_for`), and
    each persona's claim to theirs verified by that municipality's planner: the demo's
    people hold the same roles in every city, so weighted voting shows in each."""
    roles = roles_ensure()
    for persona in PERSONAS:
        if persona.role_slug:
            _role_verify(users[persona.username], roles[persona.role_slug], planner,
                         evidence=f"Demo persona: {persona.display_name}.")
