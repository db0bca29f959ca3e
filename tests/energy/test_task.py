"""The simulation's task: one delivery at a time takes a run, a failure is recorded with
its reason, a worker that died leaves the run to the next delivery; and, with the
engine, a real worker simulates a community at the three scales."""

from types import SimpleNamespace

import numpy as np
import psycopg
import pytest
from django.db import connection, transaction

from energy import runs, services
from energy.models import MemberResult, RunStatus, SimulationRun
from energy.tasks import simulate_community_task
from tests.energy.conftest import (
    BUILDING_LONS,
    LAT,
    community_make,
    features,
    option_make,
    option_row,
    pledge_make,
    pledge_row,
    rectangle,
)


def queued_run(planner) -> SimulationRun:
    community = community_make(planner)
    option_row(community)
    pledge_row(community)
    return SimulationRun.objects.create(community=community, requested_by=planner)


@pytest.fixture
def other_session():
    """A second database session, as another worker's."""
    settings = connection.settings_dict
    session = psycopg.connect(dbname=connection.settings_dict["NAME"],
                              user=settings["USER"], password=settings["PASSWORD"],
                              host=settings["HOST"], port=settings["PORT"] or None,
                              autocommit=True)
    yield session
    session.close()


# ------------------------------------------------------------------ taking a run


@pytest.mark.django_db
def test_a_delivery_takes_a_queued_run(planner):
    run = queued_run(planner)
    try:
        assert runs.simulation_claim(run.pk)
    finally:
        runs.simulation_release(run.pk)
    run.refresh_from_db()
    assert (run.status, run.attempts) == (RunStatus.RUNNING, 1) and run.started_at


@pytest.mark.django_db
def test_a_run_held_by_a_live_delivery_is_left_to_it(planner, other_session):
    run = queued_run(planner)
    other_session.execute("SELECT pg_advisory_lock(%s, %s)", [runs.RUN_LOCK, run.pk])
    assert not runs.simulation_claim(run.pk)
    run.refresh_from_db()
    assert (run.status, run.attempts) == (RunStatus.QUEUED, 0)
    other_session.execute("SELECT pg_advisory_unlock(%s, %s)", [runs.RUN_LOCK, run.pk])
    try:
        assert runs.simulation_claim(run.pk)  # its holder let go (or died)
    finally:
        runs.simulation_release(run.pk)


@pytest.mark.quality("energy-run-takeover")
@pytest.mark.django_db
def test_a_running_run_whose_worker_died_is_taken_over(planner):
    run = queued_run(planner)
    SimulationRun.objects.filter(pk=run.pk).update(status="running", attempts=1)
    try:
        assert runs.simulation_claim(run.pk)  # nobody holds its lock
    finally:
        runs.simulation_release(run.pk)
    run.refresh_from_db()
    assert (run.status, run.attempts) == (RunStatus.RUNNING, 2)


@pytest.mark.django_db
def test_a_finished_run_is_left_alone(planner):
    run = queued_run(planner)
    SimulationRun.objects.filter(pk=run.pk).update(status="done", progress=100)
    assert not runs.simulation_claim(run.pk)
    run.refresh_from_db()
    assert (run.status, run.attempts) == (RunStatus.DONE, 0)


@pytest.mark.quality("energy-run-takeover")
@pytest.mark.django_db
def test_a_run_that_killed_its_worker_three_times_fails_saying_why(planner):
    run = queued_run(planner)
    SimulationRun.objects.filter(pk=run.pk).update(status="running",
                                                   attempts=runs.MAX_ATTEMPTS)
    assert not runs.simulation_claim(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "3 times" in run.error
    with connection.cursor() as cursor:  # and the lock was let go
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                       "AND classid = %s AND objid = %s", [runs.RUN_LOCK, run.pk])
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db
def test_inputs_the_engine_refuses_fail_the_run_with_its_words(planner, monkeypatch):
    run = queued_run(planner)

    def refuse(run_id):
        raise ValueError("yearly_kwh must be positive")

    monkeypatch.setattr(runs, "simulation_execute", refuse)
    assert simulate_community_task.apply(args=[run.pk]).get() == "failed"
    run.refresh_from_db()
    assert (run.status, run.error) == (RunStatus.FAILED, "yearly_kwh must be positive")


@pytest.mark.django_db
def test_an_unexpected_error_fails_the_run_and_is_raised_for_the_log(planner, monkeypatch):
    run = queued_run(planner)

    def crash(run_id):
        raise KeyError("pv")

    monkeypatch.setattr(runs, "simulation_execute", crash)
    with pytest.raises(KeyError):
        simulate_community_task.apply(args=[run.pk]).get()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.error.startswith("KeyError")


@pytest.mark.django_db
def test_a_second_delivery_of_a_done_run_changes_nothing(planner, monkeypatch):
    run = queued_run(planner)
    SimulationRun.objects.filter(pk=run.pk).update(status="done", progress=100,
                                                   results={"totals": {"kept": 1}})
    monkeypatch.setattr(runs, "simulation_execute", pytest.fail)
    assert simulate_community_task.apply(args=[run.pk]).get() == ""
    run.refresh_from_db()
    assert run.results == {"totals": {"kept": 1}}


@pytest.mark.quality("energy-run-takeover")
@pytest.mark.django_db
def test_beat_publishes_again_the_runs_no_worker_is_on(planner, other_session, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from energy import tasks

    long_ago = timezone.now() - timedelta(minutes=11)
    lost = queued_run(planner)
    fresh = SimulationRun.objects.create(community=community_make(planner, slug="fresh"))
    orphan = SimulationRun.objects.create(community=community_make(planner, slug="orphan"),
                                          status="running", started_at=long_ago)
    busy = SimulationRun.objects.create(community=community_make(planner, slug="busy"),
                                        status="running", started_at=long_ago)
    SimulationRun.objects.filter(pk=lost.pk).update(created_at=long_ago)
    done = SimulationRun.objects.create(community=community_make(planner, slug="done"),
                                        status="done", progress=100)
    SimulationRun.objects.filter(pk=done.pk).update(created_at=long_ago)
    other_session.execute("SELECT pg_advisory_lock(%s, %s)", [runs.RUN_LOCK, busy.pk])
    published = []
    monkeypatch.setattr(tasks.simulate_community_task, "delay", published.append)
    assert tasks.simulations_requeue_task() == 2
    assert sorted(published) == sorted([lost.pk, orphan.pk])
    assert fresh.pk not in published and busy.pk not in published


# ------------------------------------------------------------------ the engine's inputs


def test_members_of_one_building_share_and_a_drawn_roof_is_alone():
    groups = runs.building_groups([7, None, 7, 9, None, 9])
    assert groups[0] == groups[2] and groups[3] == groups[5]
    assert len({groups[0], groups[1], groups[3], groups[4]}) == 4


@pytest.mark.parametrize(("zone", "hours"), [
    ("Europe/Madrid", 1), ("Europe/London", 0), ("America/New_York", -5),
    ("Australia/Sydney", 10),  # January is its summer: the standard offset still
])
def test_the_engines_year_runs_on_the_zones_standard_time(zone, hours):
    assert runs.utc_offset_hours(zone) == hours


def test_a_subsets_totals_follow_the_engines_rules():
    rng = np.random.default_rng(7)
    flows = {name: rng.uniform(0, 100, 6) for name in runs.SUMS.values()}
    result = SimpleNamespace(**flows)
    index = np.array([1, 3, 4])
    totals = runs.subset_totals(result, index)
    for key, name in runs.SUMS.items():
        assert totals[key] == pytest.approx(sum(flows[name][i] for i in index))
    generation = sum(flows["generation"][i] for i in index)
    used = sum(flows["self_consumed"][i] + flows["shared_out"][i] for i in index)
    assert totals["self_consumption"] == pytest.approx(used / generation)
    assert totals["members"] == 3
    none = SimpleNamespace(**{name: np.zeros(2) for name in runs.SUMS.values()})
    assert runs.subset_totals(none, np.arange(2))["self_sufficiency"] == 0.0


# ------------------------------------------------------------------ with the real worker


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_simulates_a_community_at_three_scales(engine, worker, planner,
                                                            buildings):
    from tests.integration.processes import wait_until

    community = community_make(planner, building_layer=buildings)
    [first, second, *_rest] = features(buildings)
    option_make(community, planner, key="demand")
    option_make(community, planner, key="fixed", price="0.08")
    members = [pledge_make(community, building=first),
               pledge_make(community, building=first, pv_kwp=0, kind="shop"),
               pledge_make(community, building=second, battery_kwh=5, battery_kw=2.5),
               pledge_make(community, roof=rectangle(BUILDING_LONS[3], LAT), pv_kwp=0)]
    neighbours = community_make(planner, slug="neighbours")
    pledge_make(neighbours, roof=rectangle(BUILDING_LONS[2], LAT))
    with transaction.atomic():
        run = services.simulation_request(community=community, planner=planner)

    def finished():
        run.refresh_from_db()
        return run.status in (RunStatus.DONE, RunStatus.FAILED)

    wait_until(finished, timeout=300, what="the simulation")
    assert run.status == RunStatus.DONE, run.error
    assert (run.progress, run.members, run.attempts) == (100, 4, 1)
    assert run.results["pool"] == {"members": 5, "communities": 2}
    own = MemberResult.objects.filter(run=run)
    assert sorted(own.values_list("pledge_id", flat=True)) == sorted(p.pk for p in members)
    for option in community.options.all():
        by_scale = run.results["totals"][str(option.pk)]
        assert set(by_scale) == {"building", "district", "city"}
        assert by_scale["city"]["pool_members"] == 5
        for scale, totals in by_scale.items():
            assert totals["members"] == 4
            outflow = (totals["self_consumed_kwh"] + totals["shared_kwh"]
                       + totals["grid_export_kwh"] + totals["battery_losses_kwh"])
            inflow = (totals["self_consumed_kwh"] + totals["received_kwh"]
                      + totals["grid_import_kwh"])
            assert totals["generation_kwh"] == pytest.approx(outflow, rel=1e-9), scale
            assert totals["demand_kwh"] == pytest.approx(inflow, rel=1e-9), scale
            members_sum = sum(r.results[str(option.pk)][scale]["generation_kwh"] for r in own)
            assert members_sum == pytest.approx(totals["generation_kwh"], rel=1e-9)
        # The same members and weather: the same year's generation at every scale.
        assert by_scale["building"]["generation_kwh"] == pytest.approx(
            by_scale["city"]["generation_kwh"], rel=1e-9)
        if option.key == "demand":
            # Sharing by demand in a larger group receives min(surplus, deficit) of the
            # whole group each hour: never less than its buildings apart.
            assert by_scale["district"]["shared_kwh"] >= by_scale["building"]["shared_kwh"]
