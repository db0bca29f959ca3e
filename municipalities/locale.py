"""The languages a municipality offers: its own list, the first being its default.

A municipality with `languages` set speaks only those: the visitor's choice (the
language picker's cookie, else the browser's Accept-Language) when it is one of them,
else the municipality's first language, so that a visitor asking for a language it
does not offer still gets one it writes in. A municipality with no list offers every
language of the site, and Django's LocaleMiddleware decides as before.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header


def languages_offered(municipality) -> list[str]:
    """The codes of the languages the municipality's pages offer, in its order."""
    known = [code for code, _name in settings.LANGUAGES]
    own = [code for code in (getattr(municipality, "languages", None) or [])
           if code in known]
    return own or known


def _offered_variant(code: str, offered: list[str]) -> str | None:
    code = code.lower()
    if code in offered:
        return code
    base = code.split("-")[0]
    return base if base in offered else None


def language_for(request, offered: list[str]) -> str:
    """The language of this request among those offered."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen:
        return _offered_variant(chosen, offered) or offered[0]
    for code, _quality in parse_accept_lang_header(
            request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code == "*":
            break
        found = _offered_variant(code, offered)
        if found:
            return found
    return offered[0]


class MunicipalityLocaleMiddleware(LocaleMiddleware):
    """LocaleMiddleware that keeps to the served municipality's languages (after
    municipalities.middleware.MunicipalityMiddleware, which names it)."""

    def process_request(self, request):
        municipality = getattr(request, "municipality", None)
        if not getattr(municipality, "languages", None):
            return super().process_request(request)
        translation.activate(language_for(request, languages_offered(municipality)))
        request.LANGUAGE_CODE = translation.get_language()
        return None
