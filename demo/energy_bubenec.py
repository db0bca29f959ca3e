"""Prague: the Bubeneč energy community, on the district's real buildings.

Bubeneč's 144 buildings (demo/prague/, from momepy, BSD-3-Clause) are imported through
the planners' pipeline as a published layer of Prague. The project "Bubeneč: share the
sun on our roofs" is an energy community over the buildings' area, with Prague's
tariffs in CZK and its monthly sunshine and temperatures (each an assumption, stated
below), and three ways of sharing put to the vote. While its ideation ran (the services
are told the moment, `at=`), 36 members with verified roles pledged on their buildings
(demo/energy_members.py); voting is open now and most of them have voted. The loader
then simulates the community, in this process (`make run` loads the demo before it
starts the workers), so its results show at once.

Idempotent: the project is made once; a member who has pledged or voted is left alone;
a community with a finished, queued or running simulation is not simulated again.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.gis.db.models import Union
from django.contrib.gis.geos import MultiPolygon
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.models import StakeholderRole, User
from demo.energy_members import MEMBERS, NEIGHBOURS, Member, leaning, votes_cast
from demo.layers import DEMO, layer_import
from demo.people import roles_verify
from energy import pledges as energy_pledges
from energy import services as energy_services
from energy.models import Community, Pledge, RunStatus, SharingKey
from energy.tasks import simulate_community_task
from gisdata.models import Feature, Layer
from municipalities.models import Municipality
from proposals.models import Phase, PhaseKind, Project, Proposal, Visibility
from voting import services as voting_services
from voting.models import ProjectVoting, RoleWeight, Vote

SLUG = "bubenec-solar"
TITLE = "Bubeneč: share the sun on our roofs"
DESCRIPTION = """\
Neighbours in Bubeneč want to share the electricity of the district's rooftop solar:
what one roof makes and its building does not use goes to another member, at a price
between what the grid pays and what it charges, before anything is sold to the grid.

Members pledged their buildings, arrays and batteries. Now they choose how to share:
fixed shares, shares by demand, or equal shares. Each option's simulated outcome, for
one building at a time, the whole district and a city-wide pool, is shown beside it."""
BUILDINGS = "Bubeneč buildings"
BUILDINGS_FILE = DEMO / "prague" / "bubenec_buildings.gpkg"
BUILDINGS_LICENCE = "BSD-3-Clause"
BUILDINGS_ATTRIBUTION = "Prague-Bubeneč buildings from momepy 0.11.0 (BSD-3-Clause)"
# The district's area: the buildings' convex hull with a street's width around it,
# drawn in UTM zone 33N (metres).
METRIC_SRID, MARGIN_M = 32633, 25

# Prague's tariffs in CZK per kWh, assumptions of the right order for 2025 (not a
# supplier's offer): a household's all-in price (energy, PRE's distribution at the
# D02d rate, fees and VAT) is about 5.5 to 7 CZK; suppliers buy surplus back at
# spot-linked prices of about 0.5 to 1.5 CZK; sharing beyond the district still pays
# distribution, about 2 CZK; the grid's CO₂, coal-heavy, of the order of the 0.4 to
# 0.5 kg/kWh Ember's yearly figures give for Czechia.
TARIFFS = {"currency": "CZK", "import_price": Decimal("6.50"),
           "export_price": Decimal("1.00"), "internal_price": Decimal("3.50"),
           "sharing_fee": Decimal("2.00"), "co2_kg_per_kwh": Decimal("0.450")}
# The sharing options put to the vote: each key at an internal price in CZK.
OPTIONS = [(SharingKey.FIXED, Decimal("3.50")), (SharingKey.DEMAND, Decimal("3.50")),
           (SharingKey.EQUAL, Decimal("3.00"))]
# Prague's monthly clear-sky indices, January to December: an assumption. A monthly
# global horizontal irradiation of the order PVGIS gives for Prague (25, 42, 80, 122,
# 152, 160, 162, 142, 96, 58, 27, 19 kWh/m², about 1,085 a year) divided by the
# engine's own clear sky there (energy.simulation.clear_sky_index_from_irradiation).
CLEAR_SKY_INDEX = [0.53, 0.59, 0.64, 0.70, 0.68, 0.70, 0.71, 0.75, 0.72, 0.65, 0.50, 0.48]
# Monthly mean air temperatures in °C, rounded, of the order of Prague's 1991–2020
# normals: an assumption.
TEMPERATURE_C = [0.0, 1.3, 4.9, 10.2, 14.8, 18.2, 20.1, 19.6, 15.0, 9.8, 4.8, 1.0]
WEIGHTS = {"resident": "1", "business-owner": "1", "expert": "1.5", "civil-society": "1.5"}
UNVERIFIED = "0.5"
# Days from the first load: pledges were gathered for seven weeks, voting opened a
# week ago.
PHASES = [(PhaseKind.IDEATION, -56, -7), (PhaseKind.VOTING, -7, 23),
          (PhaseKind.DECISION, 23, 53), (PhaseKind.IMPLEMENTATION, 53, 420)]


def bubenec_load(users: dict[str, User], *, prague: Municipality) -> Community | None:
    """Prague's roles, its buildings and the Bubeneč community with its members,
    votes and a simulation, each once; run while Prague is being served. None when the
    buildings could not be imported."""
    planner = users["prague"]
    with transaction.atomic():
        roles_verify(users, planner=planner)
    buildings = layer_import(BUILDINGS, BUILDINGS_FILE, BUILDINGS_LICENCE,
                             BUILDINGS_ATTRIBUTION)
    if buildings is None:
        return None
    buildings.refresh_from_db()  # published by an UPDATE
    with transaction.atomic():
        community = _community(buildings, planner, prague)
        _members_pledge(community, users, planner)
    with transaction.atomic():
        _votes(community, users)
    _simulated(community, planner)
    return community


def district_area(buildings: Layer) -> MultiPolygon:
    """The buildings' convex hull with `MARGIN_M` around it."""
    union = Feature.objects.filter(layer=buildings).aggregate(u=Union("geometry"))["u"]
    hull = union.convex_hull.transform(METRIC_SRID, clone=True).buffer(MARGIN_M)
    hull.transform(4326)
    return MultiPolygon(hull, srid=4326)


def _community(buildings: Layer, planner: User, prague: Municipality) -> Community:
    """The project and its community, tariffs and options, made once. The tariffs are
    set and the options added at the start of ideation, as a planner would, before
    voting freezes them."""
    project = Project.objects.filter(slug=SLUG).first()
    if project is not None:
        return Community.objects.get(project=project)
    area = district_area(buildings)
    if prague.area is None:  # the one district of Prague the demo holds
        Municipality.objects.filter(pk=prague.pk).update(area=area)
    now = timezone.now()
    project = Project.objects.create(slug=SLUG, title=TITLE, description=DESCRIPTION,
                                     area=area, visibility=Visibility.PUBLIC)
    # Weights before the phases: once a voting phase has opened they are frozen.
    for slug, weight in WEIGHTS.items():
        RoleWeight.objects.create(project=project, weight=Decimal(weight),
                                  role=StakeholderRole.objects.get(slug=slug))
    ProjectVoting.objects.create(project=project, unverified_weight=Decimal(UNVERIFIED),
                                 results_public=True)
    for kind, start, end in PHASES:
        Phase.objects.create(project=project, kind=kind, starts_at=now + timedelta(days=start),
                             ends_at=now + timedelta(days=end))
    opened = _ideation(project).starts_at
    community = energy_services.community_create(
        project=project, planner=planner, building_layer=buildings,
        clear_sky_index=CLEAR_SKY_INDEX, temperature_c=TEMPERATURE_C)
    energy_services.community_tariffs_set(community=community, planner=planner,
                                          at=opened + timedelta(hours=1), **TARIFFS)
    for n, (key, price) in enumerate(OPTIONS):
        at = opened + timedelta(hours=2 + n)
        option = energy_services.option_create(community=community, planner=planner,
                                               key=key, internal_price=price, at=at)
        # Dated when the planner put it forward, as the other projects' proposals are.
        Proposal.objects.filter(pk=option.proposal_id).update(created_at=at)
    return community


def _ideation(project: Project) -> Phase:
    return project.phases.get(kind=PhaseKind.IDEATION)


def _neighbour(member: Member) -> User:
    """A member who exists to pledge and vote in the demo, not to log in."""
    user, created = User.objects.get_or_create(
        username=member.username, defaults={"display_name": member.display_name})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _role_verified(user: User, slug: str, planner: User) -> None:
    role = StakeholderRole.objects.get(slug=slug)
    if user.role_claims.in_force().filter(role=role).exists():
        return
    claim = account_services.role_claim_submit(
        user=user, role=role, evidence="Member of the Bubeneč energy community.")
    account_services.role_claim_verify(claim_id=claim.pk, planner=planner)


def _members(users: dict[str, User]) -> list[tuple[Member, User]]:
    """Each member with its user: the persona's, or a neighbour made for the demo."""
    return [(member, users[member.username] if member.username in users
             else _neighbour(member)) for member in MEMBERS]


def _members_pledge(community: Community, users: dict[str, User], planner: User) -> None:
    """Each member's verified role and pledge on its building, a few hours apart while
    ideation ran; a member who has pledged is left as they are."""
    pledged = set(Pledge.objects.filter(community=community)
                  .values_list("member_id", flat=True))
    features = {feature.properties.get("uID"): feature for feature in
                Feature.objects.filter(layer_id=community.building_layer_id)}
    opened = _ideation(community.project).starts_at
    for n, (member, user) in enumerate(_members(users)):
        if member in NEIGHBOURS:  # the persona's role is verified with the others'
            _role_verified(user, member.role, planner)
        if user.pk in pledged:
            continue
        energy_pledges.pledge_submit(
            community=community, member=user, kind=member.kind,
            yearly_kwh=member.yearly_kwh, building=features[member.building],
            pv_kwp=member.pv_kwp, battery_kwh=member.battery_kwh,
            battery_kw=member.battery_kw, flexible_share=member.flexible_share,
            at=opened + timedelta(days=1, hours=5 * n))


def _votes(community: Community, users: dict[str, User]) -> None:
    """Most members' votes on the options, cast now, while voting is open; a member
    who has voted is left as they are."""
    project = community.project
    phase = project.current_phase()
    if phase is None or phase.kind != PhaseKind.VOTING:
        return
    proposals = [option.proposal for option in community.options.order_by("pk")]
    voted = set(Vote.objects.filter(proposal__in=proposals).values_list("user_id", flat=True))
    for n, (member, user) in enumerate(_members(users)):
        if not votes_cast(member, n) or user.pk in voted:
            continue
        for proposal, value in zip(proposals, leaning(member), strict=True):
            voting_services.vote_cast(user=user, proposal=proposal, value=value)


def _simulated(community: Community, planner: User) -> None:
    """The community simulated once, by the task's own code run here: `make run`'s
    workers are not up yet, and the demo shows results at once. The message the
    request publishes finds the run finished and leaves it."""
    if community.runs.filter(status__in=(RunStatus.DONE, RunStatus.QUEUED,
                                         RunStatus.RUNNING)).exists():
        return
    run = energy_services.simulation_request(community=community, planner=planner)
    simulate_community_task(run.pk)
