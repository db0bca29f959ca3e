"""A municipality's slug is its path prefix, so it must not be a path the site uses."""

import re
from functools import cache

from django.core.exceptions import ValidationError
from django.urls import URLResolver, get_resolver
from django.utils.translation import gettext_lazy as _

# Paths served outside Django's URLs (the web server, WhiteNoise) or kept for later.
RESERVED = {"static", "media", "metrics", "healthz", "region", "www"}


def _first_segments(patterns) -> set[str]:
    found = set()
    for pattern in patterns:
        text = str(pattern.pattern).lstrip("^")
        head = re.split(r"[/<(\\?$]", text, maxsplit=1)[0]
        if head:
            found.add(head)
        elif isinstance(pattern, URLResolver):
            found |= _first_segments(pattern.url_patterns)
    return found


@cache
def reserved_prefixes() -> frozenset[str]:
    """Every first path segment the site's URLs start with: projects, api, ogc, …"""
    return frozenset(RESERVED | _first_segments(get_resolver().url_patterns))


def validate_prefix_free(slug: str) -> None:
    if slug.lower() in reserved_prefixes():
        raise ValidationError(
            _("“%(slug)s” is a path the site already uses; choose another."),
            code="reserved", params={"slug": slug})
