"""One request followed through the logs of real processes: gunicorn with the deployed
configuration, and the session's worker running the task that the request queued."""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from celery import signals

from tests.integration.processes import BIN, ROOT, process_env, stop, wait_until
from tests.launcher import load_launcher

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

IDS = ("request_id", "task_id", "task_name")
TEXT_IDS = re.compile(r" \[((?:\w+=[^\s\]]+ ?)+)\]: ")


def ids_in(line: str) -> dict[str, str]:
    """The ids a log line carries, in either LOG_FORMAT."""
    if line.startswith("{"):
        record = json.loads(line)
        return {key: record[key] for key in IDS if record[key]}
    match = TEXT_IDS.search(line)
    return dict(part.split("=", 1) for part in match.group(1).split()) if match else {}


@pytest.fixture
def worker_log(worker) -> Path:
    """The file the session's worker writes its output to (tests/conftest.py opens it as
    the process's standard output)."""
    return Path(os.readlink(f"/proc/{worker.pid}/fd/1"))


def line_about(log: Path, *needles: str) -> str | None:
    return next((line for line in log.read_text().splitlines()
                 if all(needle in line for needle in needles)), None)


def test_a_task_queued_by_a_request_logs_in_the_worker_with_both_ids(client, worker_log):
    published = []

    def remember(headers=None, **kwargs):
        published.append(headers["id"])

    signals.after_task_publish.connect(remember, weak=False)
    try:
        response = client.get("/healthz")  # its worker check queues a ping
    finally:
        signals.after_task_publish.disconnect(remember)
    [task_id] = published
    line = wait_until(lambda: line_about(worker_log, task_id, "succeeded"), timeout=20,
                      what="the worker's line about the ping", log=worker_log)
    assert ids_in(line) == {"request_id": response["X-Request-ID"], "task_id": task_id,
                            "task_name": "plaza.health.ping"}


@pytest.fixture
def web(worker, tmp_path):
    """gunicorn as deployed (platform/deploy/gunicorn.conf.py), logging JSON."""
    port = load_launcher().free_port()
    log = tmp_path / "web.log"
    env = process_env(GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1",
                      GUNICORN_THREADS="2", LOG_FORMAT="json")
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "config.wsgi", "--config", "platform/deploy/gunicorn.conf.py"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: urllib.request.urlopen(base + "/healthz", timeout=10).status == 200,
                   timeout=60, what="gunicorn to answer", log=log)
        yield base, log
    finally:
        stop(proc)


def get_with_id(url: str, request_id: str) -> int:
    request = urllib.request.Request(url, headers={"X-Request-ID": request_id})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.headers["X-Request-ID"] == request_id
            return response.status
    except urllib.error.HTTPError as exc:
        assert exc.headers["X-Request-ID"] == request_id
        return exc.code


def test_one_request_is_found_in_the_access_log_the_application_and_the_worker(
        web, worker_log):
    base, web_log = web
    assert get_with_id(base + "/no-such-page/", "trace-404") == 404
    assert get_with_id(base + "/healthz", "trace-health") == 200

    # gunicorn writes its access line once the response has gone out.
    wait_until(lambda: line_about(web_log, '"GET /healthz', "request_id=trace-health"),
               timeout=10, what="gunicorn's access lines", log=web_log)
    access = line_about(web_log, '"GET /no-such-page/')
    assert access.endswith(" request_id=trace-404")
    application = json.loads(line_about(web_log, '"logger": "django.request"'))
    assert application["message"] == "Not Found: /no-such-page/"
    assert application["request_id"] == "trace-404"

    task = wait_until(lambda: line_about(worker_log, "plaza.health.ping", "succeeded",
                                         "trace-health"),
                      timeout=20, what="the worker's line about the ping", log=worker_log)
    ids = ids_in(task)
    assert ids["request_id"] == "trace-health" and ids["task_name"] == "plaza.health.ping"
    assert f"plaza.health.ping[{ids['task_id']}] succeeded" in task
