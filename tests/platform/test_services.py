"""The launcher of the private PostGIS and Redis (platform/services.py)."""

import os
import shutil
import socket
import subprocess
import sys

import psycopg
import pytest
import redis

from tests.launcher import PLATFORM

ROOT = PLATFORM.parent


def test_a_second_start_reuses_the_running_services(launcher):
    """`make test` has started (or reused) this checkout's services; starting again reuses."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = subprocess.run([sys.executable, str(PLATFORM / "services.py"), "up", "--json"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '{"postgres": "reused", "redis": "reused"}'


def test_redis_starts_answers_is_reused_and_stops(launcher, tmp_path):
    services = launcher.Services(var=tmp_path, environ={"DATABASE_URL": "external"})
    try:
        assert services.up() == {"postgres": "external", "redis": "started"}
        pid = services.redis().pid()
        assert launcher.Services(var=tmp_path, environ={"DATABASE_URL": "x"}).up()["redis"] \
            == "reused"
        assert services.redis().pid() == pid
        url = services.env_file.read_text().strip().removeprefix("REDIS_URL=")
        assert "DATABASE_URL" not in services.env_file.read_text()
        assert redis.Redis.from_url(url).ping()
        assert not redis_ping_without_password(services.state["redis"]["port"])
    finally:
        assert services.down() == {"redis": True}
    assert not launcher.pid_alive(pid)


def redis_ping_without_password(port: int) -> bool:
    try:
        return redis.Redis(host="127.0.0.1", port=port).ping()
    except redis.AuthenticationError:
        return False


def test_a_taken_port_is_replaced_by_a_free_one(launcher, tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        services = launcher.Services(var=tmp_path, environ={"DATABASE_URL": "x"})
        services.state["redis"] = {"port": taken, "password": "pw"}
        try:
            assert services.up()["redis"] == "started"
            assert services.state["redis"]["port"] != taken
        finally:
            services.down()


def test_a_missing_redis_server_says_how_to_install_it(launcher, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    services = launcher.Services(var=tmp_path, environ={"DATABASE_URL": "x"})
    with pytest.raises(launcher.ServiceError, match="apt-get install redis-server"):
        services.up()


def test_a_missing_postgis_says_which_package_to_install(launcher, tmp_path, monkeypatch):
    fake = tmp_path / "99" / "bin"
    fake.mkdir(parents=True)
    (fake / "initdb").touch()
    monkeypatch.setenv("PG_BINDIR", str(fake))
    with pytest.raises(launcher.ServiceError, match="postgresql-99-postgis-3"):
        launcher.pg_bindir()


def test_a_redis_that_dies_at_start_is_reported_with_its_log(launcher, tmp_path, monkeypatch):
    fake = tmp_path / "bin"
    fake.mkdir()
    script = fake / "redis-server"
    script.write_text("#!/bin/sh\necho 'Fatal: bad config' >&2\nexit 1\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake))
    services = launcher.Services(var=tmp_path / "var", environ={"DATABASE_URL": "x"})
    with pytest.raises(launcher.ServiceError, match="Fatal: bad config"):
        services.up()


def test_a_fresh_postgis_cluster_starts_is_reused_and_stops(launcher, tmp_path):
    services = launcher.Services(var=tmp_path / "var", environ={"REDIS_URL": "external"})
    try:
        assert services.up() == {"postgres": "started", "redis": "external"}
        assert services.up()["postgres"] == "reused"
        pg = services.state["postgres"]
        with psycopg.connect(host="127.0.0.1", port=pg["port"], user="plaza",
                             password=pg["password"], dbname="plaza") as conn:
            assert conn.execute("SELECT postgis_lib_version()").fetchone()[0].startswith("3.")
        with pytest.raises(psycopg.OperationalError):  # a password is required
            psycopg.connect(host="127.0.0.1", port=pg["port"], user="plaza", dbname="plaza",
                            password="wrong", connect_timeout=5)
        # A new clone at the same path: var/ is new, but the cluster (kept outside var/
        # when running as root) is still there, with a password nobody knows any more.
        services.down()
        home = services.state["postgres"].get("home")
        shutil.rmtree(services.var / "redis", ignore_errors=True)
        services.state_file.unlink()
        again = launcher.Services(var=tmp_path / "var", environ={"REDIS_URL": "external"})
        assert again.up()["postgres"] == "started"
        assert again.state["postgres"]["home"] == home
        pg = again.state["postgres"]
        with psycopg.connect(host="127.0.0.1", port=pg["port"], user="plaza",
                             password=pg["password"], dbname="plaza") as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        services = again
    finally:
        assert services.down() == {"postgres": True}
        home = services.state["postgres"].get("home", "")
        if home.startswith("/var/tmp/plaza-"):  # the fallback used when running as root
            shutil.rmtree(os.path.dirname(home), ignore_errors=True)
