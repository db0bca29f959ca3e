"""Settings for running Plaza on one's own machine (`make run`): safe defaults.

The database and Redis come from `var/services.env` (the private services that
`platform/services.py` starts) unless DATABASE_URL / REDIS_URL are set.
"""

import secrets

from config.env import BASE_DIR, env, read_services_env

read_services_env()

from config.settings.base import *  # noqa: E402,F403


def _local_secret_key() -> str:
    """A random key made once per checkout and kept in var/: never a known constant."""
    path = BASE_DIR / "var" / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default=None) or _local_secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
