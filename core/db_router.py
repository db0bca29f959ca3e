"""Open-data reads from a streaming replica, everything else from the primary.

With `DATABASE_REPLICA_URL` set, `DATABASES["replica"]` names a hot standby of the
primary (docs/operations.md, "Scaling past one machine"). Which reads go there is said
per view, not per model: a view marked with `replica_reads` (the OGC API, the exports,
the vector tiles, the public proposals list for anonymous readers) runs its safe
requests inside `use_replica()`, and `ReplicaRouter` sends the reads of those requests
to the replica. Every other read, every write, migrations and anything a request does
after its user's own write stays on the primary:

- `ReplicaMiddleware` pins a browser to the primary for `REPLICA_PIN_SECONDS` after any
  request that may write (POST, PUT, PATCH, DELETE), by a cookie, so a person reads what
  they just wrote (the session is not read: tiles stay cacheable by shared caches).
- The replica is used only while its lag is at most `REPLICA_MAX_LAG_SECONDS`; the lag
  is measured on the replica at most once per `REPLICA_CHECK_SECONDS` per process.
- A replica that does not answer (a short connect timeout) is not tried again for
  `REPLICA_RETRY_SECONDS` by this process: a dead replica costs one failed connect per
  interval, not one per request, and the reads go to the primary meanwhile.

The decision is taken once, when a request starts; its reads all come from one server,
so a page never mixes two points in time. Code that reads with raw SQL takes its
connection from `read_connection()`.
"""

from __future__ import annotations

import functools
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
PIN_COOKIE = "plaza_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# The alias this request's marked reads go to; None: the router's default (primary).
_read_alias: ContextVar[str | None] = ContextVar("plaza_read_alias", default=None)

# Who a marked view reads the replica for: everyone, or only requests without
# credentials (a signed-in reader may see more than the public, or read their own write).
ANONYMOUS = "anonymous"
EVERYONE = "everyone"

# The lag that means "never": not streaming, or nothing replayed yet.
UNKNOWN_LAG = float("inf")

# Caught up (all it received is replayed) is no lag, however long ago the last write
# was; otherwise the age of the last transaction replayed. Right after a long quiet
# spell this overstates the lag for a moment: the reads go to the primary meanwhile.
LAG_SQL = """
SELECT pg_is_in_recovery(),
       EXISTS (SELECT FROM pg_stat_wal_receiver WHERE status = 'streaming'),
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END
"""


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_settings(url_settings: dict, primary: dict, *, connect_timeout: int) -> dict:
    """`DATABASES["replica"]` from the parsed `DATABASE_REPLICA_URL`: the primary's
    options with a short connect timeout (a dead replica must cost little), and in tests
    a mirror of the primary's test database, which a real replica has (CREATE DATABASE
    is replicated), so the test runner creates nothing on it."""
    replica = {**primary, **url_settings}
    replica["ENGINE"] = primary["ENGINE"]
    replica["OPTIONS"] = {**primary.get("OPTIONS", {}), "connect_timeout": connect_timeout}
    replica["TEST"] = {"MIRROR": DEFAULT_DB_ALIAS}
    return replica


# ------------------------------------------------------------------ the replica's state
@dataclass
class ReplicaState:
    checked_at: float = -1e9
    usable: bool = False
    lag: float | None = None
    error: str | None = None
    retry_at: float = 0.0
    failures: int = 0  # connection failures since the process started (for tests, logs)


_state = ReplicaState()
_lock = threading.Lock()


def reset_state() -> None:
    """Forget what this process knew of the replica (tests, a changed configuration)."""
    global _state
    with _lock:
        _state = ReplicaState()


def replica_state() -> ReplicaState:
    return _state


def measure_lag() -> float:
    """The replica's lag in seconds, measured on it now; raises DatabaseError."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(LAG_SQL)
        in_recovery, streaming, lag = cursor.fetchone()
    if not in_recovery:  # a promoted former replica, or a misconfiguration
        raise DatabaseError("not a standby")
    if not streaming or lag is None:
        return UNKNOWN_LAG
    return max(0.0, float(lag))


def replica_usable() -> bool:
    """Whether reads may go to the replica now: reachable, within the lag bound.

    Checked at most once per REPLICA_CHECK_SECONDS; after a failure, not again before
    REPLICA_RETRY_SECONDS. While one thread measures, the others go by what was last
    known rather than wait for it. Never raises."""
    if not replica_configured():
        return False
    now = time.monotonic()
    state = _state
    if now < state.retry_at or now - state.checked_at < settings.REPLICA_CHECK_SECONDS:
        return state.usable
    if not _lock.acquire(blocking=False):
        return state.usable  # another thread is measuring
    try:
        state = _state
        try:
            lag = measure_lag()
        except DatabaseError as exc:
            connections[REPLICA].close()
            state.failures += 1
            state.usable, state.lag, state.error = False, None, type(exc).__name__
            state.retry_at = now + settings.REPLICA_RETRY_SECONDS
        else:
            state.usable = lag <= settings.REPLICA_MAX_LAG_SECONDS
            state.lag, state.error = lag, None
        state.checked_at = now
        return state.usable
    finally:
        _lock.release()


def replica_failed() -> None:
    """A read on the replica failed on its connection: back off as a failed check does."""
    with _lock:
        _state.usable, _state.error = False, "ConnectionLost"
        _state.failures += 1
        _state.retry_at = _state.checked_at = time.monotonic()
        _state.retry_at += settings.REPLICA_RETRY_SECONDS
    connections[REPLICA].close()


# ------------------------------------------------------------------ per request
def read_alias() -> str:
    """The alias this request reads from: the replica inside `use_replica`, else the
    primary."""
    return _read_alias.get() or DEFAULT_DB_ALIAS


def read_connection():
    """The connection for this request's raw SQL reads (opendata, tiles, streams)."""
    return connections[read_alias()]


@contextmanager
def use_replica():
    """Within it, reads go to the replica if it is usable now; else to the primary."""
    token = _read_alias.set(REPLICA if replica_usable() else None)
    try:
        yield read_alias()
    finally:
        _read_alias.reset(token)


def replica_reads(view=None, *, who: str = EVERYONE):
    """Let a view's safe requests read from the replica: open data, the same for
    everyone. A function view is wrapped; a class view (Django's or DRF's) has its
    `as_view()` wrapped, its subclasses too. `who=ANONYMOUS`: only requests that carry
    no credentials (no session cookie, no Authorization header) go to the replica."""
    def mark(target):
        if isinstance(target, type):
            as_view = target.as_view.__func__

            @functools.wraps(as_view)
            def wrapped_as_view(cls, **initkwargs):
                return _replica_view(as_view(cls, **initkwargs), who)

            target.as_view = classmethod(wrapped_as_view)
            return target
        return _replica_view(target, who)
    return mark(view) if view is not None else mark


def _replica_view(view, who: str):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not replica_configured() or not request_may_use_replica(request, who):
            return view(request, *args, **kwargs)
        with use_replica() as alias:
            if alias == DEFAULT_DB_ALIAS:  # the replica is not usable now
                return view(request, *args, **kwargs)
            try:
                response = view(request, *args, **kwargs)
                # A template or DRF response renders here, still reading the replica.
                if callable(getattr(response, "render", None)):
                    response.render()
                return response
            except DatabaseError:
                if _replica_answers():
                    raise  # the replica is there: the error is the query's own
                replica_failed()
        # The replica went away under this request: a safe request runs again, on the
        # primary. (A stream that has begun cannot be, and fails as a dropped
        # connection does.)
        return view(request, *args, **kwargs)

    wrapper.replica_reads = who
    return wrapper


def _replica_answers() -> bool:
    conn = connections[REPLICA]
    return conn.connection is not None and conn.is_usable()


def request_may_use_replica(request, who: str) -> bool:
    if request.method not in SAFE_METHODS or PIN_COOKIE in request.COOKIES:
        return False
    if who == ANONYMOUS and (settings.SESSION_COOKIE_NAME in request.COOKIES
                             or "Authorization" in request.headers):
        return False
    return True


# ------------------------------------------------------------------ the router
class ReplicaRouter:
    """Reads of a `use_replica` request to the replica; everything else to the primary."""

    def db_for_read(self, model, **hints):
        # Explicitly the primary outside: an object read from the replica must not lead
        # later reads of its relations there (Django would follow `instance._state.db`).
        return read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # read-only; it receives the primary's schema by WAL


class ReplicaMiddleware:
    """Pins a browser to the primary for REPLICA_PIN_SECONDS after any request that may
    write, so that its person reads their own write (`request_may_use_replica`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and replica_configured():
            response.set_cookie(
                PIN_COOKIE, "1", max_age=settings.REPLICA_PIN_SECONDS, httponly=True,
                samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        return response
