"""HTTP plumbing shared by the API (`/api/`) and OGC API – Features (`/ogc/`): bounded
pages, conditional GET, and the error answers every operation documents."""

from django.http import JsonResponse
from django.middleware.http import ConditionalGetMiddleware
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

API_PREFIXES = ("/api/", "/ogc/", "/ogc")


def not_found(request, exception):
    """404 for a URL that matches no route: JSON under /api/ and /ogc/, as every other
    API error is, so that clients parse one kind of error; the site's page elsewhere."""
    if request.path_info.startswith(API_PREFIXES):
        return JsonResponse({"detail": _("No such resource.")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """500 (a view failed, DEBUG off): JSON under /api/ and /ogc/, the site's page
    elsewhere. With DEBUG on, core.debug.DebugNotFoundMiddleware answers instead."""
    if request.path_info.startswith(API_PREFIXES):
        return JsonResponse({"detail": _("Server error.")}, status=500)
    return defaults.server_error(request)


def bad_request(request, exception):
    """400 for a request Django refuses before any view (a suspicious one)."""
    if request.path_info.startswith(API_PREFIXES):
        return JsonResponse({"detail": _("Bad request.")}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    """403 outside DRF's own handling (a view that raised PermissionDenied)."""
    if request.path_info.startswith(API_PREFIXES):
        return JsonResponse({"detail": _("You do not have permission to do this.")},
                            status=403)
    return defaults.permission_denied(request, exception)


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """`limit`/`offset` pages of at most 500 rows: a bigger `limit` is cut to the cap;
    one that is not a whole number (or below 1; an offset below 0) is a 400 naming it,
    as the schema says, rather than DRF's quiet fall-back to the default."""

    default_limit = 50
    max_limit = 500
    MAX_OFFSET = 10_000_000

    def _number(self, request, name: str, low: int, high: int | None) -> int | None:
        raw = request.query_params.get(name)
        if raw is None:
            return None
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or value < low:
            message = _("%(name)s is a whole number from %(low)s.") % {"name": name, "low": low}
            raise ValidationError({name: [message]})
        return min(value, high) if high else value

    def get_limit(self, request):
        value = self._number(request, self.limit_query_param, 1, self.max_limit)
        return self.default_limit if value is None else value

    def get_offset(self, request):
        value = self._number(request, self.offset_query_param, 0, None)
        if value is not None and value > self.MAX_OFFSET:
            raise ValidationError({self.offset_query_param: [
                _("offset is at most %(max)s.") % {"max": format(self.MAX_OFFSET, ",")}]})
        return value or 0

    def get_schema_operation_parameters(self, view):
        limit, offset = super().get_schema_operation_parameters(view)
        limit["schema"].update(minimum=1, description=f"At most {self.max_limit}.")
        offset["schema"].update(minimum=0, maximum=self.MAX_OFFSET)
        return [limit, offset]


class ApiConditionalGetMiddleware(ConditionalGetMiddleware):
    """ETag (a hash of the body) on every successful GET of the API, and 304 Not Modified
    when the client already holds that body (If-None-Match), or when a view said when
    its data last changed (Last-Modified) and the client's copy is as new
    (If-Modified-Since). Streamed exports carry Last-Modified only: hashing them would
    mean holding them whole."""

    def process_response(self, request, response):
        if not request.path_info.startswith(API_PREFIXES):
            return response
        return super().process_response(request, response)


class LastModifiedMixin:
    """For generic list and detail views: Last-Modified is the newest `updated_at`
    among the objects answered (the page, or the one object)."""

    last_modified = None

    def _stamp(self, objects) -> None:
        times = [t for t in (getattr(o, "updated_at", None) for o in objects) if t]
        self.last_modified = max(times) if times else None

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._stamp(page or [])
        return page

    def get_object(self):
        obj = super().get_object()
        self._stamp([obj])
        return obj

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.last_modified and response.status_code == 200:
            response.headers.setdefault("Last-Modified",
                                        http_date(self.last_modified.timestamp()))
        return response


ERROR_SCHEMA = {"type": "object", "additionalProperties": True,
                "description": "`detail`, or a list of messages per field or parameter."}
_ERRORS = {
    "400": "Invalid input: the body or a parameter, with a message for each.",
    "401": "Sign in first (session, or `Authorization: Token …`).",
    "403": "Not allowed to you, or refused by a rule (the reason is given).",
    "404": "No such resource, or not one you may see.",
    "429": "Too many requests: wait `Retry-After` seconds.",
}


def document_errors(result, generator, request, public):
    """A spectacular post-processing hook: every operation lists the errors it may
    answer (what DRF's exception handler sends), so that clients and schemathesis know
    them. An operation's own description of an error is kept."""
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = ["400", "429"]
            if not path.startswith("/ogc"):  # open data needs no account
                codes += ["401", "403"]
            formats = any(p.get("name") == "format" for p in operation.get("parameters", []))
            if "{" in path or formats:  # DRF answers an unknown ?format= with 404
                codes += ["404"]
            # Errors come in JSON, or in the operation's own JSON media type
            # (application/geo+json) when DRF renders them with the view's first renderer.
            types = {"application/json"} | {
                media for response in operation["responses"].values()
                for media in response.get("content", {}) if media.endswith("json")}
            for code in codes:
                operation["responses"].setdefault(code, {
                    "description": _ERRORS[code],
                    "content": {media: {"schema": ERROR_SCHEMA} for media in sorted(types)}})
    return result
