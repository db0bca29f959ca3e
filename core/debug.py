"""What a server with DEBUG on (`make run`, config/settings/local.py) shows to whoever
reaches it, and what any server refuses before doing work.

- `SecretsFilter` (DEFAULT_EXCEPTION_REPORTER_FILTER): Django's filter hides settings
  whose *names* say KEY, PASS, SECRET, TOKEN…; REDIS_URL, the broker's and the result
  backend's URLs and the cache's LOCATION carry Redis's password under other names. This
  one also hides every setting (and request variable) named like a URL, a location, a
  broker or a DSN, and the password of any `scheme://user:password@` it finds elsewhere.
- `ScrubbingReporter` (DEFAULT_EXCEPTION_REPORTER): an exception's message and the
  frames' variables are not settings (`RuntimeError(f"… {settings.REDIS_URL}")`): the
  finished page is searched for every secret the settings and the environment hold,
  and each is replaced. It also keeps the page from asking again for the request's
  parameters when reading them was the error (Django's page re-raised it, once per
  middleware: 300 parameters cost seconds and ended in a 500).
- `DebugNotFoundMiddleware`: with DEBUG on, Django answers a 404 with every URL pattern
  and the settings; the site's own 404 (core/api_http.py `not_found`) answers instead.
- `ApiErrorsMiddleware`: with DEBUG on, Django's own error answers under /api/ and
  /ogc/ (its debug page included) become JSON, as the API documents; with DEBUG on or
  off, a POST (PUT, PATCH, DELETE) to an API URL without its final slash is a JSON 404
  that names the right URL, not a redirect that would lose the body.
- `RequestLimitsMiddleware`: a body over DATA_UPLOAD_MAX_MEMORY_SIZE (or, for a file
  upload, over the largest upload a form takes) is a 413, and more parameters than
  DATA_UPLOAD_MAX_NUMBER_FIELDS (query or form) a 400, decided from the headers and
  the query string before any other middleware reads them.
"""

from __future__ import annotations

import html
import os
import re
from http import HTTPStatus
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.urls import Resolver404, get_resolver, resolve
from django.utils.translation import gettext as _
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from core.api_http import API_PREFIXES

# `scheme://user:password@host`: the password part (user may be empty, as in Redis's).
CREDENTIALS = re.compile(r"(?P<head>[a-z][a-z0-9+.\-]*://[^/\s:@]*:)(?P<password>[^@\s/]+)@",
                         re.IGNORECASE)
SUBSTITUTE = "********"
# Settings and environment variables whose value is itself a secret; lists of class
# paths named after passwords are not.
SECRET_NAMES = re.compile(r"KEY|SECRET|PASS|TOKEN|SIGNATURE|CREDENTIAL", re.IGNORECASE)
NOT_SECRET_NAMES = re.compile(r"HASHERS|VALIDATORS|TIMEOUT|_PREFIX|FALLBACKS_?$",
                              re.IGNORECASE)


class SecretsFilter(SafeExceptionReporterFilter):
    cleansed_substitute = SUBSTITUTE
    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE"
        "|URL|LOCATION|BROKER|BACKEND|DSN", flags=re.IGNORECASE)

    def cleanse_setting(self, key, value):
        value = super().cleanse_setting(key, value)
        if isinstance(value, str):
            return CREDENTIALS.sub(rf"\g<head>{SUBSTITUTE}@", value)
        return value


def _known_secrets() -> set[str]:
    """Every password and key the settings and the environment hold, as text."""
    found: set[str] = set()

    def walk(name: str, value) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(str(k), v)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(name, v)
        elif isinstance(value, str):
            for match in CREDENTIALS.finditer(value):
                found.add(match["password"])
            if SECRET_NAMES.search(name) and not NOT_SECRET_NAMES.search(name):
                found.add(value)
            parts = urlsplit(value) if "://" in value else None
            if parts is not None and parts.password:
                found.add(parts.password)

    for name in dir(settings):
        if name.isupper():
            walk(name, getattr(settings, name))
    for name, value in os.environ.items():
        walk(name, value)
    # Short values ("", "1", "no") would blank ordinary words of the page.
    return {s for s in found if len(s) >= 6}


def scrub(text: str) -> str:
    """`text` with every secret the settings and the environment hold replaced."""
    text = CREDENTIALS.sub(rf"\g<head>{SUBSTITUTE}@", text)
    for secret in sorted(_known_secrets(), key=len, reverse=True):
        for form in {secret, html.escape(secret), quote(secret, safe=""), unquote(secret)}:
            text = text.replace(form, SUBSTITUTE)
    return text


class ScrubbingReporter(ExceptionReporter):
    def get_traceback_data(self):
        request = self.request
        if request is not None:
            # Reading them may be what failed (too many fields, too big a body): the page
            # shows them empty rather than raising the same error again.
            for name in ("GET", "POST", "FILES", "COOKIES"):
                try:
                    getattr(request, name)
                except (SuspiciousOperation, RequestDataTooBig, OSError, ValueError):
                    setattr(request, name, QueryDict() if name != "COOKIES" else {})
        return super().get_traceback_data()

    def get_traceback_html(self):
        return scrub(super().get_traceback_html())

    def get_traceback_text(self):
        return scrub(super().get_traceback_text())


def _not_found(request, exception):
    callback = get_resolver().resolve_error_handler(404)
    return callback(request, exception)


class DebugNotFoundMiddleware:
    """With DEBUG on, a 404 is the site's own page, not Django's list of every URL
    pattern. Placed after CommonMiddleware, which still adds a missing slash."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.DEBUG:
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exc:
                return _not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return _not_found(request, exception)
        return None


def _slash_missing(request) -> str | None:
    """The URL with its final slash, when a write under /api/ or /ogc/ came without it and
    that URL exists. CommonMiddleware would redirect (a client then re-sends a GET, the
    body lost) or, with DEBUG on, fail with a 500."""
    path = request.path_info
    if (request.method in ("GET", "HEAD", "OPTIONS") or path.endswith("/")
            or not settings.APPEND_SLASH or not request.path_info.startswith(API_PREFIXES)):
        return None
    urlconf = getattr(request, "urlconf", None)
    try:
        resolve(path, urlconf)
    except Resolver404:
        try:
            resolve(path + "/", urlconf)
        except Resolver404:
            return None
        return request.path + "/"
    return None


def _api_error_detail(status: int) -> str:
    return {400: _("Bad request."), 403: _("You do not have permission to do this."),
            404: _("No such resource."), 405: _("Method not allowed."),
            500: _("Server error.")}.get(status) or HTTPStatus(status).phrase


class ApiErrorsMiddleware:
    """With DEBUG on, an error under /api/ or /ogc/ is JSON too, as the API documents:
    Django's own answers (the debug page of a failing view or of a middleware, a 405
    from a plain view) become `{"detail": …}` with the same status and `Allow` or
    `Retry-After`. A failing view's exception is named in `exception` (its secrets
    scrubbed); the traceback is in the server's log, as before. DRF's own answers (the
    browsable API a browser asks for, JSON otherwise) pass untouched. First in the
    chain after the request id, so it sees what every later middleware answers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        slashed = _slash_missing(request)
        if slashed:
            return JsonResponse({"detail": _("No such resource. Its URL ends in a slash: "
                                              "%(url)s") % {"url": slashed}}, status=404)
        response = self.get_response(request)
        if (not settings.DEBUG or response.status_code < 400
                or not request.path_info.startswith(API_PREFIXES)
                or "json" in response.get("Content-Type", "")
                or hasattr(response, "accepted_renderer")):
            return response
        body = {"detail": _api_error_detail(response.status_code)}
        exception = getattr(request, "_api_exception", None)
        if exception is not None and response.status_code >= 500:
            body["exception"] = scrub(f"{type(exception).__name__}: {exception}")
        answer = JsonResponse(body, status=response.status_code)
        for header in ("Allow", "Retry-After"):
            if header in response:
                answer[header] = response[header]
        return answer

    def process_exception(self, request, exception):
        request._api_exception = exception  # named in the JSON answer above
        return None


def _refuse(request, status: int, message: str) -> HttpResponse:
    if request.path_info.startswith(API_PREFIXES):
        return JsonResponse({"detail": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _largest_upload() -> int:
    return max(settings.GISDATA_UPLOAD_MAX_BYTES, settings.PROPOSAL_IMAGE_MAX_BYTES,
               settings.ROLE_EVIDENCE_MAX_BYTES, settings.FILE_UPLOAD_MAX_MEMORY_SIZE)


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        query = request.META.get("QUERY_STRING", "")
        if limit is not None and query and query.count("&") + 1 > limit:
            return _refuse(request, 400, _("Too many query parameters."))
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = request.content_type == "multipart/form-data"
        most = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if multipart:  # the files are not in DATA_UPLOAD_MAX_MEMORY_SIZE; the form is
            most = _largest_upload() + (most or 0)
        if most is not None and length > most:
            return _refuse(request, 413, _("The request is too large."))
        if (limit is not None and request.content_type == "application/x-www-form-urlencoded"
                and length and request.body.count(b"&") + 1 > limit):
            return _refuse(request, 400, _("Too many form fields."))
        return self.get_response(request)
