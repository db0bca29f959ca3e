"""The Barcelona neighbourhoods project: the ten districts, their ideas for next year's
budget.

Created once, with its categories, its ideation phase and its proposals, in one
transaction: when it exists nothing is added, so a demo reloaded days later keeps its
proposals and its phases as they were (`demo/neighbourhood_proposals.py` builds the
proposals; `demo/budget_vote.py` adds the costs, the budgets, the later phases and the
ballots).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from demo.districts import area_union, districts_read
from demo.neighbourhood_proposals import proposals_create
from proposals.models import Category, Phase, PhaseKind, Project, Visibility

DATA_DIR = Path(__file__).resolve().parent / "barcelona"
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
# Days from the day of the first load: ideation opened 20 days ago. The later phases
# come with the budget (demo/budget_vote.py), which closes ideation and opens voting on
# the day of the first load: inserted then, once the costs are set, since a voting
# phase's start cannot move once it would open (voting/migrations/0003).
PHASES = [(PhaseKind.IDEATION, -20, 40)]
PROPOSAL_AUTHORS = ("citizen", "resident", "business", "expert")


def _midnight(days: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time.min))


def _categories_and_phases(project: Project) -> None:
    for position, (slug, name, color) in enumerate(CATEGORIES):
        Category.objects.create(project=project, slug=slug, name=name, color=color,
                                position=position)
    for kind, start, end in PHASES:
        Phase.objects.create(project=project, kind=kind, starts_at=_midnight(start),
                             ends_at=_midnight(end))


def neighbourhoods_project(users: dict[str, User]) -> None:
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
        # Phases first: the service accepts proposals only while ideation is open.
        _categories_and_phases(project)
        proposals_create(project=project, districts=districts, data_dir=DATA_DIR,
                         authors={name: users[name] for name in PROPOSAL_AUTHORS},
                         since=_midnight(PHASES[0][1]))
