"""/metrics across processes: the session's real Celery worker records its tasks in
Redis, and the web reads them; gunicorn's workers add up through the multiprocess
folder."""

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from config.celery import app, ping_task
from tests.integration.processes import BIN, ROOT, get, process_env, stop, wait_until
from tests.launcher import load_launcher

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
PING = "plaza.health.ping"


def families_of(text: str) -> dict:
    return {family.name: [(s.name, s.labels, s.value) for s in family.samples]
            for family in text_string_to_metric_families(text)}


def value(families: dict, sample: str, **labels) -> float:
    return sum(v for family in families.values() for name, got, v in family
               if name == sample and all(got.get(k) == w for k, w in labels.items()))


def scrape() -> dict:
    response = Client().get("/metrics")
    assert response.status_code == 200
    return families_of(response.content.decode())


def test_a_task_the_worker_runs_is_timed_and_one_that_fails_is_counted(worker):
    before = scrape()
    assert ping_task.apply_async(expires=30).get(timeout=20) == "pong"
    runtime = "plaza_celery_task_runtime_seconds"
    wait_until(lambda: value(scrape(), f"{runtime}_count", task=PING)
               > value(before, f"{runtime}_count", task=PING),
               timeout=20, what="the ping's runtime in /metrics")
    after = scrape()
    assert value(after, f"{runtime}_count", task=PING) == value(
        before, f"{runtime}_count", task=PING) + 1
    assert value(after, f"{runtime}_sum", task=PING) >= value(before, f"{runtime}_sum",
                                                              task=PING)
    assert value(after, f"{runtime}_bucket", task=PING, le="+Inf") == value(
        after, f"{runtime}_count", task=PING)
    assert value(after, "plaza_celery_task_failures_total", task=PING) == value(
        before, "plaza_celery_task_failures_total", task=PING)

    # A ping given an argument it does not take fails in the worker (TypeError); sent by
    # name, as another host would, since apply_async checks the arguments here first.
    failing = app.send_task(PING, args=["unexpected"], expires=30)
    with pytest.raises(TypeError):
        failing.get(timeout=20)
    wait_until(lambda: value(scrape(), "plaza_celery_task_failures_total", task=PING)
               > value(before, "plaza_celery_task_failures_total", task=PING),
               timeout=20, what="the failure in /metrics")
    assert value(scrape(), "plaza_celery_task_failures_total", task=PING) == value(
        before, "plaza_celery_task_failures_total", task=PING) + 1


@pytest.fixture
def gunicorn_two_workers(tmp_path):
    """The deployment's gunicorn (platform/deploy/gunicorn.conf.py) with two workers and
    a multiprocess folder of this test's own."""
    port = load_launcher().free_port()
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_999999.db").write_bytes(b"")  # left by an earlier server: emptied
    log = tmp_path / "web.log"
    env = process_env(PROMETHEUS_MULTIPROC_DIR=str(folder), WEB_CONCURRENCY="2",
                      GUNICORN_THREADS="2")
    cmd = [str(BIN / "gunicorn"), "config.wsgi", "--config",
           str(ROOT / "platform" / "deploy" / "gunicorn.conf.py"),
           "--bind", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until(lambda: get(f"http://127.0.0.1:{port}/metrics")[0] == 200, timeout=90,
                   what="gunicorn", log=log)
        yield f"http://127.0.0.1:{port}", folder, log
    finally:
        stop(proc)


def pids_that_answered(folder: Path, view: str) -> set[int]:
    """The gunicorn workers whose own file counts answers of `view`."""
    found = set()
    for path in folder.glob("counter_*.db"):
        for key, count, _, _ in MmapedDict.read_all_values_from_file(str(path)):
            _, sample, labels, _ = json.loads(key)
            if (sample == "django_http_responses_total_by_status_view_method_total"
                    and labels.get("view") == view and count > 0):
                found.add(int(path.stem.rpartition("_")[2]))
    return found


def test_both_gunicorn_workers_add_up_in_metrics(gunicorn_two_workers):
    base, folder, log = gunicorn_two_workers
    assert not (folder / "counter_999999.db").exists()
    view = {"view": "api:root", "method": "GET"}
    sent = 0

    def both_answered():
        nonlocal sent
        status, _ = get(f"{base}/api/v1/")
        assert status == 200
        sent += 1
        return len(pids_that_answered(folder, "api:root")) == 2 and sent >= 10

    wait_until(both_answered, timeout=60, interval=0, what="requests to both workers",
               log=log)
    status, body = get(f"{base}/metrics")
    assert status == 200
    families = families_of(body.decode())
    # Whichever worker answered the scrape, it counts every worker's requests.
    assert value(families, "django_http_responses_total_by_status_view_method_total",
                 status="200", **view) == sent
    assert value(families, "django_http_requests_latency_seconds_by_view_method_count",
                 **view) == sent
    assert "plaza_celery_queue_length" in families

    # A worker killed (as the OOM killer would) is replaced; what it counted still counts.
    booted = log.read_text().count("Booting worker")
    os.kill(sorted(pids_that_answered(folder, "api:root"))[0], signal.SIGKILL)
    wait_until(lambda: log.read_text().count("Booting worker") > booted, timeout=30,
               what="a worker in place of the killed one", log=log)
    status, body = get(f"{base}/metrics")
    assert status == 200
    assert value(families_of(body.decode()),
                 "django_http_responses_total_by_status_view_method_total",
                 status="200", **view) == sent
