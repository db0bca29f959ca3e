"""Which reads the replica serves, and which it never does (core/db_router.py).

Each request is watched on both connections: the queries each server answered are
captured per alias, so a test says where the data came from, not just that it came.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ClaimStatus
from core import db_router
from gisdata.models import Feature
from tests.factories import claim_make, project_make, proposal_make, role_make, user_make
from tests.opendata.conftest import grid, layer_make
from voting.models import Vote

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])

ITEMS = "/ogc/collections/ds-fountains-fountains/items"


@contextmanager
def served(*, replica_up: bool = True):
    """What each server answered inside the block: {"primary": [sql], "replica": [sql]}.
    (Capturing connects first: with the replica down, only the primary is watched.)"""
    seen = {}
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary:
        if replica_up:
            with CaptureQueriesContext(connections[db_router.REPLICA]) as replica:
                yield seen
            seen["replica"] = [q["sql"] for q in replica.captured_queries]
        else:
            yield seen
    seen["primary"] = [q["sql"] for q in primary.captured_queries]


def reads(queries: list[str], table: str) -> bool:
    return any(table in sql for sql in queries)


@pytest.fixture
def fountains(replica):
    layer = layer_make(points=grid(12))
    replica.wait_replayed()
    return layer


def test_ogc_items_and_a_tile_are_read_from_the_replica(replica, fountains):
    client = Client()
    with served() as seen:
        response = client.get(ITEMS)
    assert response.status_code == 200
    assert response.json()["numberReturned"] == 12
    assert reads(seen["replica"], "gisdata_feature")
    assert not reads(seen["primary"], "gisdata_feature")
    # And what answered is the standby itself, not the primary under another name.
    assert replica.sql("SELECT pg_is_in_recovery(), inet_server_port()") == (True, replica.port)

    with served() as seen:
        tile = client.get(f"/tiles/{fountains.pk}/0/0/0.pbf")
    assert tile.status_code == 200 and tile.content
    assert reads(seen["replica"], "ST_AsMVT")
    assert not reads(seen["primary"], "gisdata")


def test_an_export_streams_from_the_replica(replica, fountains):
    with served() as seen:
        response = Client().get(f"/api/v1/layers/{fountains.pk}/features.csv")
        body = b"".join(response.streaming_content).decode()
    assert len(body.strip().splitlines()) == 13  # the header and 12 rows
    assert reads(seen["replica"], "gisdata_feature")
    assert not reads(seen["primary"], "gisdata_feature")


def test_a_layers_features_on_the_map_read_the_replica_for_anonymous_readers_only(
        replica, fountains, planner):
    with served() as seen:
        response = Client().get(f"/api/v1/layers/{fountains.pk}/features/")
    assert response.status_code == 200 and len(response.json()["features"]) == 12
    assert reads(seen["replica"], "gisdata_feature")
    assert not reads(seen["primary"], "gisdata_feature")

    # A planner reads unpublished layers too, and may just have changed this one.
    signed_in = Client()
    signed_in.force_login(planner)
    with served() as seen:
        assert signed_in.get(f"/api/v1/layers/{fountains.pk}/features/").status_code == 200
    assert reads(seen["primary"], "gisdata_feature")
    assert seen["replica"] == []


def test_the_public_proposals_list_reads_the_replica_for_anonymous_readers_only(replica):
    project = project_make("open-city")
    proposal_make(project, user_make("author"), title="Shade on the square")
    replica.wait_replayed()
    with served() as seen:
        anonymous = Client().get("/api/v1/proposals/")
    assert [f["properties"]["title"] for f in anonymous.json()["features"]] == [
        "Shade on the square"]
    assert reads(seen["replica"], "proposals_proposal")
    assert not reads(seen["primary"], "proposals_proposal")

    signed_in = Client()
    signed_in.force_login(user_make("reader"))
    with served() as seen:
        assert signed_in.get("/api/v1/proposals/").status_code == 200
    assert reads(seen["primary"], "proposals_proposal")
    assert seen["replica"] == []


@pytest.mark.quality("replica-behind")
def test_a_vote_and_what_its_voter_reads_next_stay_on_the_primary(replica, planner):
    role = role_make("resident", "1")
    project = project_make("vote-now", phase="voting")
    proposal = proposal_make(project, user_make("proposer"), title="A bench")
    voter = user_make("voter")
    claim_make(voter, role, status=ClaimStatus.VERIFIED, decided_by=planner)
    layer_make(points=grid(3))
    replica.wait_replayed()
    api = APIClient()
    api.force_authenticate(voter)
    with served() as seen:
        cast = api.post(reverse("api:proposal-vote", args=[proposal.pk]),
                        {"value": "support"}, format="json")
    assert cast.status_code == 200, cast.content
    assert seen["replica"] == []
    assert Vote.objects.filter(user=voter).exists()
    # The write pinned this client to the primary: its next open-data read comes from there.
    assert db_router.PIN_COOKIE in api.cookies
    with served() as seen:
        assert api.get(ITEMS).status_code == 200
    assert reads(seen["primary"], "gisdata_feature")
    assert seen["replica"] == []


def test_the_dashboard_reads_from_the_primary(replica, planner):
    client = Client()
    client.force_login(planner)
    with served() as seen:
        assert client.get(reverse("dashboard:index")).status_code == 200
    assert seen["primary"]
    assert seen["replica"] == []


@pytest.mark.quality("replica-behind")
def test_a_replica_lagging_past_the_bound_is_passed_over_for_the_primary(
        replica, fountains, settings):
    settings.REPLICA_MAX_LAG_SECONDS = 0.5
    replica.sql("SELECT pg_wal_replay_pause()")
    Feature.objects.create(layer=fountains, geometry="SRID=4326;POINT(2.2 41.4)",
                           properties={"name": "New fountain"})
    type(fountains).objects.filter(pk=fountains.pk).update(feature_count=13)
    deadline = time.monotonic() + 30
    while db_router.measure_lag() <= 0.5:  # the write arrived, and was not replayed
        assert time.monotonic() < deadline, "the replica's lag never grew"
        time.sleep(0.1)
    with served() as seen:
        response = Client().get(ITEMS)
    assert response.status_code == 200
    assert response.json()["numberReturned"] == 13  # the fresh data
    assert reads(seen["primary"], "gisdata_feature")
    assert seen["replica"] == [] or not reads(seen["replica"], "gisdata_feature")
    assert db_router.replica_state().lag > 0.5


@pytest.mark.quality("replica-behind")
def test_a_dead_replica_costs_one_connect_per_interval_and_no_error(replica, fountains):
    assert connections[db_router.REPLICA].settings_dict["OPTIONS"]["connect_timeout"] == 2
    replica.point_at(_port_nobody_listens_on())
    client = Client()
    for _ in range(3):
        with served(replica_up=False) as seen:
            response = client.get(ITEMS)
        assert response.status_code == 200
        assert response.json()["numberReturned"] == 12
        assert reads(seen["primary"], "gisdata_feature")
    # One failed connect, then the back-off: the next requests did not try again.
    assert db_router.replica_state().failures == 1
    assert db_router.replica_state().error == "OperationalError"


@pytest.mark.quality("replica-behind")
def test_a_replica_that_comes_back_is_used_again_after_the_back_off(
        replica, fountains, settings):
    settings.REPLICA_RETRY_SECONDS = 0
    replica.point_at(_port_nobody_listens_on())
    assert Client().get(ITEMS).status_code == 200
    assert db_router.replica_state().failures == 1
    connections.settings[db_router.REPLICA]["PORT"] = str(replica.port)
    connections[db_router.REPLICA].settings_dict["PORT"] = str(replica.port)
    with served() as seen:
        assert Client().get(ITEMS).status_code == 200
    assert reads(seen["replica"], "gisdata_feature")


@pytest.mark.quality("replica-behind")
def test_a_replica_lost_during_a_request_makes_it_run_again_on_the_primary(
        replica, fountains, settings):
    settings.REPLICA_CHECK_SECONDS = 3600  # the replica was fine when last measured
    assert Client().get(ITEMS).status_code == 200
    assert db_router.replica_state().usable
    connections[db_router.REPLICA].close()
    connections[db_router.REPLICA].settings_dict["PORT"] = str(_port_nobody_listens_on())
    with served(replica_up=False) as seen:
        response = Client().get(ITEMS)
    assert response.status_code == 200
    assert response.json()["numberReturned"] == 12
    assert reads(seen["primary"], "gisdata_feature")
    assert db_router.replica_state().failures == 1
    assert not db_router.replica_state().usable


def test_the_test_runner_creates_no_database_on_the_replica(replica):
    """The alias mirrors the primary's test database, which a real replica has (CREATE
    DATABASE is replicated): the runner creates, migrates and flushes only the primary."""
    from django.test.utils import get_unique_databases_and_mirrors  # noqa: PLC0415

    test_databases, mirrored = get_unique_databases_and_mirrors(
        {DEFAULT_DB_ALIAS, db_router.REPLICA})
    assert mirrored == {db_router.REPLICA: DEFAULT_DB_ALIAS}
    assert [aliases for _, (_, aliases) in test_databases.items()] == [[DEFAULT_DB_ALIAS]]
    assert (replica.sql("SELECT current_database()")[0]
            == connections[DEFAULT_DB_ALIAS].settings_dict["NAME"])


@pytest.mark.quality("replica-behind")
def test_healthz_reports_the_replica_without_failing_for_it(replica):
    from config import health  # noqa: PLC0415

    assert health._replica()["ok"] is True
    assert health._replica()["lag_seconds"] is not None
    replica.point_at(_port_nobody_listens_on())
    check = health._replica()
    assert check["ok"] is False and check["error"] == "OperationalError"
    assert "port" not in str(check) and "127.0.0.1" not in str(check)
    body = Client().get("/healthz").json()
    assert body["checks"]["replica"]["ok"] is False
    others = all(c["ok"] for name, c in body["checks"].items() if name != "replica")
    assert body["status"] == ("ok" if others else "unavailable")


def test_migrations_and_writes_never_go_to_the_replica(replica):
    router = db_router.ReplicaRouter()
    assert router.allow_migrate(db_router.REPLICA, "gisdata") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "gisdata") is True
    with db_router.use_replica():
        assert router.db_for_write(Feature) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Feature) == db_router.REPLICA
    assert router.db_for_read(Feature) == DEFAULT_DB_ALIAS


def _port_nobody_listens_on() -> int:
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
