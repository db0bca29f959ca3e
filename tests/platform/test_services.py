"""The launcher of the private PostGIS and Redis (platform/services.py)."""

import json
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


SERVICES = (("postgres", "DATABASE_URL"), ("redis", "REDIS_URL"))


@pytest.fixture(autouse=True)
def nothing_left_running(launcher, tmp_path):
    """No test leaves a PostgreSQL cluster or a Redis server running in its tmp_path.

    Whatever a test started under tmp_path and did not stop is stopped here, and the
    test fails for it.
    """
    yield
    left = {}
    for state_file in tmp_path.rglob("services.json"):
        services = launcher.Services(var=state_file.parent, environ={})
        running = [name for name, what in services.status().items()
                   if what.startswith("running")]
        if running:
            services.down(only=running)
            left[str(state_file.parent)] = running
    assert not left, f"left running: {left}"


def urls_of_this_checkouts_services() -> dict[str, str]:
    """What var/services.env says about this checkout's private services."""
    try:
        text = (ROOT / "var" / "services.env").read_text()
    except FileNotFoundError:
        return {}
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def test_up_again_starts_nothing_in_either_mode(launcher):
    """`make test` started (or reused) this checkout's services, or uses the servers that
    DATABASE_URL / REDIS_URL name (both modes of the README): `up` again starts nothing.

    The settings copy var/services.env into the environment, so a variable that holds
    exactly what that file says names a private service, and is removed for the launcher
    to find the service by itself; any other value names an external server, kept.
    """
    private = urls_of_this_checkouts_services()
    env = dict(os.environ)
    expected = {}
    for name, variable in SERVICES:
        if variable in env and env[variable] != private.get(variable):
            expected[name] = "external"
        else:
            env.pop(variable, None)
            expected[name] = "reused"
    result = subprocess.run([sys.executable, str(PLATFORM / "services.py"), "up", "--json"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    try:
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == expected
    finally:
        # A failure must not leave behind what this test started.
        said = json.loads(result.stdout) if result.returncode == 0 else {}
        started = [name for name, what in said.items() if what == "started"]
        if started:
            launcher.Services(environ={}).down(only=started)


def test_external_servers_are_used_as_they_are(launcher, tmp_path):
    """With both variables set, `up` starts nothing, writes no URL and `down` stops nothing."""
    services = launcher.Services(var=tmp_path, environ={"DATABASE_URL": "postgis://h/db",
                                                        "REDIS_URL": "redis://h/0"})
    assert services.up() == {"postgres": "external", "redis": "external"}
    assert services.env_file.read_text() == ""
    assert not (tmp_path / "redis").exists() and not (tmp_path / "pg").exists()
    assert services.status() == {"postgres": "external", "redis": "external"}
    assert services.down() == {}


def test_the_private_urls_stay_written_while_a_variable_overrides_them(launcher, tmp_path):
    """A run with REDIS_URL set keeps the private Redis reachable for the next run without it."""
    private = launcher.Services(var=tmp_path, environ={"DATABASE_URL": "x"})
    try:
        assert private.up()["redis"] == "started"
        written = private.env_file.read_text()
        assert written.startswith("REDIS_URL=redis://:")
        overridden = launcher.Services(var=tmp_path, environ={"DATABASE_URL": "x",
                                                              "REDIS_URL": "redis://h/0"})
        assert overridden.up() == {"postgres": "external", "redis": "external"}
        assert overridden.env_file.read_text() == written
    finally:
        private.down()


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
