"""The throttle of OGC API – Features: a budget of server time per client and minute.

GIS clients read a whole layer page after page. GDAL 3.6's OAPIF driver asks for 10
features a request whatever the server offers (20,002 requests for 200,000 features),
does not retry a 429 unless told to (GDAL_HTTP_MAX_RETRY), and when refused keeps the
features it has and exits as if it had read them all. A rate counted in requests (the
API's 120 a minute) therefore cuts whole-layer reads short without anyone noticing.

So what is counted is what a request costs the server: the seconds the view took. A
client reading one collection one request after another cannot spend more server time in
a minute than the minute has: with a budget of 60 s per collection it is never refused,
however large the layer, while several connections hammering one collection in parallel
are. A second budget covers the client over all collections, so that reading many at
once stays bounded too. Cheap requests (a page of 10 points, the collections' metadata)
cost a few milliseconds; a page of 10,000 polygons costs what it costs.

Counters are fixed one-minute windows in the cache (Redis: INCRBY, shared by every web
process). A request is charged to the window in which it started, so the reasoning above
holds exactly: every request charged to a window before the current one started in that
window and ended before the current one began. A refusal says when the window ends
(`Retry-After`).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache import cache as default_cache
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from core.cache import DOWN

log = logging.getLogger(__name__)
WINDOW = 60  # seconds
MICRO = 1_000_000


class OgcTimeThrottle(BaseThrottle):
    """Allows a request while the client's server time in this minute is under both
    budgets (OGC_THROTTLE_SECONDS per collection, OGC_THROTTLE_CLIENT_SECONDS in all);
    `charge` adds what the request took, once it is answered (OgcView.dispatch)."""

    keys: tuple[str, ...] = ()
    window_end = 0.0

    @property
    def cache(self):
        # The DRF throttles' cache (the default one; tests may swap it for all of them).
        return SimpleRateThrottle.cache

    def client(self, request) -> str:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"user-{user.pk}"
        return f"addr-{self.get_ident(request)}"

    def allow_request(self, request, view) -> bool:
        now = time.time()
        window = int(now // WINDOW)
        self.window_end = (window + 1) * WINDOW
        client = self.client(request)
        # The collection as the client named it (the view has not looked it up yet),
        # hashed: any text may come in a URL, a cache key takes a few characters.
        collection = (getattr(view, "kwargs", None) or {}).get("collection_id", "")
        digest = hashlib.sha256(collection.encode()).hexdigest()[:16]
        self.keys = (f"ogc-time:{window}:{client}", f"ogc-time:{window}:{client}:{digest}")
        spent = self.cache.get_many(self.keys)
        budgets = (settings.OGC_THROTTLE_CLIENT_SECONDS, settings.OGC_THROTTLE_SECONDS)
        for key, budget in zip(self.keys, budgets, strict=True):
            if spent.get(key, 0) >= budget * MICRO:
                self.now = now
                return False
        view.ogc_throttle = self
        return True

    def charge(self, seconds: float) -> None:
        micro = max(1, int(seconds * MICRO))
        cache = self.cache
        if cache is default_cache:  # the proxy of the default cache: the cache itself
            cache = caches[DEFAULT_CACHE_ALIAS]
        if isinstance(cache, RedisCache):
            # One round trip for both counters: INCRBY is atomic, and the counters are
            # plain integers, which the cache reads back as such (get_many above).
            try:
                pipe = cache._cache.get_client(write=True).pipeline(transaction=False)
                for key in self.keys:
                    full = cache.make_and_validate_key(key)
                    pipe.incrby(full, micro)
                    pipe.expire(full, WINDOW * 2)
                pipe.execute()
            except DOWN as exc:  # as core/cache.py: no cache, no limit, no error
                log.warning("cache unavailable, OGC throttle not charged: %s", exc)
            return
        for key in self.keys:  # another cache (the tests' local memory)
            cache.add(key, 0, timeout=WINDOW * 2)
            cache.incr(key, micro)

    def wait(self) -> float:
        return max(1, math.ceil(self.window_end - getattr(self, "now", time.time())))
