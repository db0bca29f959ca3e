"""`GET /healthz`: is this Plaza able to serve? Database, Redis, a worker round trip and
the file storage.

Every probe is bounded in time, so the endpoint answers within a few seconds even
when a service hangs or is gone. The body names each check and the kind of failure,
never connection details, because load balancers and anonymous users can read it.

With a read replica configured, a `replica` check says whether it answers and how far it
lags; it does not change the status: without the replica, open-data reads go to the
primary and the site still serves (core/db_router.py).
"""

import time

import redis
from botocore.exceptions import BotoCoreError, ClientError
from celery.exceptions import TimeoutError as CeleryTimeout
from django.conf import settings
from django.core.files.storage import storages
from django.db import DatabaseError, connection, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu.exceptions import OperationalError as KombuError

from config.celery import ping_task
from core import db_router

WORKER_TIMEOUT = 3.0
# A folder no file is ever stored in: listing it asks the storage to answer without
# reading or writing any file.
STORAGE_PROBE = "healthz-probe"
PROBE_ERRORS = (DatabaseError, redis.RedisError, OSError, KombuError, CeleryTimeout,
                BotoCoreError, ClientError)


def _timed(probe) -> dict:
    start = time.monotonic()
    try:
        probe()
    except PROBE_ERRORS as exc:
        return {"ok": False, "error": type(exc).__name__, "ms": _ms(start)}
    return {"ok": True, "ms": _ms(start)}


def _ms(start: float) -> int:
    return round((time.monotonic() - start) * 1000)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT postgis_lib_version()")


def _redis() -> None:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
    )
    try:
        client.ping()
    finally:
        client.close()


def _worker() -> None:
    # `expires`: if no worker is there, the ping must not wait in the queue and be
    # run by the next worker that starts. No publish retries: Redis was just checked.
    result = ping_task.apply_async(expires=WORKER_TIMEOUT + 2, retry=False)
    try:
        if result.get(timeout=WORKER_TIMEOUT) != "pong":
            raise CeleryTimeout("unexpected answer")
    finally:
        result.forget()


def _storage() -> None:
    # The private storage: it holds what only Plaza serves. On S3 this is one bounded
    # ListObjects call (the timeouts and attempts of config/env.py's client_config), which
    # fails on a missing bucket or refused credentials too, where a HEAD of a missing
    # name would answer "not found" and look healthy.
    try:
        storages["private"].listdir(STORAGE_PROBE)
    except FileNotFoundError:
        pass  # on disk: the folder does not exist, and the disk said so


def _replica() -> dict:
    start = time.monotonic()
    try:
        lag = db_router.measure_lag()
    except DatabaseError as exc:
        connections[db_router.REPLICA].close()
        return {"ok": False, "error": type(exc).__name__, "ms": _ms(start)}
    within = lag <= settings.REPLICA_MAX_LAG_SECONDS
    known = lag != db_router.UNKNOWN_LAG
    check = {"ok": within, "lag_seconds": round(lag, 1) if known else None, "ms": _ms(start)}
    if not within:
        check["error"] = "LagOverBound" if known else "NotStreaming"
    return check


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _timed(_database), "redis": _timed(_redis),
              "storage": _timed(_storage)}
    if checks["redis"]["ok"]:
        checks["worker"] = _timed(_worker)
    else:
        checks["worker"] = {"ok": False, "error": "BrokerUnreachable", "ms": 0}
    healthy = all(check["ok"] for check in checks.values())
    if db_router.replica_configured():
        checks["replica"] = _replica()  # reported, never a reason for 503
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
