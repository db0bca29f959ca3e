"""Settings shared by every environment; each value comes from the environment.

Secrets have no default here: `local` and `test` give safe local ones, `production`
demands real ones. See README.md, "Configuration", for the variables.
"""

from datetime import timedelta

from celery.schedules import crontab
from whitenoise.compress import Compressor

from config.env import BASE_DIR, env, redis_url_with_db, s3_storages
from core.db_router import replica_settings
from core.log_format import logging_settings

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_NAME = env("PLAZA_SITE_NAME", default="Plaza")
# How long each process keeps the table of municipalities (host names, prefixes) before
# reading it again: a change made in the admin reaches the other processes within it.
MUNICIPALITIES_CACHE_SECONDS = env.float("MUNICIPALITIES_CACHE_SECONDS", default=30.0)
# Where people reach this Plaza: the links in e-mails start with it.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# ------------------------------------------------------------------ apps
INSTALLED_APPS = [
    # Per-language content (a project's title, a category's name…, see */translation.py);
    # before the admin so that its admin classes are in place when the admin loads.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "corsheaders",
    "django.contrib.postgres",
    "leaflet",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    # The ground floor every app writes: the audit log (audit/models.py).
    "audit",
    "municipalities",
    "accounts",
    "gisdata",
    "proposals",
    "voting",
    "energy",
    "reports",
    "opendata",
    "notifications",
    "dashboard",
    # The demo city and `load_demo` (no models); in every settings module, as a demo
    # server may run with DEBUG off (`load_demo --allow-production`).
    "demo",
]

MIDDLEWARE = [
    # First: every response, redirects and errors included, names its request id.
    "core.request_id.RequestIdMiddleware",
    # Which municipality the request is for (its host name or /<slug>/ prefix): before
    # anything reads the path, which it shortens by the prefix.
    "municipalities.middleware.MunicipalityMiddleware",
    # Errors under /api/ and /ogc/ in JSON, the debug page's too (DEBUG on), and a write
    # to an API URL without its slash a 404, not a redirect that loses the body.
    "core.debug.ApiErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the query or the body: too many parameters, too big a body.
    "core.debug.RequestLimitsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before CommonMiddleware, so that its redirects carry the CORS headers too.
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's LocaleMiddleware, kept to the municipality's own languages.
    "municipalities.locale.MunicipalityLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # An unlisted project opens for requests that carry (or once carried) its link's key.
    "proposals.access.UnlistedLinkMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.security.SecurityHeadersMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "core.api_http.ApiConditionalGetMiddleware",
    # DEBUG on (`make run`): the site's 404, not Django's list of every URL pattern.
    "core.debug.DebugNotFoundMiddleware",
    # After a write, this browser reads from the primary for a while (core/db_router.py).
    "core.db_router.ReplicaMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # A city's own templates (its terms of use, privacy policy, contact page) first.
        "DIRS": [*env.list("PLAZA_TEMPLATE_DIRS", default=[]), BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
                "municipalities.context_processors.municipality",
                "gisdata.context_processors.footer_credits",
                "notifications.context_processors.bell",
                "core.security.csp_nonce",
            ],
        },
    },
]

# ------------------------------------------------------------------ data
DATABASES = {"default": env.db("DATABASE_URL", engine="django.contrib.gis.db.backends.postgis")}
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {}).update(
    {
        # Fail fast when the database is unreachable instead of hanging a worker.
        "connect_timeout": env.int("DB_CONNECT_TIMEOUT", default=5),
        # Bound every statement: a runaway spatial query must not hold a connection.
        "options": f"-c statement_timeout={env.int('DB_STATEMENT_TIMEOUT_MS', default=30000)}",
    }
)
# A streaming replica for open-data reads (core/db_router.py; docs/operations.md,
# "Scaling past one machine"): the OGC API, exports, tiles and the public proposals list
# read from it while its lag is within REPLICA_MAX_LAG_SECONDS; all else stays on the
# primary, and so does a browser for REPLICA_PIN_SECONDS after it wrote.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = replica_settings(
        env.db("DATABASE_REPLICA_URL"), DATABASES["default"],
        connect_timeout=env.int("REPLICA_CONNECT_TIMEOUT", default=2))
DATABASE_ROUTERS = ["core.db_router.ReplicaRouter"]
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=10.0)
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=15)
# How often a process measures the lag, and how long it leaves a failed replica alone.
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=1.0)
REPLICA_RETRY_SECONDS = env.float("REPLICA_RETRY_SECONDS", default=15.0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
# The cache keeps its own Redis database: clearing it must never drop queued tasks.
CACHE_REDIS_URL = env("CACHE_REDIS_URL", default=redis_url_with_db(REDIS_URL, 1))
CACHES = {
    "default": {
        # Redis down: an empty cache, not a 500 (core/cache.py says why).
        "BACKEND": "core.cache.ResilientRedisCache",
        "LOCATION": CACHE_REDIS_URL,
        "KEY_PREFIX": "plaza",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

# ------------------------------------------------------------------ accounts
AUTH_USER_MODEL = "accounts.User"
# First, and the only one that checks a password: log-in with the username or the e-mail
# address behind one lock per account for every way in (accounts/lockout.py). The two
# after it keep the sessions they opened valid; they never see a password.
AUTHENTICATION_BACKENDS = [
    "accounts.lockout.LockingAuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
# Where a log-in with no `next` lands: the home page, and planners their dashboard
# (accounts.adapter.AccountAdapter.get_login_redirect_url). A log-in link carries the
# page it was on as `next` (accounts/templatetags/entrance.py), which wins when it is on
# this site.
LOGIN_REDIRECT_URL = "proposals:home"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
# Confirming the address logs its person in and takes them back to the page where they
# signed up, when the link is opened in the browser (session) that signed up within
# ACCOUNT_LOGIN_TIMEOUT; elsewhere the address is confirmed and the log-in page says so
# (accounts.views.EmailConfirmView).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_TIMEOUT = 60 * 60
# Sign-up asks to accept the terms of use and the privacy policy (accounts/forms.py).
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
# allauth counts failed logins per IP and per account in the cache (Redis). The IP is
# REMOTE_ADDR unless TRUSTED_PROXY_COUNT says how many proxies set X-Forwarded-For.
# `login_failed`'s "key" is the account, whatever the way in (site, admin, API token)
# and whether the username or the e-mail address was typed (accounts/lockout.py).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/h/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# The version of the terms of use and privacy policy that sign-up asks to accept; a user
# keeps the version they accepted and when. Change it with the text (docs/operations.md,
# "Terms of use and privacy policy").
TERMS_VERSION = env("TERMS_VERSION", default="2026-12")
# Where people write to the city about Plaza: the contact page and the footer show it.
CONTACT_EMAIL = env("CONTACT_EMAIL", default="plaza-contact@example.org")

ROLE_EVIDENCE_MAX_BYTES = env.int("ROLE_EVIDENCE_MAX_BYTES", default=5 * 1024 * 1024)
PROPOSAL_IMAGE_MAX_BYTES = env.int("PROPOSAL_IMAGE_MAX_BYTES", default=5 * 1024 * 1024)
# Largest dataset a planner may upload through the dashboard.
GISDATA_UPLOAD_MAX_BYTES = env.int("GISDATA_UPLOAD_MAX_BYTES", default=200 * 1024 * 1024)
# Hosts a URL import may reach although they are private (a city's own intranet).
GISDATA_FETCH_ALLOW_HOSTS = env.list("GISDATA_FETCH_ALLOW_HOSTS", default=[])
# An import whose worker died is run again by beat up to this many attempts in all, then
# failed with the reason (gisdata/imports/runs.py): a file that kills its worker every time must
# not be retried for ever.
GISDATA_IMPORT_MAX_ATTEMPTS = env.int("GISDATA_IMPORT_MAX_ATTEMPTS", default=3)
# Where imports unpack and download their files, one folder per attempt, swept when the
# attempt is dead; empty: a folder per database under the system's temporary directory.
GISDATA_SCRATCH_ROOT = env("GISDATA_SCRATCH_ROOT", default="")
# The swap's statements may run longer than a web request's (building a large layer);
# bounded under the import task's soft time limit (55 min, gisdata/tasks.py).
GISDATA_IMPORT_STATEMENT_TIMEOUT = env.int("GISDATA_IMPORT_STATEMENT_TIMEOUT", default=50 * 60)
# Features an import reads and loads at a time: the worker's memory follows this, not
# the file's size (gisdata/imports/load.py).
GISDATA_IMPORT_BATCH = env.int("GISDATA_IMPORT_BATCH", default=50_000)
# Comments: their authors may correct them for a short while; then what was answered
# stays as it was. New comments per user and minute, counted in the cache (Redis), so the
# page and the API share one budget.
COMMENT_EDIT_WINDOW_MINUTES = env.int("COMMENT_EDIT_WINDOW_MINUTES", default=15)
COMMENT_RATE_PER_MINUTE = env.int("COMMENT_RATE_PER_MINUTE", default=5)
# Decision reports: the PDF lists the first REPORTS_PDF_RANKED proposals of the ranking
# and details the first REPORTS_PDF_DETAILED (each with its map); the CSV and the
# GeoJSON always carry every proposal.
REPORTS_PDF_RANKED = env.int("REPORTS_PDF_RANKED", default=300)
REPORTS_PDF_DETAILED = env.int("REPORTS_PDF_DETAILED", default=40)
# The overview map numbers the first REPORTS_MAP_NUMBERED proposals of the ranking (the
# numbers of the ranking table); the others are small dots, so that labels stay legible.
REPORTS_MAP_NUMBERED = env.int("REPORTS_MAP_NUMBERED", default=30)
# Results by stakeholder role never show a group of fewer distinct voters than this
# (results page, tallies API, reports): small groups are merged into "Other roles", so
# that no one's ballot can be inferred (voting/groups.py, docs/voting-weights.md).
PLAZA_MIN_GROUP_SIZE = env.int("PLAZA_MIN_GROUP_SIZE", default=5)
# The country named in the open budget files (pabulib's META "country"), e.g. "Spain".
PLAZA_COUNTRY = env("PLAZA_COUNTRY", default="")

# ------------------------------------------------------------------ e-mail
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Plaza <noreply@localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# ------------------------------------------------------------------ i18n, files
LANGUAGE_CODE = env("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", "English"), ("ca", "Català"), ("es", "Español")]
# locale/allauth holds allauth's texts in Plaza's voice ("tu", "tú"): a folder of its own, so
# that makemessages --no-obsolete, which rewrites locale/<lang>, keeps it; every LOCALE_PATHS
# catalogue wins over the installed apps' own.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "allauth"]
# Content in several languages (django-modeltranslation): each translated field has one
# column per language (title_en, title_ca, title_es); pages and the API show the reader's
# language and fall back to English, which every existing row holds, so nothing goes blank.
# A row made with only its plain field (title=…) gets it in English too.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
MODELTRANSLATION_AUTO_POPULATE = "default"
TIME_ZONE = env("TIME_ZONE", default="Europe/Madrid")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    # Evidence for role claims is personal data: kept outside MEDIA_ROOT and
    # streamed only by a view that checks who asks.
    "private": {
        "BACKEND": "accounts.storage.PrivateFileSystemStorage",
        "OPTIONS": {
            "location": env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "private")
        },
    },
}
# Source maps (.map) are fetched only by a browser's developer tools, and brotli at its
# default quality spends about a minute on the API docs' 4 MB redoc map alone: served
# uncompressed instead, every collectstatic (`make run`, each `make cluster` host) is
# that much quicker. The rest is whitenoise's own list.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
# Past one machine: with S3_BUCKET set, both storages above are that S3 (or S3-compatible)
# bucket, so that every web host and worker reads what any of them stored
# (docs/operations.md, "Uploaded files"). Without it, files stay on this host's disk.
S3_BUCKET = env("S3_BUCKET", default="")
if S3_BUCKET:
    STORAGES.update(s3_storages(
        bucket=S3_BUCKET,
        endpoint_url=env("S3_ENDPOINT_URL", default="") or None,
        # Without keys, boto3 finds credentials itself (an instance role, AWS_* variables).
        access_key=env("S3_ACCESS_KEY_ID", default="") or None,
        secret_key=env("S3_SECRET_ACCESS_KEY", default="") or None,
        region=env("S3_REGION", default="us-east-1"),
        addressing_style=env("S3_ADDRESSING_STYLE", default="path"),
    ))
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# ------------------------------------------------------------------ security
# Debug pages (DEBUG on, as `make run` has it) hide every secret of the settings, the
# environment and the error itself (core/debug.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.debug.SecretsFilter"
DEFAULT_EXCEPTION_REPORTER = "core.debug.ScrubbingReporter"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the map pages read it to send writes to the API
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# ------------------------------------------------------------------ API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        # Anonymous, with the unlisted projects whose link the request carries (or its
        # session remembers): proposals/access.py.
        "proposals.access.UnlistedLinkAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # DRF's anon, user and scoped rates, checked and counted together in one Redis
    # round trip, atomically (core/throttles.py says why).
    "DEFAULT_THROTTLE_CLASSES": ["core.throttles.RequestRates"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="120/min"),
        "user": env("THROTTLE_USER", default="600/min"),
        "auth-token": env("THROTTLE_AUTH_TOKEN", default="10/min"),
        # Every write to comments through the API (post, edit, delete, flag, moderate).
        "comments": env("THROTTLE_COMMENTS", default="30/min"),
    },
    # 0 proxies: throttles key on REMOTE_ADDR, so a forged X-Forwarded-For changes
    # nothing. Behind N trusted proxies, set TRUSTED_PROXY_COUNT=N.
    "NUM_PROXIES": env.int("TRUSTED_PROXY_COUNT", default=0),
    "DEFAULT_PAGINATION_CLASS": "core.api_http.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PARSER_CLASSES": [
        "core.api_errors.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "core.api_errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# OGC API – Features (/ogc/) is read by GIS clients that page through whole layers, so it
# has a throttle of its own (opendata/throttles.py) in place of `anon`/`user` above: each
# client has a budget of *server time* per minute, per collection and over all of them.
# One client reading one collection request after request can never spend more than 60 s
# of server time in a minute, so at 60 it is never refused, however large the layer
# (GDAL 3.6 reads 10 features a request: 20,002 requests for 200,000 features). Clients
# that read several collections side by side share the second budget (240 s: four such
# readers at full speed); many parallel connections on one collection are what is cut.
OGC_THROTTLE_SECONDS = env.float("OGC_THROTTLE_SECONDS", default=60.0)
OGC_THROTTLE_CLIENT_SECONDS = env.float("OGC_THROTTLE_CLIENT_SECONDS", default=240.0)
# Items per page when a client gives no `limit`, and the largest `limit`. pygeoapi,
# GeoServer and ldproxy default to 10 (the standard's example) with a maximum of
# 10,000 (ldproxy; configurable in the others). 100 by default: ten times fewer requests
# than 10 for clients that send no limit (curl, OWSLib, a browser), still a page that
# an HTML view renders at once. GDAL 3.8+ and QGIS read the maximum from the API
# definition and ask for large pages themselves; pages are streamed from PostgreSQL a
# few hundred rows at a time, so 10,000 does not mean 10,000 features in memory.
OGC_ITEMS_DEFAULT_LIMIT = env.int("OGC_ITEMS_DEFAULT_LIMIT", default=100)
OGC_ITEMS_MAX_LIMIT = env.int("OGC_ITEMS_MAX_LIMIT", default=10_000)
SPECTACULAR_SETTINGS = {
    "TITLE": "Plaza API",
    "DESCRIPTION": "Projects, geolocated proposals and their results. GeoJSON for "
                   "everything with a geometry (RFC 7946: WGS 84 longitude/latitude).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "core.api_http.document_errors"],
    # Several models have a `status`: each set of choices gets a name of its own.
    "ENUM_NAME_OVERRIDES": {"ImportStatusEnum": "gisdata.models.ImportStatus",
                            "ProposalStatusEnum": "proposals.models.ProposalStatus"},
}
# Open data is read from anywhere: any origin may GET, HEAD and OPTIONS the API and
# OGC API – Features, without cookies or credentials (so a page elsewhere can never act
# as a signed-in user). Writes stay same-origin, with the session's CSRF token.
CORS_URLS_REGEX = r"^/(api|ogc)(/.*)?$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Link", "Content-Disposition", "Content-Crs",
                       "X-Request-ID"]
# The licence and attribution of what participants publish (proposals, results), stated
# in every export and OGC collection of proposals.
OPENDATA_PROPOSALS_LICENCE = env("OPENDATA_PROPOSALS_LICENCE",
                                 default="https://creativecommons.org/licenses/by/4.0/")
OPENDATA_PROPOSALS_ATTRIBUTION = env("OPENDATA_PROPOSALS_ATTRIBUTION",
                                     default=f"Participants of {SITE_NAME}")

# ------------------------------------------------------------------ maps
# An empty MAP_TILES_URL shows maps without a base layer (the tests run offline).
MAP_TILES_URL = env("MAP_TILES_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (41.3874, 2.1686),  # the demo city, Barcelona
    "DEFAULT_ZOOM": 12,
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 19,
    "TILES": [
        ("Base map", MAP_TILES_URL,
         {"attribution": env("MAP_TILES_ATTRIBUTION",
                             default="&copy; OpenStreetMap contributors"), "maxZoom": 19}),
    ] if MAP_TILES_URL else [],
    "RESET_VIEW": False,
}

# ------------------------------------------------------------------ Celery
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
# JSON only: a pickle payload from a compromised broker would run code in the worker.
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = timedelta(hours=1)
# Every Plaza task is idempotent (each says why in its docstring), so a task is
# acknowledged only when it has finished, and redelivered if its worker dies.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The longest limit any task sets for itself (imports: gisdata/tasks.py).
CELERY_LONGEST_TASK_LIMIT = max(CELERY_TASK_TIME_LIMIT, 60 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Must exceed every task's hard time limit, or Redis redelivers a task still running.
    "visibility_timeout": CELERY_LONGEST_TASK_LIMIT + 10 * 60,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 5
# A web request that publishes while Redis is down gives up quickly instead of hanging.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1,
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_BEAT_SCHEDULE = {
    "expire-role-claims": {
        "task": "plaza.accounts.role_claims_expire",
        "schedule": timedelta(minutes=15),
    },
    "requeue-stale-imports": {
        "task": "plaza.gisdata.imports_requeue_stale",
        "schedule": timedelta(minutes=5),
    },
    "requeue-stale-reports": {
        "task": "plaza.reports.reports_requeue_stale",
        "schedule": timedelta(minutes=5),
    },
    # Budget votes whose voting closed get their final outcomes (voting/tasks.py).
    "budget-outcomes": {
        "task": "plaza.voting.budget_outcomes_sweep",
        "schedule": timedelta(minutes=5),
    },
    # Energy simulations no worker is on (energy/runs.py): their message was lost.
    "energy-simulations-requeue": {
        "task": "plaza.energy.simulations_requeue",
        "schedule": timedelta(minutes=5),
    },
    # Notifications (notifications/tasks.py, docs/notifications.md): phases that opened,
    # events left un-fanned, and the digests (each composed once per period: a second
    # beat or a late one does nothing).
    "notifications-phases-started": {
        "task": "plaza.notifications.phases_started_record",
        "schedule": timedelta(minutes=5),
    },
    "notifications-fan-out-pending": {
        "task": "plaza.notifications.events_fan_out_pending",
        "schedule": timedelta(minutes=5),
    },
    "notifications-digest-daily": {
        "task": "plaza.notifications.digest_compose",
        "schedule": crontab(hour=7, minute=0),
        "args": ("daily",),
    },
    "notifications-digest-weekly": {
        "task": "plaza.notifications.digest_compose",
        "schedule": crontab(hour=7, minute=30, day_of_week="mon"),
        "args": ("weekly",),
    },
}

# ------------------------------------------------------------------ metrics
# --- metrics
# `GET /metrics` in Prometheus' text format (core/metrics.py, docs/operations.md "Metrics
# worth watching"). django-prometheus counts requests, latencies and responses by
# status and view (its two middlewares, first and last), and the database's queries
# (its PostGIS engine: GeoDjango's own backend with counting cursors, psycopg 3
# included); the cache counts its reads itself (core/cache.py).
INSTALLED_APPS.append("django_prometheus")
MIDDLEWARE = ["django_prometheus.middleware.PrometheusBeforeMiddleware", *MIDDLEWARE,
              "django_prometheus.middleware.PrometheusAfterMiddleware"]
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.contrib.gis.db.backends.postgis":
        _database["ENGINE"] = "django_prometheus.db.backends.postgis"
# Off: django-prometheus would count migrations when each process starts, connecting to
# the database then (gunicorn's master too). /metrics counts them at scrape time instead.
PROMETHEUS_EXPORT_MIGRATIONS = False
# Who may read /metrics: addresses or networks (the client address as the rate limits
# find it, TRUSTED_PROXY_COUNT); anyone else gets a 404. Or whoever sends
# `Authorization: Bearer <METRICS_TOKEN>` (empty: no token accepted).
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1/32", "::1/128"])
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# The Redis the workers count their tasks in and the web reads them from; empty: the
# broker's (CELERY_BROKER_URL), whose queues /metrics measures as well.
METRICS_REDIS_URL = env("METRICS_REDIS_URL", default="")
# Queues to measure besides Celery's default one and those the routes name.
METRICS_CELERY_QUEUES = env.list("METRICS_CELERY_QUEUES", default=[])

# ------------------------------------------------------------------ checks
# gis.W001: Debian's GDAL 3.6 cannot block file and network access while parsing a
# spatial reference given as free text (OSRSetFromUserInput). Plaza never parses a
# user's text that way: a CRS from a user is accepted only as an integer EPSG code
# (SpatialReference.import_epsg), PROJ_NETWORK is OFF (config/env.py), and uploaded
# files are read through the import pipeline's own checks (docs/architecture.md).
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# ------------------------------------------------------------------ logging
# One configuration for the web, the worker and beat (core/log_context.py makes Celery
# use it): standard output, every line with its request and task ids. `json` (one object
# per line, the production default) for log collectors; `text` to read in a terminal.
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = logging_settings(LOG_FORMAT, LOG_LEVEL)
