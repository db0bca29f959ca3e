"""`python platform/services.py up --replica`: a streaming replica of the private cluster."""

from __future__ import annotations

import os
import shutil
import time

import psycopg


def env_file(services) -> dict[str, str]:
    text = services.env_file.read_text()
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def connect(url: str):
    rest = url.split("://", 1)[1]
    credentials, _, location = rest.rpartition("@")
    user, password = credentials.split(":", 1)
    hostport, dbname = location.split("/", 1)
    host, port = hostport.split(":")
    return psycopg.connect(host=host, port=port, user=user, password=password,
                           dbname=dbname, connect_timeout=5, autocommit=True)


def test_up_with_replica_starts_a_hot_standby_that_follows_the_cluster(launcher, tmp_path):
    services = launcher.Services(var=tmp_path / "var", environ={"REDIS_URL": "external"})
    try:
        assert services.up() == {"postgres": "started", "redis": "external"}
        assert "DATABASE_REPLICA_URL" not in env_file(services)  # only when asked
        assert services.up(replica=True) == {
            "postgres": "reused", "redis": "external", "replica": "started"}
        urls = env_file(services)
        replica_url, primary_url = urls["DATABASE_REPLICA_URL"], urls["DATABASE_URL"]
        # The same user, password and database; another port.
        assert replica_url.rsplit(":", 1)[0] == primary_url.rsplit(":", 1)[0]
        assert replica_url != primary_url
        assert services.status()["replica"].startswith("running on 127.0.0.1:")
        with connect(primary_url) as primary, connect(replica_url) as replica:
            assert replica.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
            primary.execute("CREATE TABLE shade (n int); INSERT INTO shade VALUES (7)")
            deadline = time.monotonic() + 30
            while True:  # streamed, not copied: the table comes after the base backup
                try:
                    assert replica.execute("SELECT n FROM shade").fetchone() == (7,)
                    break
                except psycopg.errors.UndefinedTable:
                    assert time.monotonic() < deadline, "the replica never got the table"
                    time.sleep(0.1)
            # Set up on the primary once: a second `up --replica` changes nothing.
            roles = "SELECT count(*) FROM pg_roles WHERE rolname = 'plaza_replication'"
            assert primary.execute(roles).fetchone() == (1,)
        assert services.up(replica=True)["replica"] == "reused"
        assert services.down(only=["replica"]) == {"replica": True}
        assert "DATABASE_REPLICA_URL" not in env_file(services)
        assert services.status()["replica"] == "stopped"
    finally:
        services.down()
        home = services.state["postgres"].get("home", "")
        if home.startswith("/var/tmp/plaza-"):  # the fallback used when running as root
            shutil.rmtree(os.path.dirname(home), ignore_errors=True)

