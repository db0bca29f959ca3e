"""The credits the site gives for the city's data: the attribution of every dataset
that a published layer comes from, shown in every page's footer.

The licences of open data (CC BY, the ODbL) ask for this credit wherever the data is
shown, and the credit is the dataset's own `attribution`, as the planner typed it at
import: a deployment credits the data it publishes, not the demo city's. A dataset
whose layers are all unpublished shows on no map, so it is not credited; one without an
attribution is not either (nothing to say). Each distinct attribution appears once,
linked to its dataset's source when the datasets that share it have one http(s) source
between them (several sources under one credit would make any one link arbitrary).

Every page reads the credits, and they change only when a layer is published or
unpublished or a dataset is saved or deleted, so they are cached: `credits_forget`
drops them once such a change commits (`gisdata.signals`, `layer_services.layer_publish`,
which publishes by UPDATE and so sends no signal). A change made behind the ORM's back (an
UPDATE in a script) shows within `TIMEOUT`. With the cache down they are read every time.

Each municipality credits what its own pages show (its datasets and those the region
shares with it): the cached value holds each municipality's credits by its id, and a
change drops them all at once (a dataset shared with the region shows in its
neighbours' footers too).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from core import tenancy
from gisdata.models import Dataset

CACHE_KEY = "gisdata:credits:2"  # {municipality id (None: no request): [(text, url)]}
TIMEOUT = 300  # seconds


@dataclass(frozen=True)
class Credit:
    text: str
    url: str = ""  # the source to link to; empty when there is none or more than one


def _linkable(url: str) -> bool:
    # A URL field only validates in forms: a `javascript:` source saved some other way
    # must not become a link in every page's footer.
    return url.startswith(("https://", "http://"))


def credits_read() -> list[Credit]:
    """The credits as the database has them now (one query), by their text, for the
    municipality being served (Dataset's manager keeps to it)."""
    rows = (Dataset.objects.filter(layers__is_published=True).exclude(attribution="")
            .values_list("attribution", "source_url").distinct())
    sources: dict[str, set[str]] = {}
    for attribution, url in rows:
        text = " ".join(attribution.split())
        if text:
            sources.setdefault(text, set()).update([url] if _linkable(url) else [])
    return [Credit(text, next(iter(urls)) if len(urls) == 1 else "")
            for text, urls in sorted(sources.items())]


def data_credits() -> list[Credit]:
    """The credits, from the cache when it has them."""
    served = tenancy.current_id()
    every = cache.get(CACHE_KEY) or {}
    mine = every.get(served)
    if mine is None:
        mine = [(c.text, c.url) for c in credits_read()]
        # Another municipality's entry written meanwhile may be lost: it is read again.
        cache.set(CACHE_KEY, {**every, served: mine}, TIMEOUT)
    return [Credit(text, url) for text, url in mine]


def credits_forget() -> None:
    """Drop the cached credits once the current transaction commits: dropped earlier, a
    page rendered meanwhile would cache the credits as they were before the change."""
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))
