"""Content-Security-Policy (and Permissions-Policy) on every response.

Pages load scripts only from this site, plus the inline scripts that carry this
request's nonce (django-leaflet's map set-up: templates pass `csp_nonce` to
`leaflet_map`). So a script that slipped into a page through user text would not run,
even if escaping failed somewhere. Styles may be inline: Leaflet and the layer legend
set them, and CSS cannot run code. Images may come from the base-map tile server.

The same policy holds everywhere, the Django admin and the API's documentation
included: the admin's own scripts are files, and django-leaflet gives its map widgets'
set-up scripts this request's nonce (`LeafletGeoAdmin` reads `request.csp_nonce`);
Swagger UI is served as drf-spectacular's "split" view, whose set-up script is a file
of its own (`/api/docs/?script=`), not an inline script.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django.conf import settings


def _tiles_source(url: str) -> str:
    """The base map's origin as a CSP source; `{s}.` (a, b, c subdomains) becomes `*.`."""
    parts = urlsplit(url)
    if not (parts.scheme and parts.netloc):
        return ""
    host = parts.netloc.replace("{s}.", "*.", 1)
    return f"{parts.scheme}://{host}"


def policy(nonce: str) -> str:
    tiles = _tiles_source(settings.MAP_TILES_URL)
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'unsafe-inline'",
        " ".join(filter(None, ["img-src 'self' data: blob:", tiles])),
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", policy(request.csp_nonce))
        # The map may ask for the device's position ("Propose here"); nothing else.
        response.setdefault("Permissions-Policy",
                            "geolocation=(self), camera=(), microphone=(), payment=()")
        return response


def csp_nonce(request) -> dict:
    """Template context: the nonce for the page's inline scripts."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
