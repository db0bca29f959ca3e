"""Settings of the gunicorn that bench_load and bench_map_clusters' browser start: the
local settings, with static files named without the manifest's hashes and served from
the checkout.

HTML pages look up each static file in the manifest that `collectstatic` writes; this
checkout need not have one, and collecting (whitenoise compresses every file) takes longer
on a small machine than the whole benchmark. The tests do the same
(`config/settings/test.py`). A page still renders every `{% static %}` tag; only the
hashed name's dictionary look-up is missing. WhiteNoise serves the files from the
checkout's static directories (its finders, read once at start), so a browser loading a
page gets this checkout's scripts, not what an earlier `collectstatic` left in
STATIC_ROOT.
"""

from config.settings.local import *  # noqa: F403
from config.settings.local import STORAGES

STORAGES = {**STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
