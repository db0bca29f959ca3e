"""A request id for every web request, in its log lines and its `X-Request-ID` header.

A proxy or an API client may send its own `X-Request-ID` (so that its logs and ours
share one id); it is kept only when it is a short plain token, otherwise Plaza makes a
new one. The response always names the id, so a person reporting an error can quote it.
"""

import uuid

from django.core.signals import request_finished

from core import log_context

HEADER = "X-Request-ID"


def request_id_for(request) -> str:
    return (log_context.sane_request_id(request.META.get("HTTP_X_REQUEST_ID"))
            or uuid.uuid4().hex)


class RequestIdMiddleware:
    """First in MIDDLEWARE, so that even a redirect to HTTPS carries the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_for(request)
        log_context.request_begins(request.request_id)
        response = self.get_response(request)
        response[HEADER] = request.request_id
        return response


# Sent once the response has been sent in full (streamed files too): from then on this
# thread's lines belong to no request.
request_finished.connect(log_context.request_ends, dispatch_uid="plaza-request-id-ends")
