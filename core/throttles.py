"""The API's request rates (`anon`, `user`, a view's `throttle_scope`) in one Redis round trip.

DRF's AnonRateThrottle, UserRateThrottle and ScopedRateThrottle each read a list of
timestamps from the cache and write it back: two round trips per throttle, four on every
anonymous request, on the path of every vote and every map request. Worse, the read and
the write are apart, so requests of one client that arrive together all read the same
list and each writes back its own: a burst sent in parallel is counted as one request,
and the rate is not a limit at all for the client who would abuse it.

Here each rate that applies to a request is a window in a Redis sorted set (one member
per request, scored by its time). One Lua script trims the windows, counts them and,
when no window is full, records the request in all of them: atomic (Redis runs a script
alone), one round trip, and a refused request is counted in none (DRF counted it in the
windows checked before the full one). Keys and rates are DRF's own (settings'
DEFAULT_THROTTLE_RATES, `NUM_PROXIES` for the client's address), so the limits, the
429 answers and their Retry-After read as before.

With a cache that is not Redis (a deployment's own choice, or a test's local cache) the
same windows are kept as DRF keeps them, in the cache's own way. Redis down: the request
passes, as every throttle does behind core/cache.py, and the log says so.
"""

from __future__ import annotations

import logging
import math
import os

from django.core.cache.backends.redis import RedisCacheClient
from django.core.exceptions import ImproperlyConfigured
from redis.commands.core import Script
from rest_framework.throttling import SimpleRateThrottle

from core.cache import DOWN

log = logging.getLogger(__name__)

# KEYS: the windows. ARGV: now (seconds), the member to add, then per key its limit and
# its duration. Returns 0 when the request is recorded, else the seconds until the
# fullest window frees a place (as a string: Lua numbers come back as integers).
_SCRIPT = """
local now = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[1 + 2 * i])
  local duration = tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - duration)
  if redis.call('ZCARD', key) >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local left = duration
    if oldest[2] then left = tonumber(oldest[2]) + duration - now end
    if left > wait then wait = left end
  end
end
if wait > 0 then return tostring(wait) end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('PEXPIRE', key, math.ceil(tonumber(ARGV[2 + 2 * i]) * 1000))
end
return '0'
"""
# EVALSHA with the script's digest; the script is sent (SCRIPT LOAD) once per Redis
# server, the first time that server does not know it.
_WINDOWS = Script(None, _SCRIPT.encode())


class RequestRates(SimpleRateThrottle):
    """`anon` for anonymous requests (by address), `user` for every request (by user,
    else by address) and the view's `throttle_scope` when it has one: DRF's three
    default throttles, checked together."""

    def __init__(self):
        # Rates are read per request (tests and settings may change them), as DRF's
        # ScopedRateThrottle does.
        self.waiting: float | None = None

    def scope_of(self, request, view) -> str | None:
        """The view's own rate for this request, if any."""
        return getattr(view, "throttle_scope", None)

    def windows(self, request, view) -> list[tuple[str, int, int]]:
        """(cache key, limit, seconds) of each rate that applies to this request."""
        user = getattr(request, "user", None)
        signed_in = bool(user and user.is_authenticated)
        ident = user.pk if signed_in else self.get_ident(request)
        scopes = [] if signed_in else [("anon", self.get_ident(request))]
        scopes.append(("user", ident))
        scope = self.scope_of(request, view)
        if scope:
            if scope not in self.THROTTLE_RATES:  # a misspelt scope must not mean no limit
                raise ImproperlyConfigured(f"No throttle rate set for the scope {scope!r}.")
            scopes.append((scope, ident))
        found = []
        for name, who in scopes:
            limit, seconds = self.parse_rate(self.THROTTLE_RATES.get(name))
            if limit is not None:
                found.append((self.cache_format % {"scope": name, "ident": who},
                              limit, seconds))
        return found

    def allow_request(self, request, view):
        self.waiting = None
        windows = self.windows(request, view)
        if not windows:
            return True
        client = getattr(self.cache, "_cache", None)
        if not isinstance(client, RedisCacheClient):
            return self._allow_in_cache(windows)
        keys = [self.cache.make_and_validate_key(key) for key, _, _ in windows]
        now = self.timer()
        args = [now, f"{now:.6f}:{os.urandom(6).hex()}"]
        for _, limit, seconds in windows:
            args += [limit, seconds]
        try:
            answer = float(_WINDOWS(keys=keys, args=args, client=client.get_client(write=True)))
        except DOWN as exc:
            log.warning("cache unavailable, request rates not checked: %s", exc)
            return True
        if answer > 0:
            self.waiting = answer
            return False
        return True

    def _allow_in_cache(self, windows) -> bool:
        """The same windows in another cache, kept as DRF keeps them (a list of times
        per key, newest first, read then written back: not atomic)."""
        now = self.timer()
        kept = []
        for key, limit, seconds in windows:
            history = [t for t in self.cache.get(key, []) if t > now - seconds]
            if len(history) >= limit:
                self.waiting = max(self.waiting or 0, history[-1] + seconds - now)
            kept.append((key, history, seconds))
        if self.waiting is not None:
            return False
        for key, history, seconds in kept:
            self.cache.set(key, [now, *history], seconds)
        return True

    def wait(self):
        return None if self.waiting is None else math.ceil(self.waiting * 1000) / 1000
