"""Links to a municipality's pages from where no request says which one is served: the
e-mails the worker sends about a proposal, a comment or a role claim.

A municipality with a host name of its own is reached there (with SITE_URL's scheme);
the others under SITE_URL, the default at its root and each other one under its
/<slug>/ prefix. Inside `links_for(m)`, `reverse()` and `{% url %}` write m's prefix, as
they do in a request to m (municipalities.middleware), and the origin it yields goes
before them: `origin + reverse(...)` is a link to m's page.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import get_script_prefix, set_script_prefix


def municipality_origin_and_prefix(municipality) -> tuple[str, str]:
    """(origin, script prefix) of a municipality's pages; None: the site's root."""
    site = settings.SITE_URL.rstrip("/")
    if municipality is None:
        return site, "/"
    if municipality.host:
        scheme = urlsplit(site).scheme or "https"
        return f"{scheme}://{municipality.host}", "/"
    return site, "/" if municipality.is_default else f"/{municipality.slug}/"


@contextmanager
def links_for(municipality) -> Iterator[str]:
    """Write links to `municipality`'s pages meanwhile; yields the origin to put first."""
    origin, prefix = municipality_origin_and_prefix(municipality)
    previous = get_script_prefix()
    set_script_prefix(prefix)
    try:
        yield origin
    finally:
        set_script_prefix(previous)
