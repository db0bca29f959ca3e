"""Settings for a deployed Plaza. Every secret comes from the environment, with no default.

`python manage.py check --deploy --settings=config.settings.production` passes once
SECRET_KEY, DATABASE_URL, REDIS_URL, ALLOWED_HOSTS and SITE_URL hold real values.
"""

from config.settings.base import *  # noqa: F403
from config.settings.base import LOG_LEVEL, env
from core.log_format import logging_settings

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# The e-mails' links: the web processes and the workers that send them have no request to
# take the address from, and a localhost default would send dead links to every citizen.
SITE_URL = env("SITE_URL").rstrip("/")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Preload asks browsers to hard-code HTTPS for the domain; a city that cannot promise
# HTTPS on every subdomain sets this to false (and silences security.W021).
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

# Log collectors read one JSON object per line; LOG_FORMAT=text gives readable lines.
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = logging_settings(LOG_FORMAT, LOG_LEVEL)
