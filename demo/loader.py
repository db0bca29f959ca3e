"""The demo city: Barcelona, its stakeholder roles and one user for each persona.

`demo_load()` is idempotent: run it again and it creates only what is missing. It
goes through the same services as the site (a claim is filed, then verified by
the demo planner), so the demo shows what real data looks like. Later parts of
Plaza add their own steps here (imported layers).

The Barcelona project is created once, with its categories, phases and proposals, in
one transaction: when it exists nothing is added, so a demo reloaded days later keeps
its proposals and its phases as they were (`demo_proposals` builds the proposals).
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.groups import PLANNER_GROUP, ensure_planner_group
from accounts.models import RoleClaim, StakeholderRole, User
from demo.discussions import discussions_load, riverside_ideas
from demo.layers import layers_load
from demo.neighbourhood_proposals import area_union, districts_read, proposals_create
from demo.sant_antoni import voting_project, voting_report
from demo.translated_texts import demo_translate
from proposals.models import Category, Phase, PhaseKind, Project, Visibility

DATA_DIR = Path(__file__).resolve().parent / "barcelona"
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


PROJECT_SLUG = "barcelona-neighbourhoods"
PROJECT_TITLE = "Barcelona: ideas for your neighbourhood"
PROJECT_DESCRIPTION = """\
The city sets aside part of next year's budget for small works that neighbours propose:
more shade and greenery, safer streets for walking and cycling, squares to meet in,
places to play and to share culture.

Put your idea on the map, anywhere in the ten districts: a point for a spot, a line for
a street or a bike lane, an area for a square or a corner. Until ideation closes,
everyone can read and discuss the ideas; then verified residents, business owners,
experts and associations vote, and the city's technical teams study the most supported
ones before deciding what gets built."""
CATEGORIES = [
    ("green-space", "Green and shade", "#2e7d32"),
    ("mobility", "Walking and cycling", "#1565c0"),
    ("public-space", "Squares and streets", "#6a1b9a"),
    ("play", "Play and sport", "#e65100"),
    ("culture", "Culture and community", "#c2185b"),
]
# Days from the day of the first load: ideation opened 20 days ago and runs 40 more,
# then three weeks of voting, a month to decide, a year to build. Each phase starts
# where the previous one ends, as the no-overlap constraint on [starts_at, ends_at) wants.
PHASES = [(PhaseKind.IDEATION, -20, 40), (PhaseKind.VOTING, 40, 61),
          (PhaseKind.DECISION, 61, 91), (PhaseKind.IMPLEMENTATION, 91, 456)]
PROPOSAL_AUTHORS = ("citizen", "resident", "business", "expert")


def _midnight(days: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time.min))


def _project(users: dict[str, User]) -> None:
    """The Barcelona project with its categories, phases and proposals, made only once."""
    if Project.objects.filter(slug=PROJECT_SLUG).exists():
        return
    districts = districts_read(DATA_DIR / "districtes.zip")
    area = area_union([geometry for _, geometry in districts])
    with transaction.atomic():
        project, created = Project.objects.get_or_create(
            slug=PROJECT_SLUG,
            defaults={"title": PROJECT_TITLE, "description": PROJECT_DESCRIPTION,
                      "area": area, "visibility": Visibility.PUBLIC},
        )
        if not created:  # another load got there first
            return
        for position, (slug, name, color) in enumerate(CATEGORIES):
            Category.objects.create(project=project, slug=slug, name=name, color=color,
                                    position=position)
        for kind, start, end in PHASES:
            Phase.objects.create(project=project, kind=kind, starts_at=_midnight(start),
                                 ends_at=_midnight(end))
        # Phases first: the service accepts proposals only while ideation is open.
        proposals_create(project=project, districts=districts, data_dir=DATA_DIR,
                         authors={name: users[name] for name in PROPOSAL_AUTHORS},
                         since=_midnight(PHASES[0][1]))


def demo_load() -> list[Persona]:
    """Create the demo roles, personas and project; returns the personas for printing."""
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
        _project(users)
        voting_project(users, planner)
    layers_load()  # outside the transaction: imports commit their own steps
    voting_report(users["planner"])  # once the districts are there
    riverside_ideas(users)  # the home page's first project, once it exists
    discussions_load(users)
    demo_translate()  # the texts in Catalan and Spanish, after every load
    return PERSONAS
