"""The language a new text is written in: the page's, as the author reads the site."""

from django.conf import settings
from django.utils import translation


def language_active() -> str:
    """The active language kept to settings.LANGUAGES ("ca-es" → "ca"), else the first:
    full-text search stems the text with this language's dictionary."""
    codes = [code for code, _name in settings.LANGUAGES]
    active = (translation.get_language() or "").lower()
    for code in (active, active.split("-")[0]):
        if code in codes:
            return code
    return codes[0]
