"""The demo's second project: Sant Antoni, where ideation is over and voting is open.

Eight proposals around the Sant Antoni market were made while its ideation ran (the
services are told the moment, `at=`), the city set its weights before voting opened,
and some thirty neighbours with verified roles have voted, the demo personas among
them. The votes are chosen so that the weights change the order of two proposals: the
results page shows both rankings side by side.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.models import StakeholderRole, User
from demo.layers import DISTRICTS
from gisdata.models import Layer
from proposals import services as proposal_services
from proposals.models import Category, Phase, PhaseKind, Project, Proposal, Visibility
from reports import services as report_services
from reports.models import DecisionReport
from voting import services as voting_services
from voting.models import ProjectVoting, RoleWeight

SLUG = "sant-antoni-superblock"
TITLE = "Sant Antoni superblock: which ideas first?"
DESCRIPTION = """\
The streets around the Sant Antoni market became a superblock: less traffic, more room
for people. Neighbours sent their ideas for what to do with the space; now they choose
which ones the city builds first.

Vote for or against each idea. Each vote counts with the weight of the voter's verified
role, published below; participants without a verified role count half."""
# Around the market, in the Eixample: lon 2.154–2.170, lat 41.372–41.384.
AREA = MultiPolygon(Polygon.from_bbox((2.154, 41.372, 2.170, 41.384)), srid=4326)
WEIGHTS = {"resident": "1.5", "business-owner": "1", "expert": "2", "civil-society": "1.5"}
UNVERIFIED = "0.5"

P, L, A = "Point", "LineString", "Polygon"
# (title, category, kind, coordinates, author)
IDEAS = [
    ("Trees and benches on Carrer del Comte Borrell", "green", L,
     [[2.1605, 41.3760], [2.1588, 41.3775], [2.1572, 41.3789]], "resident"),
    ("A water fountain at the market's north corner", "green", P, [2.1617, 41.3796],
     "citizen"),
    ("Play area on the Tamarit crossing", "play", A,
     [[[2.1622, 41.3751], [2.1630, 41.3751], [2.1630, 41.3757], [2.1622, 41.3757],
       [2.1622, 41.3751]]], "citizen"),
    ("Loading bays for the market stalls", "mobility", P, [2.1609, 41.3781], "business"),
    ("Shaded seating on Carrer d'Urgell", "green", L,
     [[2.1598, 41.3801], [2.1612, 41.3790], [2.1624, 41.3780]], "expert"),
    ("Open-air reading corner by the library", "culture", A,
     [[[2.1634, 41.3772], [2.1641, 41.3772], [2.1641, 41.3777], [2.1634, 41.3777],
       [2.1634, 41.3772]]], "resident"),
    ("Bicycle parking on Carrer de Manso", "mobility", P, [2.1595, 41.3768], "business"),
    ("Sunday book market along Ronda de Sant Antoni", "culture", L,
     [[2.1640, 41.3812], [2.1628, 41.3800], [2.1615, 41.3790]], "expert"),
]
CATEGORIES = [("green", "Green and shade", "#2e7d32"), ("play", "Play", "#e65100"),
              ("mobility", "Moving and delivering", "#1565c0"),
              ("culture", "Culture", "#c2185b")]
# Voters: (username prefix, role slug or None, how many). Demo personas vote too.
NEIGHBOURS = [("resident", "resident", 12), ("shop", "business-owner", 8),
              ("architect", "expert", 3), ("association", "civil-society", 2),
              ("neighbour", None, 5)]
# Each group's vote per idea (index in IDEAS): 1 for, -1 against, 0 abstain.
LEANINGS = {
    "resident":      [1, 1, 1, -1, 1, 1, 0, 1],
    "business-owner": [1, 0, -1, 1, 0, 0, 1, -1],
    "expert":        [1, 1, 1, -1, 1, 0, 1, 0],
    "civil-society": [1, 1, 1, -1, 1, 1, -1, 1],
    None:            [0, 1, -1, 1, 0, -1, 1, 1],
}
# Days from the first load: ideation is over, voting opened ten days ago.
PHASES = [(PhaseKind.IDEATION, -40, -10), (PhaseKind.VOTING, -10, 20),
          (PhaseKind.DECISION, 20, 50), (PhaseKind.IMPLEMENTATION, 50, 400)]


def _project_create() -> Project:
    """The project with its categories, the city's weights and its phases."""
    now = timezone.now()
    project = Project.objects.create(slug=SLUG, title=TITLE, description=DESCRIPTION,
                                     area=AREA, visibility=Visibility.PUBLIC)
    for position, (slug, name, color) in enumerate(CATEGORIES):
        Category.objects.create(project=project, slug=slug, name=name, color=color,
                                position=position)
    # Weights before the phases: once a voting phase has opened they are frozen.
    for slug, weight in WEIGHTS.items():
        RoleWeight.objects.create(project=project, weight=Decimal(weight),
                                  role=StakeholderRole.objects.get(slug=slug))
    ProjectVoting.objects.create(project=project, unverified_weight=Decimal(UNVERIFIED),
                                 results_public=True)
    for kind, start, end in PHASES:
        Phase.objects.create(project=project, kind=kind,
                             starts_at=now + timedelta(days=start),
                             ends_at=now + timedelta(days=end))
    return project


def _proposals_create(project: Project, users: dict[str, User]) -> list[Proposal]:
    """The ideas, one a day while ideation ran (the service is told the moment)."""
    now = timezone.now()
    proposals = []
    for day, (title, category, kind, coordinates, author) in enumerate(IDEAS):
        at = now - timedelta(days=35 - day)
        proposals.append(proposal_services.proposal_create(
            project=project, author=users[author], title=title, category=category,
            body=f"{title}. Proposed for the superblock around the market.",
            geometry={"type": kind, "coordinates": coordinates}, at=at))
        Proposal.objects.filter(pk=proposals[-1].pk).update(created_at=at)
    return proposals


def voting_project(users: dict[str, User], planner: User) -> None:
    """Create the Sant Antoni project, its proposals, weights and votes, once."""
    if Project.objects.filter(slug=SLUG).exists():
        return
    with transaction.atomic():
        project = _project_create()
        proposals = _proposals_create(project, users)
        for voter, role in _voters(users, planner):
            for proposal, value in zip(proposals, LEANINGS[role], strict=True):
                voting_services.vote_cast(user=voter, proposal=proposal, value=value)


def _neighbour(username: str, display_name: str) -> User:
    """A user who exists to vote in the demo, not to log in."""
    user, created = User.objects.get_or_create(username=username,
                                               defaults={"display_name": display_name})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _voters(users: dict[str, User], planner: User):
    """Demo personas with their roles, then neighbours made for the demo, verified."""
    yield users["resident"], "resident"
    yield users["business"], "business-owner"
    yield users["expert"], "expert"
    yield users["citizen"], None
    for prefix, role_slug, count in NEIGHBOURS:
        role = StakeholderRole.objects.get(slug=role_slug) if role_slug else None
        for n in range(1, count + 1):
            user = _neighbour(f"{prefix}{n:02d}", f"{prefix.title()} {n}")
            if role is not None and not user.role_claims.in_force().filter(role=role).exists():
                claim = account_services.role_claim_submit(user=user, role=role,
                                                           evidence="Demo neighbour.")
                account_services.role_claim_verify(claim_id=claim.pk, planner=planner)
            yield user, role_slug


def voting_report(planner: User) -> None:
    """The council's report of Sant Antoni, by district, compiled here (`load_demo` runs
    before the workers start) and published on the project page; once."""
    project = Project.objects.filter(slug=SLUG).first()
    if project is None or DecisionReport.objects.filter(project=project).exists():
        return
    districts = Layer.objects.filter(dataset__name=DISTRICTS).first()
    report = report_services.report_request(project=project, user=planner,
                                            district_layer=districts, enqueue=False)
    if report_services.report_compile(report_id=report.pk) == "succeeded":
        report.refresh_from_db()
        report_services.report_publish(report=report, user=planner)
