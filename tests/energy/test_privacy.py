"""A member's pledges and own figures are in their export and go with their account;
the community's runs stay, and so do other members' pledges."""

import pytest
from django.utils import timezone

from accounts.privacy_registry import account_erase, personal_data_export
from energy.models import MemberResult, Pledge, SimulationRun
from tests.energy.conftest import community_make, pledge_make, pledge_row
from tests.factories import PASSWORD, user_make

pytestmark = pytest.mark.django_db


def run_with_results(community, pledges) -> SimulationRun:
    run = SimulationRun.objects.create(community=community, status="done", progress=100,
                                       members=len(pledges), finished_at=timezone.now(),
                                       requested_by=user_make("run-planner", planner=True),
                                       results={"totals": {}})
    for pledge in pledges:
        MemberResult.objects.create(run=run, pledge=pledge, results={
            "1": {"district": {"savings": pledge.yearly_kwh / 10}}})
    return run


def test_the_export_gives_the_members_pledges_and_own_figures(planner, citizen):
    community = community_make(planner)
    mine = pledge_make(community, citizen, kind="shop", yearly_kwh=7300, pv_kwp=5.5)
    other = pledge_row(community, yearly_kwh=9100)
    run = run_with_results(community, [mine, other])
    [exported] = personal_data_export(user=citizen)["energy_pledges"]
    assert (exported["community"], exported["kind"], exported["yearly_kwh"],
            exported["pv_kwp"], exported["status"]) == (community.pk, "shop", 7300, 5.5,
                                                        "active")
    assert exported["roof"]["type"] == "Polygon"
    assert exported["simulations"] == [{"simulation": run.pk,
                                        "finished_at": run.finished_at.isoformat(),
                                        "results": {"1": {"district": {"savings": 730.0}}}}]
    assert "9100" not in str(personal_data_export(user=citizen))


def test_someone_who_never_pledged_exports_no_pledge(citizen):
    assert personal_data_export(user=citizen)["energy_pledges"] == []


def test_erasure_takes_the_pledges_and_figures_and_leaves_the_rest(planner, citizen):
    community = community_make(planner)
    mine = pledge_make(community, citizen)
    other = pledge_row(community)
    run = run_with_results(community, [mine, other])
    account_erase(user=citizen, password=PASSWORD)
    assert list(Pledge.objects.values_list("pk", flat=True)) == [other.pk]
    assert list(MemberResult.objects.values_list("pledge_id", flat=True)) == [other.pk]
    run.refresh_from_db()
    assert run.status == "done" and run.requested_by is not None


def test_an_erased_planner_leaves_the_run_without_their_name(planner):
    community = community_make(planner)
    run = run_with_results(community, [pledge_row(community)])
    account_erase(user=run.requested_by, password=PASSWORD)
    run.refresh_from_db()
    assert run.requested_by is None and run.status == "done"
