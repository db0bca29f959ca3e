"""`GET /healthz` from a real gunicorn, with a real worker, while services come and go."""

import json
import os
import signal
import time

import pytest

from config.env import redis_url_with_db
from tests.integration.processes import (
    get,
    process_env,
    start_web,
    start_worker,
    stop,
    wait_until,
)
from tests.launcher import load_launcher

launcher_free_port = load_launcher().free_port

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def own_redis(launcher, tmp_path):
    """A Redis of this test's own, started by the launcher, so the test may kill it."""
    services = launcher.Services(var=tmp_path / "var", environ={"DATABASE_URL": "external"})
    services.up()
    url = services.redis().url()
    yield services, url
    services.down()


@pytest.fixture
def stack(own_redis, tmp_path):
    services, url = own_redis
    env = process_env(REDIS_URL=url, TEST_REDIS_URL=url,
                      TEST_CACHE_REDIS_URL=redis_url_with_db(url, 14))
    port = launcher_free_port()
    web = start_web(env, port, tmp_path / "web.log")
    worker = start_worker(env, tmp_path / "worker.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: get(base + "/healthz")[0] == 200, timeout=60,
                   what="/healthz to answer 200", log=tmp_path / "worker.log")
        yield {"url": base + "/healthz", "redis": services.redis(), "worker": worker}
    finally:
        stop(web)
        stop(worker)


def checks(body: bytes) -> dict:
    return {name: check["ok"] for name, check in json.loads(body)["checks"].items()}


def test_all_well_is_200_with_each_check(stack):
    status, body = get(stack["url"])
    assert status == 200
    assert checks(body) == {"database": True, "redis": True, "worker": True, "storage": True}


@pytest.mark.quality("redis-down")
def test_redis_stopped_is_503_within_seconds_not_a_hang(stack):
    os.kill(stack["redis"].pid(), signal.SIGKILL)
    time.sleep(0.2)
    status, body = get(stack["url"], timeout=8)  # a hang would raise here
    assert status == 503
    assert checks(body) == {"database": True, "redis": False, "worker": False,
                            "storage": True}
    assert "redis://" not in body.decode()  # no connection details for anonymous readers


def test_a_dead_worker_is_503(stack):
    stop(stack["worker"], signal.SIGKILL)
    status, body = get(stack["url"], timeout=10)
    assert status == 503
    assert checks(body) == {"database": True, "redis": True, "worker": False, "storage": True}
