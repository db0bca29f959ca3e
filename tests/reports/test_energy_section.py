"""The decision report of an energy community: an energy section with the pledged roofs
on a map, each option's simulated outcome (table and chart) beside the members' weighted
vote on it, the building / district / city comparison and the assumptions with their
sources; aggregates only, never a member's figures. Compiled by the real worker for a
community with a finished simulation and for one without; in this process for the
rules around it."""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import ClaimStatus
from energy.models import MemberResult, SimulationRun
from reports import services
from reports.energy_section import energy_read
from reports.models import DecisionReport
from tests.energy.conftest import BUILDING_LONS, LAT, community_make, option_row, pledge_row
from tests.energy.conftest import rectangle as roof_at
from tests.factories import claim_make, role_make, user_make
from tests.integration.processes import wait_until
from tests.reports.readback import compiled, pdf_text
from voting.services import vote_cast

pytestmark = pytest.mark.django_db(transaction=True)
SECTION = "The energy community"
# Figures no sum has: a member's own, which no page of the report may carry.
MEMBER_FIGURE = 91827.3645
# What the run stores for the community, per option, at each scale (as energy/runs.py
# writes them): distinct numbers, so each one read back is known to come from here.
SCALES = {"building": {"self_sufficiency": 0.213, "self_consumption": 0.611,
                       "shared_kwh": 1234.0, "grid_import_kwh": 8123.0,
                       "grid_export_kwh": 2456.0, "savings": 321.0},
          "district": {"self_sufficiency": 0.347, "self_consumption": 0.742,
                       "shared_kwh": 5678.0, "grid_import_kwh": 6712.0,
                       "grid_export_kwh": 1345.0, "savings": 654.0},
          "city": {"self_sufficiency": 0.468, "self_consumption": 0.886,
                   "shared_kwh": 9012.0, "grid_import_kwh": 5301.0,
                   "grid_export_kwh": 234.0, "savings": 987.0, "pool_members": 41}}


def totals(scale: str, shift: float) -> dict:
    figures = {name: value + shift if name.endswith(("_kwh", "savings")) else value
               for name, value in SCALES[scale].items()}
    return {"generation_kwh": 12000.0, "demand_kwh": 10500.0, "self_consumed_kwh": 3000.0,
            "received_kwh": figures["shared_kwh"], "co2_avoided_kg": 777.0,
            "battery_losses_kwh": 0.0, "members": 3, **figures}


@pytest.fixture
def energy_vote(planner):
    """A community voting on two options; three members (one expert, weight 2; two
    residents, 1), who all support the first and oppose the second but one."""
    resident = role_make("resident", "1", position=10)
    expert = role_make("expert", "2", position=30)
    community = community_make(planner, slug="energy-report", phase="voting")
    demand, equal = option_row(community, "demand"), option_row(community, "equal", "0.12")
    members = []
    for n, role in enumerate((expert, resident, resident)):
        user = user_make(f"member{n}")
        claim_make(user, role, status=ClaimStatus.VERIFIED, decided_by=planner)
        members.append(pledge_row(community, user, roof=roof_at(BUILDING_LONS[n], LAT),
                                  pv_kwp=4.0 + n, yearly_kwh=3500 + 100 * n))
        vote_cast(user=user, proposal=demand.proposal, value=1)
        vote_cast(user=user, proposal=equal.proposal, value=1 if n == 2 else -1)
    return {"community": community, "options": [demand, equal], "pledges": members}


def done_run(community, options, pledges) -> SimulationRun:
    run = SimulationRun.objects.create(
        community=community, status="done", progress=100, members=len(pledges),
        finished_at=timezone.now(), results={
            "totals": {str(o.pk): {scale: totals(scale, 10.0 * i) for scale in SCALES}
                       for i, o in enumerate(options)},
            "pool": {"members": 41, "communities": 2}})
    for pledge in pledges:
        MemberResult.objects.create(run=run, pledge=pledge, results={
            str(o.pk): {"district": {"savings": MEMBER_FIGURE}} for o in options})
    return run


def by_worker(project) -> DecisionReport:
    with transaction.atomic():
        report = services.report_request(project=project)

    def finished():
        return DecisionReport.objects.get(pk=report.pk).finished

    wait_until(finished, timeout=120, what="the worker to compile the report")
    report.refresh_from_db()
    assert report.status == "succeeded", report.message
    return report


def section(report) -> str:
    text = pdf_text(report)
    assert SECTION in text
    return text.split(SECTION, 1)[1].split("The ranking", 1)[0]


# ------------------------------------------------------------------ by the worker


@pytest.mark.integration
def test_the_worker_writes_the_section_of_a_simulated_community(worker, energy_vote):
    community, (demand, equal) = energy_vote["community"], energy_vote["options"]
    done_run(community, [demand, equal], energy_vote["pledges"])
    text = section(by_worker(community.project))
    flat = " ".join(text.split())
    # Each option: its simulated outcome at district scale and the weighted vote
    # (demand: 2 + 1 + 1 for; equal: 1 for, 2 + 1 against).
    assert "34.7 %" not in flat and "35 %" in flat and "74 %" in flat
    assert "5 688" in flat or "5\u202f688" in flat  # the second option's shared kWh
    assert re.search(r"3\s*/\s*0\s*/\s*0\s+4\s", flat)  # weighted score 2 + 1 + 1
    assert re.search(r"1\s*/\s*2\s*/\s*0\s+-2\s", flat)  # 1 - (2 + 1)
    # The three scales side by side, and the assumptions with their sources.
    for label in ("Building", "District", "City", "21 %", "47 %", "among 41 members",
                  "Ineichen", "BDEW", "0.25 kg", "PVGIS", "Tariffs"):
        assert label in flat, label
    assert f"{MEMBER_FIGURE}" not in pdf_text(DecisionReport.objects.get())


@pytest.mark.integration
def test_the_worker_says_a_community_without_a_run_has_no_simulation_yet(worker,
                                                                         energy_vote):
    text = " ".join(section(by_worker(energy_vote["community"].project)).split())
    assert "No simulation yet." in text
    assert "From a building to the city" not in text
    # The vote is there all the same.
    assert re.search(r"3\s*/\s*0\s*/\s*0\s+4\s", text)


# ------------------------------------------------------------------ in this process


def test_a_project_that_is_no_community_has_no_energy_section(energy_vote):
    from tests.factories import project_make

    project = project_make("ordinary", phase="voting")
    assert energy_read(project, []) is None
    assert SECTION not in pdf_text(compiled(project))


def test_the_sections_data_holds_sums_and_no_members_figures(energy_vote):
    community, options = energy_vote["community"], energy_vote["options"]
    done_run(community, options, energy_vote["pledges"])
    data = energy_read(community.project, [])
    assert data["members"] == 3 and data["public"] is True
    assert data["pledged_kwp"] == sum(p.pv_kwp for p in energy_vote["pledges"])
    assert len(data["roofs"]) == 3
    assert str(MEMBER_FIGURE) not in repr(data)
    assert data["options"][0]["scales"]["city"]["pool_members"] == 41


def test_below_three_members_the_section_withholds_sums_and_roofs(energy_vote):
    community, options = energy_vote["community"], energy_vote["options"]
    pledges = energy_vote["pledges"]
    done_run(community, options, pledges)
    pledges[0].status = "withdrawn"
    pledges[0].save(update_fields=["status"])
    data = energy_read(community.project, [])
    assert data["public"] is False and data["roofs"] == [] and data["pledged_kwp"] is None
    assert all(o["scales"]["district"] is None for o in data["options"])
    text = " ".join(pdf_text(compiled(community.project)).split())
    assert "The community's sums are withheld" in text
    assert "35 %" not in text
