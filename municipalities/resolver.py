"""Which municipality a request is for: its host name, else its first path segment,
else the default municipality.

The map is a handful of rows read on every request, so each process keeps it for
MUNICIPALITIES_CACHE_SECONDS; a change made in this process drops it at once (apps.py),
other processes see it within that time. When the database cannot be read the map is
empty and requests go on without a municipality (the health check still answers; pages
that need one fail).
"""

import logging
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError

logger = logging.getLogger(__name__)



@dataclass(frozen=True)
class Directory:
    by_host: dict = field(default_factory=dict)
    by_slug: dict = field(default_factory=dict)
    default: object = None
    loaded_at: float = 0.0


_lock = threading.Lock()
_directory = Directory()


def _load() -> Directory:
    from municipalities.models import Municipality

    rows = list(Municipality.objects.select_related("region").defer("area"))
    return Directory(
        by_host={m.host.lower(): m for m in rows if m.host},
        by_slug={m.slug: m for m in rows},
        default=next((m for m in rows if m.is_default), None),
        loaded_at=time.monotonic())


def directory() -> Directory:
    global _directory
    current = _directory
    ttl = settings.MUNICIPALITIES_CACHE_SECONDS
    if current.loaded_at and time.monotonic() - current.loaded_at < ttl:
        return current
    with _lock:
        if _directory is current:
            try:
                _directory = _load()
            except DatabaseError:
                logger.warning("municipalities could not be read", exc_info=True)
                return Directory()
        return _directory


def forget(**kwargs) -> None:
    global _directory
    _directory = Directory()


def resolve(host: str, path: str):
    """(municipality, prefix) for a request: prefix is "/slug" when the path named it."""
    found = directory()
    by_host = found.by_host.get(host.lower())
    if by_host is not None:
        return by_host, ""
    segment = path[1:].split("/", 1)[0]
    by_slug = found.by_slug.get(segment)
    if by_slug is not None and not by_slug.is_default:
        return by_slug, f"/{segment}"
    return found.default, ""
