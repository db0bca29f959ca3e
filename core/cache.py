"""The Redis cache, failing soft: when Redis is down, the cache is empty, not an error.

The cache holds rate-limit counters (DRF throttles, allauth, comment budget) and the
footer's data credits (read from the database when missing): nothing a page needs to be
right. Without this, every request that touches a throttle — casting a vote, posting a
comment, logging in — answered 500 while Redis was down.
While it is down, limits are not enforced (counted again once it is back); the site
stays usable, /healthz says 503, and the log says why.

Reads are counted for /metrics with django-prometheus's cache counters (gets, hits,
misses, and failures: reads that found Redis down), under `backend="redis"`.
django-prometheus's own Redis backend cannot be used: it fails hard when Redis is down.
"""

from __future__ import annotations

import logging

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django_prometheus.cache.metrics import (
    django_cache_get_fail_total,
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
DOWN = (RedisConnectionError, RedisTimeoutError)
BACKEND = "redis"  # the label of this cache's figures in /metrics
_MISSING = object()


def _soft(name: str, fallback):
    method = getattr(RedisCacheClient, name)

    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except DOWN as exc:
            log.warning("cache unavailable, %s skipped: %s", name, exc)
            return fallback(*args) if callable(fallback) else fallback

    call.__name__ = name
    return call


class ResilientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        # One client per connection pool, not a new one per call: redis-py fills ~170
        # response callbacks for each client it builds, which cost a third of a
        # millisecond on every cache call (a throttle makes two per request). A client
        # takes a connection from its pool for each command, so threads may share it.
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client

    add = _soft("add", True)
    get = _soft("get", lambda key, default: default)
    set = _soft("set", None)
    touch = _soft("touch", False)
    delete = _soft("delete", False)
    get_many = _soft("get_many", lambda keys: {})
    has_key = _soft("has_key", False)
    incr = _soft("incr", lambda key, delta: delta)
    set_many = _soft("set_many", lambda data, timeout: [])
    delete_many = _soft("delete_many", None)
    clear = _soft("clear", True)


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        django_cache_get_total.labels(backend=BACKEND).inc()
        try:
            # The client's own get, not the soft one: a read that failed is counted so.
            value = RedisCacheClient.get(self._cache, key, _MISSING)
        except DOWN as exc:
            django_cache_get_fail_total.labels(backend=BACKEND).inc()
            log.warning("cache unavailable, get skipped: %s", exc)
            return default
        if value is _MISSING:
            django_cache_misses_total.labels(backend=BACKEND).inc()
            return default
        django_cache_hits_total.labels(backend=BACKEND).inc()
        return value
