"""A real streaming replica of the test run's own PostgreSQL, for the tests that ask.

`replica_server` (once a session, only when a test asks for it) copies the server that
DATABASE_URL names with platform/replica.py, as `services.py up --replica` does for the
private cluster: pg_basebackup -R into a folder of its own, a free loopback port,
hot standby. It copies the test database too: it exists before the copy, and what the
tests write later reaches the replica by WAL, as in production. (About a second.)

`replica` adds the `replica` alias for one test and removes it after, so that the rest
of the suite never meets it; the tests that use it commit what they write
(`transaction=True`): a replica only ever sees committed data.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

from core import db_router
from tests.launcher import load_launcher


def _primary(module):
    conf = connections[DEFAULT_DB_ALIAS].settings_dict
    return module.Primary(conf["HOST"] or "127.0.0.1", int(conf["PORT"] or 5432),
                          conf["USER"], conf["PASSWORD"])


@pytest.fixture(scope="session")
def replica_server(django_db_setup, django_db_blocker):
    """(port, Replica) of a hot standby of the test database's server."""
    module = load_launcher().replica_module()
    primary = _primary(module)
    if primary.host not in {"127.0.0.1", "localhost"}:
        pytest.skip("the replica tests copy the test database's server, on this machine")
    with django_db_blocker.unblock(), connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            pytest.skip("the replica tests copy the test database's server with "
                        "pg_basebackup, which takes its superuser: DATABASE_URL's user "
                        "is not one")
    # A folder the `postgres` user can reach when the tests run as root.
    top = Path(tempfile.mkdtemp(prefix="plaza-test-replica-", dir="/var/tmp"))
    top.chmod(0o755)
    replica = module.Replica(top / "pg", {}, load_launcher().pg_bindir())
    try:
        # Generous: another test run on the same server (side by side on one machine)
        # may hold a transaction with many savepoints, which delays the standby's
        # opening for reads until it ends (platform/replica.py, Replica.up).
        replica.up(primary, timeout=600)
        replica.wait_streaming(primary)
        yield replica.state["port"], replica
    finally:
        replica.remove()
        os.rmdir(top) if top.exists() else None


class ReplicaHandle:
    """The replica of one test: its alias's settings and what the tests do to it."""

    def __init__(self, port: int, server):
        self.port = port
        self.server = server

    def sql(self, statement: str, alias: str = db_router.REPLICA):
        with connections[alias].cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchone()

    def wait_replayed(self, timeout: float = 30.0) -> None:
        """Until the replica has replayed everything the primary has written so far.

        The insert position, not the write position: the private cluster commits
        asynchronously (synchronous_commit = off), so a commit may not be written yet."""
        (lsn,) = self.sql("SELECT pg_current_wal_insert_lsn()::text", DEFAULT_DB_ALIAS)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.sql(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn")[0]:
                return
            time.sleep(0.05)
        raise AssertionError(f"the replica did not replay up to {lsn}")

    def point_at(self, port: int) -> None:
        connections[db_router.REPLICA].close()
        connections.settings[db_router.REPLICA]["PORT"] = str(port)
        connections[db_router.REPLICA].settings_dict["PORT"] = str(port)
        db_router.reset_state()


# The alias exists from before the test's database set-up (pytest-django's, which checks
# that every alias a test names exists) until after its tear-down, for the tests that use
# the replica only. Its port is set by the `replica` fixture, once the server runs.
@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if "replica" in getattr(item, "fixturenames", ()):
        conf = db_router.replica_settings(
            {"PORT": "0"}, dict(connections[DEFAULT_DB_ALIAS].settings_dict),
            connect_timeout=2)
        conf["CONN_MAX_AGE"] = 0
        connections.settings[db_router.REPLICA] = conf  # the same dict as DATABASES


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    if db_router.REPLICA in connections.settings:
        connections[db_router.REPLICA].close()
        del connections[db_router.REPLICA]
        connections.settings.pop(db_router.REPLICA)
        db_router.reset_state()


@pytest.fixture
def replica(replica_server, settings):
    """The `replica` alias on the session's replica, for this test only. Tests that use
    it name it: `django_db(transaction=True, databases=["default", "replica"])`."""
    port, server = replica_server
    settings.REPLICA_CHECK_SECONDS = 0  # measure the lag at every request
    settings.REPLICA_MAX_LAG_SECONDS = 10
    conf = connections.settings[db_router.REPLICA]
    conf["NAME"] = connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]  # the test database
    handle = ReplicaHandle(port, server)
    handle.point_at(port)
    try:
        yield handle
    finally:
        handle.point_at(port)
        handle.sql("SELECT pg_wal_replay_resume()")  # a test may have paused it
        connections[db_router.REPLICA].close()
