"""What every page shows of the municipality it serves: its name (in the header and
the page title), colour and tagline, the languages its picker offers, and the links to
the other municipalities of the deployment."""

import re

from django.conf import settings

from municipalities import resolver
from municipalities.locale import languages_offered

COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_COLOUR = "#1f5f8b"


def _home(municipality, root: str) -> str:
    if municipality.host:
        return f"//{municipality.host}/"
    return root + municipality.prefix


def municipality(request):
    served = getattr(request, "municipality", None)
    languages = languages_offered(served)
    if served is None:
        return {"SITE_TITLE": settings.SITE_NAME, "LANGUAGES_OFFERED": languages}
    # The colour goes into a style attribute: only a #rrggbb value, whatever the
    # database holds (the model validates it, an UPDATE does not).
    colour = served.colour if COLOUR.fullmatch(served.colour or "") else DEFAULT_COLOUR
    everyone = sorted(resolver.directory().by_slug.values(), key=lambda m: m.name)
    root = request.META.get("SCRIPT_NAME", "").rstrip("/")
    return {
        "MUNICIPALITY": served,
        "MUNICIPALITY_COLOUR": colour,
        # "Projects — Barcelona — Plaza"; a deployment of one city named as the site
        # keeps "Projects — Plaza".
        "SITE_TITLE": (settings.SITE_NAME if served.name == settings.SITE_NAME
                       else f"{served.name} — {settings.SITE_NAME}"),
        "LANGUAGES_OFFERED": languages,
        "MUNICIPALITIES": [{"name": m.name, "url": _home(m, root), "current": m.pk == served.pk}
                           for m in everyone] if len(everyone) > 1 else [],
    }
