"""Cambridge (Massachusetts): the "Riverside play spaces" project and its first ideas.

The FEMA 100-year flood zones (`demo/layers.py`) are a constraint layer of this
project: a citizen who draws a playground in a flood zone is told so while drawing.
The home page lists the newest project first, this one, so it gets a handful of ideas,
one of them in the flood zone. The project is made once; its ideas are added while it
has none and its ideation is open.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from proposals import services as proposal_services
from proposals.models import Category, Phase, PhaseKind, Project, Proposal, Visibility

RIVERSIDE = "cambridge-riverside-play"
NEIGHBOURHOODS = Path(__file__).resolve().parent / "cambridge" / "neighborhoods.geojson"
# Days from the first load: ideation opened five days ago.
PHASES = [(PhaseKind.IDEATION, -5, 55), (PhaseKind.VOTING, 55, 75),
          (PhaseKind.DECISION, 75, 105), (PhaseKind.IMPLEMENTATION, 105, 470)]


def _area() -> MultiPolygon:
    """The city's thirteen neighbourhoods as one area."""
    shapes = [GEOSGeometry(json.dumps(f["geometry"]), srid=4326)
              for f in json.loads(NEIGHBOURHOODS.read_text())["features"]]
    area = shapes[0]
    for shape in shapes[1:]:
        area = area.union(shape)
    return area if area.geom_type == "MultiPolygon" else MultiPolygon(area, srid=4326)


def riverside_project() -> None:
    """The project, its categories and its phases, made only once."""
    if Project.objects.filter(slug=RIVERSIDE).exists():
        return
    area = _area()
    now = timezone.now()
    with transaction.atomic():
        project = Project.objects.create(
            slug=RIVERSIDE, title="Cambridge: riverside play spaces", area=area,
            visibility=Visibility.PUBLIC,
            description="Where should Cambridge add play spaces along the Charles River? "
                        "Draw your idea: the map tells you when a spot lies in the "
                        "100-year flood zone.")
        Category.objects.create(project=project, slug="play", name="Play", color="#e65100")
        Category.objects.create(project=project, slug="green", name="Green", color="#2e7d32")
        for kind, start, end in PHASES:
            Phase.objects.create(project=project, kind=kind,
                                 starts_at=now + timedelta(days=start),
                                 ends_at=now + timedelta(days=end))


P, L, A = "Point", "LineString", "Polygon"
# (title, category, kind, coordinates, author, body)
RIVERSIDE_IDEAS = [
    ("Splash pad at Magazine Beach", "play", P, [-71.1165, 42.3565], "citizen",
     "Children already play by the water here in summer; a splash pad would keep them "
     "safe and cool."),
    ("Shade trees along Memorial Drive", "green", L,
     [[-71.1160, 42.3640], [-71.1143, 42.3645], [-71.1125, 42.3652]], "resident",
     "The path by Riverside Press Park has no shade at all in July."),
    ("Nature playground in John F. Kennedy Park", "play", A,
     [[[-71.1230, 42.3708], [-71.1220, 42.3708], [-71.1220, 42.3716],
       [-71.1230, 42.3716], [-71.1230, 42.3708]]], "expert",
     "Logs, boulders and sand instead of plastic: cheaper to keep and better for play."),
    ("Swings near the Alewife reservation", "play", P, [-71.1420, 42.3960], "business",
     "Families from the new flats nearby have nowhere to take the little ones."),
    ("A community garden in Cambridgeport", "green", P, [-71.1050, 42.3580], "resident",
     "Raised beds for the neighbours, with a tap and a bench."),
]


def riverside_ideas(users: dict[str, User]) -> None:
    """Cambridge's first ideas, while the project has none and takes ideas."""
    project = Project.objects.filter(slug=RIVERSIDE).first()
    if project is None or project.proposals.exists():
        return
    phase = project.current_phase()
    if phase is None or phase.kind != PhaseKind.IDEATION:
        return
    now = timezone.now()
    with transaction.atomic():
        for n, (title, category, kind, coordinates, author, body) in enumerate(
                RIVERSIDE_IDEAS):
            proposal = proposal_services.proposal_create(
                project=project, author=users[author], title=title, body=body,
                category=category, geometry={"type": kind, "coordinates": coordinates})
            # Sent over the first days of ideation, as Barcelona's are dated.
            Proposal.objects.filter(pk=proposal.pk).update(
                created_at=now - timedelta(hours=100 - 12 * n))
