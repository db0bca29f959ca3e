"""Serve each request for its municipality (municipalities/resolver.py).

A municipality named by its path prefix (/cambridge/projects/…) is served by the same
URLs as the default one: the prefix moves from the path to the script prefix, so the
URL patterns match as they always did and every `reverse()` and `{% url %}` writes
links under the prefix again.
"""

from django.urls import get_script_prefix, set_script_prefix

from core import tenancy as context
from municipalities import resolver


class MunicipalityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        municipality, prefix = resolver.resolve(request.get_host().split(":")[0]
                                                if _host_ok(request) else "",
                                                request.path_info)
        request.municipality = municipality
        script_prefix = get_script_prefix()
        if prefix:
            if request.path_info == prefix:
                # /cambridge → /cambridge/, as CommonMiddleware does for the others.
                from django.http import HttpResponsePermanentRedirect

                query = request.META.get("QUERY_STRING", "")
                return HttpResponsePermanentRedirect(
                    f"{request.path}/" + (f"?{query}" if query else ""))
            request.path_info = request.path_info[len(prefix):]
            set_script_prefix(script_prefix.rstrip("/") + prefix + "/")
        tokens = context.enter(municipality)
        try:
            response = self.get_response(request)
        finally:
            context.leave(tokens)
            set_script_prefix(script_prefix)
        if response.streaming and getattr(response, "file_to_stream", None) is None:
            # A streamed body is read after this returns: read it for the same place. (A
            # file's bytes need no municipality, and keep the server's sendfile.)
            response.streaming_content = _served_for(response.streaming_content,
                                                     municipality, prefix, script_prefix)
        return response


def _host_ok(request) -> bool:
    # get_host() raises for a host outside ALLOWED_HOSTS; CommonMiddleware answers that
    # request with its 400 later, so the host is simply not used here.
    from django.core.exceptions import DisallowedHost

    try:
        request.get_host()
    except DisallowedHost:
        return False
    return True


def _served_for(chunks, municipality, prefix, script_prefix):
    with context.working_for(municipality):
        if prefix:
            set_script_prefix(script_prefix.rstrip("/") + prefix + "/")
        try:
            yield from chunks
        finally:
            set_script_prefix(script_prefix)
