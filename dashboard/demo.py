"""The demo city: Barcelona, its stakeholder roles and one user for each persona.

`demo_load()` is idempotent: run it again and it creates only what is missing. It
goes through the same services as the site (a claim is filed, then verified by
the demo planner), so the demo shows what real data looks like. Later parts of
Plaza add their own steps here (a project on the districts, imported layers).
"""

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

from accounts import services as account_services
from accounts.groups import PLANNER_GROUP, ensure_planner_group
from accounts.models import RoleClaim, StakeholderRole, User

DATA_DIR = Path(__file__).resolve().parent.parent / "demo" / "barcelona"
ATTRIBUTION = "Contains data from Open Data BCN, Ajuntament de Barcelona (CC BY 4.0)"
DEMO_PASSWORD = "plaza-demo-2026"  # noqa: S105 - published on purpose, see README

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


def _roles() -> dict[str, StakeholderRole]:
    roles = {}
    for slug, name, description, weight, days, position in ROLES:
        roles[slug], _ = StakeholderRole.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "description": description,
                      "default_weight": Decimal(weight), "claim_validity_days": days,
                      "position": position},
        )
    return roles


def _user(persona: Persona) -> User:
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
    return user


def demo_load() -> list[Persona]:
    """Create the demo roles and personas; returns the personas for printing."""
    ensure_planner_group()
    with transaction.atomic():
        roles = _roles()
        users = {p.username: _user(p) for p in PERSONAS}
        planner = users["planner"]
        for persona in PERSONAS:
            if not persona.role_slug:
                continue
            user, role = users[persona.username], roles[persona.role_slug]
            if RoleClaim.objects.in_force().filter(user=user, role=role).exists():
                continue
            claim = RoleClaim.objects.pending().filter(user=user, role=role).first()
            claim = claim or account_services.role_claim_submit(
                user=user, role=role, evidence=f"Demo persona: {persona.display_name}."
            )
            account_services.role_claim_verify(claim_id=claim.pk, planner=planner)
    return PERSONAS
