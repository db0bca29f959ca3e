"""`make cluster` (platform/cluster.py): the whole deployment of several hosts, started
for real on this checkout's private services, used, and stopped with Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from tests.integration.processes import ROOT, get, wait_until
from tests.launcher import load_launcher

pytestmark = pytest.mark.integration

HOSTS = ("web-a", "web-b", "worker-1", "worker-2")


def free_pair() -> int:
    launcher = load_launcher()
    for _ in range(50):
        port = launcher.free_port()
        if launcher.port_is_free(port + 1):
            return port
    raise AssertionError("no two free ports in a row")


@pytest.mark.quality("across-hosts")
def test_make_cluster_serves_on_two_web_hosts_with_workers_a_replica_and_s3(tmp_path):
    port = free_pair()
    # As a user runs it: the checkout's own private services, nothing of the tests'.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")
           and k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    log = tmp_path / "cluster.log"
    proc = subprocess.Popen([sys.executable, "platform/cluster.py"], cwd=ROOT,
                            env={**env, "PORT": str(port)}, stdout=log.open("w"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until(lambda: "Plaza runs as" in log.read_text(), timeout=600,
                   what="make cluster to serve", log=log)
        text = log.read_text()
        assert "planner    planner" in text  # the demo logins are printed
        for web in (port, port + 1):
            assert f"http://127.0.0.1:{web}/" in text
            status, body = get(f"http://127.0.0.1:{web}/healthz", timeout=30)
            checks = json.loads(body)["checks"]
            assert status == 200, body
            assert checks["storage"]["ok"] and checks["replica"]["ok"], body
            # Barcelona's two public projects at the root, Cambridge's one under its prefix
            # (its replica of Barcelona's is a draft).
            for path, count in (("/", 2), ("/cambridge/", 1)):
                status, body = get(f"http://127.0.0.1:{web}{path}api/v1/projects/", timeout=30)
                assert status == 200 and len(json.loads(body)["results"]) == count, body
        # Every file the demo stored went to the S3 server: no host kept one.
        cluster = ROOT / "var" / "cluster"
        for host in HOSTS:
            kept = [p for folder in ("media", "private", "scratch")
                    for p in (cluster / host / folder).rglob("*") if p.is_file()]
            assert kept == [], host
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=120) == 0, log.read_text()[-3000:]
    # What it started, it stops; what was running before it, it leaves.
    lines = log.read_text().splitlines()
    started = [name for name in ("s3", "replica") if f"{name} started" in lines[0]]
    if started:
        assert lines[-1].endswith(f"stopped {', '.join(started)}"), lines[-1]
