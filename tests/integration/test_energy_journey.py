"""The whole journey of an energy community, end to end through its pages and a real
worker: a district's residents pledge their roofs on the community's building layer, the
planner has the worker simulate the sharing options, the members vote between them with
their roles' weights, and the council's report tells what sharing in each building, in
the district and over the city would give — while no one but a member reads their own
figures."""

import re
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import ClaimStatus
from energy.models import Pledge, RunStatus, SimulationRun
from proposals.models import Phase
from reports import services as reports
from reports.models import DecisionReport
from tests.energy.conftest import (
    BUILDING_LONS,
    LAT,
    community_make,
    features,
    layer_of,
    option_make,
    rectangle,
)
from tests.factories import claim_make, role_make, user_make
from tests.integration.processes import wait_until
from tests.reports.readback import pdf_text

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# (building, kind, yearly kWh, kWp: empty is "what the roof holds"), by resident.
PLEDGES = [(0, "household", "3200", ""), (0, "household", "2600", "0"),
           (1, "shop", "9000", "0"), (1, "household", "4100", "3"),
           (2, "household", "3500", ""), (3, "school", "21000", "0")]


@pytest.fixture
def buildings(db):
    """Four buildings along a street of the project's area (tests/energy/conftest.py)."""
    return layer_of("buildings", [rectangle(lon, LAT) for lon in BUILDING_LONS])


def pledge_on_the_page(client, community, member, building, kind, yearly, kwp):
    client.force_login(member)
    answer = client.post(reverse("energy:pledge", args=[community.pk]), {
        "building": building.pk, "kind": kind, "yearly_kwh": yearly, "pv_kwp": kwp})
    assert answer.status_code == 302, answer.content.decode()[:2000]


def voting_opens(project) -> None:
    """The planner ends ideation and opens voting two seconds from now (a voting phase
    that has opened can no longer move, so it is not moved into the past), and the time
    passes."""
    soon = timezone.now() + timedelta(seconds=2)
    Phase.objects.filter(project=project, kind="ideation").update(ends_at=soon)
    Phase.objects.filter(project=project, kind="voting").update(starts_at=soon)
    time.sleep(max(0.0, (soon - timezone.now()).total_seconds()) + 0.2)


def test_residents_pledge_simulate_vote_and_the_council_reads_the_three_scales(
        worker, planner, buildings, client):
    community = community_make(planner, building_layer=buildings, slug="energy-journey")
    demand = option_make(community, planner, key="demand")
    fixed = option_make(community, planner, key="fixed", price="0.0800")
    resident, expert = role_make("resident", "1", position=10), role_make("expert", "2",
                                                                            position=30)
    roofs = features(buildings)
    members = []
    for n, (building, kind, yearly, kwp) in enumerate(PLEDGES):
        member = user_make(f"neighbour{n}")
        claim_make(member, expert if kind == "school" else resident,
                   status=ClaimStatus.VERIFIED, decided_by=planner)
        pledge_on_the_page(client, community, member, roofs[building], kind, yearly, kwp)
        members.append(member)
    pledged = Pledge.objects.filter(community=community).order_by("member__username")
    assert [p.building_id for p in pledged] == [roofs[b].pk for b, *_ in PLEDGES]
    assert pledged[0].pv_kwp > 0  # an empty kWp is what the roof holds

    # The planner has the worker simulate every option at the three scales.
    client.force_login(planner)
    assert client.post(reverse("energy:simulate", args=[community.pk])).status_code == 302
    run = SimulationRun.objects.get(community=community)
    wait_until(lambda: SimulationRun.objects.get(pk=run.pk).status in (
        RunStatus.DONE, RunStatus.FAILED), timeout=300, what="the simulation")
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error

    # Anyone reads the community's sums for each scale; never a member's figures.
    client.logout()
    public = client.get(reverse("api:energy-community-simulation", args=[community.pk]),
                        {"option": demand.pk}).json()
    scales = public["scales"]
    assert set(scales) == {"building", "district", "city"}
    assert scales["district"]["members"] == len(PLEDGES)
    assert scales["district"]["shared_kwh"] > scales["building"]["shared_kwh"]
    assert scales["district"]["self_sufficiency"] > scales["building"]["self_sufficiency"]
    page = client.get(reverse("energy:community", args=[community.pk])).content.decode()
    assert "3200" not in page and "3,200" not in page  # the first resident's own use

    # The members vote: the school's expert (weight 2) and two residents for sharing by
    # demand, one resident for fixed shares.
    voting_opens(community.project)
    for member, option in ((members[5], demand), (members[0], demand), (members[2], demand),
                           (members[3], fixed)):
        client.force_login(member)
        answer = client.post(reverse("voting:vote", args=[option.proposal_id]),
                             {"value": "support"}, HTTP_ACCEPT="application/json")
        assert answer.status_code in (200, 201), answer.content
    outsider = user_make("outsider")
    client.force_login(outsider)
    refused = client.post(reverse("voting:vote", args=[demand.proposal_id]),
                          {"value": "support"}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 403

    # The council's report, compiled by the worker, has the energy chapter: each
    # option's outcome and weighted vote, and the three scales side by side.
    with transaction.atomic():
        report = reports.report_request(project=community.project)
    wait_until(lambda: DecisionReport.objects.get(pk=report.pk).finished, timeout=180,
               what="the worker to compile the report")
    report.refresh_from_db()
    assert report.status == "succeeded", report.message
    text = " ".join(pdf_text(report).split())
    chapter = text.split("The energy community", 1)[1]
    # For / against / abstaining, then the weighted score: the expert counts twice.
    assert re.search(r"3\s*/\s*0\s*/\s*0\s+4\s", chapter), chapter[:3000]
    assert re.search(r"1\s*/\s*0\s*/\s*0\s+1\s", chapter), chapter[:3000]
    for words in ("Building", "District", "City", "BDEW", "Ineichen"):
        assert words in chapter, words
    assert "3200" not in chapter and "3 200" not in chapter
