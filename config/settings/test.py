"""Settings for the test suite: the real PostGIS and Redis, with their own databases."""

from pathlib import Path

from config.env import env, read_services_env, redis_url_with_db, s3_storages

read_services_env()

from config.settings.local import *  # noqa: E402,F403
from config.settings.local import REDIS_URL  # noqa: E402

DEBUG = False
# A Redis database of its own, so that a `make run` worker on the same Redis never
# takes the test suite's tasks, nor the other way round.
REDIS_URL = env("TEST_REDIS_URL", default=redis_url_with_db(REDIS_URL, 15))
# The cache too (the tests empty it): two test runs side by side, each on a database of
# its own, set both TEST_REDIS_URL and TEST_CACHE_REDIS_URL.
CACHES["default"]["LOCATION"] = env(  # noqa: F405
    "TEST_CACHE_REDIS_URL", default=redis_url_with_db(REDIS_URL, 14))
# The suite reads the primary only, whatever var/services.env says about a replica: the
# tests of the replica start one of their own (tests/replica/conftest.py).
DATABASES.pop("replica", None)  # noqa: F405
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
LEAFLET_CONFIG["TILES"] = []  # noqa: F405 - no network in tests: maps without tiles
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# In-process tests read `mail.outbox`; the session's worker process writes its e-mails to
# files instead (tests/conftest.py sets these two), so that tests can read what it sent.
EMAIL_BACKEND = env("TEST_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = env("TEST_EMAIL_FILE_PATH", default=None)
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
STATIC_ROOT = None  # tests serve static files from the finders; nothing is collected
WHITENOISE_USE_FINDERS = True
# Uploaded files of the test run, removed at its end (tests/conftest.py); two runs side
# by side give each its own folder (TEST_FILES_ROOT), as they do for Redis above.
TEST_FILES_ROOT = Path(env("TEST_FILES_ROOT", default=str(BASE_DIR / "var" / "test-files")))  # noqa: F405
MEDIA_ROOT = TEST_FILES_ROOT / "media"
GISDATA_SCRATCH_ROOT = str(TEST_FILES_ROOT / "scratch")
# Files on disk whatever var/services.env says (`services.py up --s3` writes S3_BUCKET
# there): the tests that run against S3 switch to it themselves (tests/storage/).
STORAGES["default"] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}  # noqa: F405
STORAGES["private"] = {  # noqa: F405
    "BACKEND": "accounts.storage.PrivateFileSystemStorage",
    "OPTIONS": {"location": TEST_FILES_ROOT / "private"},
}
# Processes a test starts as the hosts of one deployment (tests/integration/hosts.py)
# keep their files on the S3 server that test runs, in the bucket TEST_S3_BUCKET names,
# as every host of a deployment on several machines does.
if env("TEST_S3_BUCKET", default=""):
    STORAGES.update(s3_storages(  # noqa: F405
        bucket=env("TEST_S3_BUCKET"), endpoint_url=env("S3_ENDPOINT_URL"),
        access_key=env("S3_ACCESS_KEY_ID"), secret_key=env("S3_SECRET_ACCESS_KEY")))
