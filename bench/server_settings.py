"""Settings of the gunicorn that bench_load starts: the local settings, with static files
named without the manifest's hashes.

HTML pages look up each static file in the manifest that `collectstatic` writes; this
checkout need not have one, and collecting (whitenoise compresses every file) takes longer
on a small machine than the whole benchmark. The tests do the same
(`config/settings/test.py`). A page still renders every `{% static %}` tag; only the
hashed name's dictionary look-up is missing.
"""

from config.settings.local import *  # noqa: F403
from config.settings.local import STORAGES

STORAGES = {**STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
