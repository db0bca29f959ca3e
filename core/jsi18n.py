"""`GET /jsi18n/`: the map scripts' messages (static/js/plaza-*.js) in the reader's
language, as Django's `gettext()`, `ngettext()` and `interpolate()`.

The texts are in locale/<language>/LC_MESSAGES/djangojs.po: LOCALE_PATHS, which Django
always reads. Naming Plaza's own apps as the packages keeps out what Django would
otherwise add from every installed app (the admin's calendar texts), which no map needs.

Pages load it as /jsi18n/?language=<the page's language> (templates/_js_catalogue.html)
and that language is the answer's, so the browser may keep it an hour. Keyed by the
request's language alone (a cookie the picker sets, which the answer does not vary on),
a visitor who has just switched language would get the other language's copy from their
browser's cache. Without ?language= it answers in the request's language, like every
page, and is not kept.

Last-Modified is when this process started, as Django's documentation suggests: the
catalogue changes only with a deploy, which restarts the process; until then a
browser asking again (If-Modified-Since) gets a 304 and nothing is built.
"""

from django.conf import settings
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.views.decorators.http import last_modified
from django.views.i18n import JavaScriptCatalog

PLAZA_APPS = ["accounts", "gisdata", "proposals", "voting", "reports", "opendata", "dashboard"]
KEEP_SECONDS = 60 * 60
STARTED = timezone.now()


def _asked_language(request) -> str | None:
    language = request.GET.get("language", "")
    return language if language in dict(settings.LANGUAGES) else None


class ScriptCatalogue(JavaScriptCatalog):
    packages = PLAZA_APPS

    def get(self, request, *args, **kwargs):
        language = _asked_language(request)
        if language is None:
            return super().get(request, *args, **kwargs)
        with translation.override(language):
            response = super().get(request, *args, **kwargs)
        response["Content-Language"] = language
        patch_cache_control(response, public=True, max_age=KEEP_SECONDS)
        return response


javascript_catalogue = last_modified(
    lambda request, **kwargs: STARTED if _asked_language(request) else None
)(ScriptCatalogue.as_view())
