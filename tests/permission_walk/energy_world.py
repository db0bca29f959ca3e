"""The walk's energy communities, in the walk's world and in each of the two towns: one
on a public project with three members and a finished simulation, one on a draft."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.gis.geos import Polygon
from django.utils import timezone

from energy.models import Community, MemberResult, Pledge, SharingOption, SimulationRun
from tests.factories import proposal_make, user_make

ROOF = Polygon.from_bbox((2.1500, 41.3900, 2.1502, 41.3901))
# A member's own figures, as no sum or other number of the walk reads: the privacy walk
# (test_energy_privacy.py) looks for them in every page and answer.
PLEDGED_KWH = (7345.6781, 7345.6782, 7345.6783)
MEMBER_FIGURE = 91827.3645


def energy_community(project, author, *, low: str = "walk", mark: str = "") -> dict:
    """`project`'s community: an option, three members' pledges and a finished run
    (their own figures too). `mark` goes into every text."""
    community = Community.objects.create(project=project)
    proposal = proposal_make(project, author, title=f"Share by demand {mark}".strip(),
                             body=f"Body {mark}.")
    option = SharingOption.objects.create(community=community, proposal=proposal,
                                          key="demand", internal_price=Decimal("0.1"))
    pledges = [Pledge.objects.create(community=community,
                                     member=user_make(f"{low}-{project.pk}-member-{i}"),
                                     roof=ROOF, kind="household",
                                     yearly_kwh=PLEDGED_KWH[i], pv_kwp=4)
               for i in range(3)]
    totals = {"generation_kwh": 12000.0, "demand_kwh": round(sum(PLEDGED_KWH), 1),
              "members": 3}
    run = SimulationRun.objects.create(
        community=community, status="done", progress=100, members=3,
        finished_at=timezone.now(), error="",
        results={"totals": {str(option.pk): {scale: totals for scale in
                                             ("building", "district", "city")}}})
    for pledge in pledges:
        MemberResult.objects.create(run=run, pledge=pledge, results={
            str(option.pk): {"district": {"demand_kwh": pledge.yearly_kwh,
                                          "savings": MEMBER_FIGURE}}})
    return {"community": community, "option": option, "pledge": pledges[0], "run": run}


def energy_communities(idea, draft, author, *, low: str = "walk", mark: str = "",
                       citizen=None) -> dict:
    """The world's names: "energy_public" and "energy_draft". (Not "energy": the admin
    walk takes a name of the world for an argument, and "energy" is an app label.)
    `citizen` pledges to the public one too, for the pages a member's own pledge opens
    (withdrawing it, "My pledge")."""
    public = energy_community(idea, author, low=low, mark=mark)
    if citizen is not None:
        Pledge.objects.create(community=public["community"], member=citizen, roof=ROOF,
                              kind="household", yearly_kwh=4000, pv_kwp=3)
    hidden = energy_community(draft, author, low=low, mark=mark)
    return {"energy_public": public["community"], "energy_draft": hidden["community"]}


# The pledge form's answer in the walk: a drawn roof (the walk's communities have no
# building layer), inside the project's area.
PLEDGE = {"kind": "household", "yearly_kwh": "3000", "roof": ROOF.json}
