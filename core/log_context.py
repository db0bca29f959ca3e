"""The ids every log line carries: the web request's, and the Celery task's.

A web request gets a request id (core/request_id.py); a task published while it runs
carries that id in a message header, so the worker's lines about the task name the
request that asked for it. An operator follows one request through web and worker by
searching the logs for its id (docs/operations.md, "Logs").
"""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar, Token
from dataclasses import dataclass

from celery import signals

# The task message header that carries the request id from the web to the worker.
REQUEST_ID_HEADER = "request_id"
# An id that came from outside is written into every log line of its request: only short
# plain tokens are taken, so a client can neither forge log lines (newlines, quotes) nor
# bloat them.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


@dataclass(frozen=True)
class LogContext:
    request_id: str = ""
    task_id: str = ""
    task_name: str = ""


NO_IDS = LogContext()
# One immutable value, so that a task run inside a request (eagerly, in tests) restores
# the request's ids with a single reset when it ends.
_current: ContextVar[LogContext] = ContextVar("plaza_log_context", default=NO_IDS)
# The token of each running task, to restore what was there before it when it ends.
_task_tokens: dict[str, Token] = {}


def current() -> LogContext:
    return _current.get()


def sane_request_id(value: object) -> str:
    """`value` if it is a sane request id, otherwise ""."""
    if isinstance(value, str) and SANE_REQUEST_ID.fullmatch(value):
        return value
    return ""


def request_begins(request_id: str) -> None:
    # Not reset when the middleware returns: Django logs "Not Found" and other 4xx lines
    # after the middleware chain, and streamed responses run later still. The request's
    # end (`request_ends`) or the thread's next request replaces the value.
    _current.set(LogContext(request_id=request_id))


def request_ends(**kwargs) -> None:
    _current.set(NO_IDS)


class ContextFilter(logging.Filter):
    """Adds `request_id`, `task_id` and `task_name` ("" when unset) to every record.

    It sits on the handler, not on a logger, so that records propagated from any logger
    get the ids too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        context = _current.get()
        record.request_id = context.request_id
        record.task_id = context.task_id
        record.task_name = context.task_name
        return True


# ------------------------------------------------------------------ Celery


def _publish_with_request_id(headers=None, **kwargs) -> None:
    """before_task_publish: a task published during a request (or by a task that one
    published) carries that request's id."""
    request_id = _current.get().request_id
    if request_id and headers is not None:
        headers.setdefault(REQUEST_ID_HEADER, request_id)


def _task_begins(task_id=None, task=None, **kwargs) -> None:
    request = task.request
    sent = getattr(request, REQUEST_ID_HEADER, None) or (request.headers or {}).get(
        REQUEST_ID_HEADER)
    # The broker is not trusted more than a client: the header is checked again. A task
    # run eagerly inside a request, without the header, keeps that request's id.
    request_id = sane_request_id(sent) or _current.get().request_id
    _task_tokens[task_id] = _current.set(
        LogContext(request_id=request_id, task_id=task_id or "", task_name=task.name))


def _task_ends(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        _current.reset(token)


def _use_django_logging(**kwargs) -> None:
    """setup_logging: answering it stops Celery from installing handlers of its own, so
    the worker and beat log exactly as the web does, through settings.LOGGING (format,
    ids and LOG_LEVEL alike). Applied here as well, so that it does not depend on Django
    having been set up first. Celery then leaves sys.stdout alone too, which costs
    nothing: Plaza's code does not print (ruff's T20 sees to it)."""
    from django.conf import settings
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def connect_celery_signals() -> None:
    signals.setup_logging.connect(_use_django_logging, dispatch_uid="plaza-logging")
    signals.before_task_publish.connect(_publish_with_request_id,
                                        dispatch_uid="plaza-log-request-id")
    signals.task_prerun.connect(_task_begins, dispatch_uid="plaza-log-task-begins")
    signals.task_postrun.connect(_task_ends, dispatch_uid="plaza-log-task-ends")
