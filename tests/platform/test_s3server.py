"""The launcher's optional S3 server (platform/s3server.py, `services.py up --s3`)."""

import json
from pathlib import Path

import boto3
import pytest

EXTERNAL = {"DATABASE_URL": "external", "REDIS_URL": "external"}


def env_file(services) -> dict[str, str]:
    text = services.env_file.read_text()
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


@pytest.fixture
def services(launcher, tmp_path):
    made = launcher.Services(var=tmp_path, environ=EXTERNAL)
    yield made
    stopped = launcher.Services(var=tmp_path, environ=EXTERNAL).down()
    assert not any(stopped.values()), stopped  # nothing left running


def test_up_s3_starts_a_server_with_its_bucket_and_writes_its_variables(launcher,
                                                                         services):
    try:
        assert services.up(s3=True) == {"postgres": "external", "redis": "external",
                                        "s3": "started"}
        variables = env_file(services)
        assert variables.keys() == {"S3_ENDPOINT_URL", "S3_BUCKET", "S3_ACCESS_KEY_ID",
                                    "S3_SECRET_ACCESS_KEY"}
        assert variables["S3_ENDPOINT_URL"].startswith("http://127.0.0.1:")
        assert variables["S3_BUCKET"] == "plaza"
        client = boto3.client(
            "s3", endpoint_url=variables["S3_ENDPOINT_URL"], region_name="us-east-1",
            aws_access_key_id=variables["S3_ACCESS_KEY_ID"],
            aws_secret_access_key=variables["S3_SECRET_ACCESS_KEY"])
        client.put_object(Bucket="plaza", Key="media/a.txt", Body=b"hello")
        assert client.get_object(Bucket="plaza", Key="media/a.txt")["Body"].read() == b"hello"
        pid = services.s3().pid()
        assert (services.var / "s3" / "moto.pid").exists()
        again = launcher.Services(var=services.var, environ=EXTERNAL)
        assert again.up(s3=True)["s3"] == "reused" and again.s3().pid() == pid
        assert again.status()["s3"] == f"running on {variables['S3_ENDPOINT_URL']}"
        # `up` without --s3 (make run) keeps it, and its variables.
        assert "s3" not in again.up()
        assert env_file(again) == variables
    finally:
        assert services.down() == {"s3": True}
    assert not launcher.pid_alive(pid)
    # Stopped, it has lost its files: the settings must not point at it any more.
    assert env_file(services) == {}
    assert services.status()["s3"] == "stopped"


def test_up_without_s3_starts_no_server_and_writes_no_variable(services):
    assert services.up() == {"postgres": "external", "redis": "external"}
    assert env_file(services) == {}
    assert "s3" not in services.status()


def test_a_bucket_named_by_the_environment_is_used_as_it_is(launcher, tmp_path):
    services = launcher.Services(var=tmp_path, environ={**EXTERNAL, "S3_BUCKET": "city"})
    assert services.up(s3=True)["s3"] == "external"
    assert not (tmp_path / "s3").exists()


def test_a_missing_moto_server_says_how_to_install_it(launcher, services, monkeypatch):
    monkeypatch.setattr(launcher.s3server, "moto_server", lambda: None)
    with pytest.raises(launcher.s3server.S3ServerError, match="requirements"):
        services.up(s3=True)


def test_a_server_that_dies_at_start_is_reported_with_its_log(launcher, services,
                                                              monkeypatch, tmp_path):
    script = tmp_path / "moto_server"
    script.write_text("#!/bin/sh\necho 'cannot listen: it broke' >&2\nexit 3\n")
    script.chmod(0o755)
    monkeypatch.setattr(launcher.s3server, "moto_server", lambda: Path(script))
    with pytest.raises(launcher.s3server.S3ServerError, match="it broke"):
        services.up(s3=True)
    assert env_file(services) == {}


def test_the_command_line_starts_it_with_s3_and_stops_it_with_down(launcher, tmp_path,
                                                                   monkeypatch, capsys):
    monkeypatch.setattr(launcher, "Services",
                        lambda real=launcher.Services: real(var=tmp_path, environ=EXTERNAL))
    try:
        assert launcher.main(["up", "--s3", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["s3"] == "started"
        assert launcher.main(["status"]) == 0
        assert "s3: running on http://127.0.0.1:" in capsys.readouterr().out
    finally:
        assert launcher.main(["down"]) == 0
    assert "s3: True" in capsys.readouterr().out
    assert launcher.main(["up"]) == 0
    assert "s3" not in capsys.readouterr().out  # only when asked
