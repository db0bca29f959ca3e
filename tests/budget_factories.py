"""A project that votes with a participatory budget: budgets, assessed proposals, and
(with `areas`) a budget per district of a 2×1 grid (tests/area_factories.py: D1 west of
2.16 E, D2 east of it)."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.gis.geos import Point

from municipalities.models import Area, AreaLevel
from tests.area_factories import grid_import
from tests.factories import project_make, proposal_make, user_make
from voting.budget_models import Assessment, Budget, Feasibility
from voting.budget_services import budget_setup

WEST_POINT = (2.12, 41.40)   # in D1
EAST_POINT = (2.19, 41.40)   # in D2


def budget_project_make(slug: str = "budget-now", *, phase: str | None = "voting",
                        city: int | None = 100, districts: dict | None = None,
                        costs: dict | None = None, min_projects: int = 1,
                        max_projects: int | None = None, planner=None,
                        unverified_weight=None) -> SimpleNamespace:
    """`city`: the whole city's budget (None: none). `districts`: {"D1": amount, …}
    (then the 2×1 grid is imported). `costs`: {title: (cost, budget key, (lon, lat))}
    where the budget key is None (the city's) or a district code; every proposal is
    assessed feasible. Default: four proposals of 40, 30, 30 and 50 in the city's."""
    planner = planner or user_make(planner=True)
    author = user_make()
    if districts:
        grid_import(2, 1)
    costs = costs or {"Benches": (40, None, WEST_POINT), "Trees": (30, None, EAST_POINT),
                      "Fountain": (30, None, WEST_POINT), "Bike racks": (50, None, EAST_POINT)}
    made = SimpleNamespace(planner=planner, author=author, budgets={}, proposals={})

    def before_phases(project):
        from voting.models import ProjectVoting
        if unverified_weight is not None:
            ProjectVoting.objects.update_or_create(
                project=project, defaults={"unverified_weight": unverified_weight})
        amounts = {} if city is None else {None: city}
        for code, amount in (districts or {}).items():
            area = Area.objects.get(level=AreaLevel.DISTRICT, code=code)
            amounts[area.pk] = amount
        budget_setup(project=project, planner=planner, method="budget", budgets=amounts,
                     min_projects=min_projects, max_projects=max_projects)
        for budget in Budget.objects.filter(project=project).select_related("area"):
            made.budgets[budget.area.code if budget.area_id else None] = budget
        for title, (cost, key, (lon, lat)) in costs.items():
            proposal = proposal_make(project, author, title=title,
                                     geometry={"type": "Point", "coordinates": [lon, lat]})
            Assessment.objects.create(proposal=proposal, cost=cost, budget=made.budgets[key],
                                      feasibility=Feasibility.FEASIBLE, assessed_by=planner)
            made.proposals[title] = proposal

    made.project = project_make(slug, phase=phase, before_phases=before_phases)
    for proposal in made.proposals.values():
        proposal.refresh_from_db()
    return made


def point(lon: float, lat: float) -> Point:
    return Point(lon, lat, srid=4326)


def verified_voter(username: str, role_slug: str = "resident", weight: str = "1"):
    """A user with a verified claim to `role_slug` (made, weighing `weight`, if new) in
    the default municipality. Make voters before the project opens its vote: a role made
    after that is pinned at the weight of unverified participants."""
    from accounts.models import ClaimStatus, StakeholderRole
    from tests.factories import claim_make, role_make

    role = (StakeholderRole.objects.filter(slug=role_slug).first()
            or role_make(role_slug, weight))
    user = user_make(username)
    claim_make(user, role, status=ClaimStatus.VERIFIED, decided_by=user_make())
    return user
