"""How log lines look: one JSON object per line, or a readable line for a terminal.

Both show the ids of core/log_context.py. `logging_settings` builds the LOGGING
setting that the web, the worker and beat share; LOG_FORMAT chooses the format.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from django.core.exceptions import ImproperlyConfigured

FORMATS = ("json", "text")
IDS = ("request_id", "task_id", "task_name")
# Attributes every LogRecord has: what is left on a record besides them came from
# `extra=` (Django's `status_code`, Celery's `data`, a service's own fields).
_RECORD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__
) | {"message", "asctime", "taskName", *IDS}


def _is_json(value) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _utc(timestamp: float) -> str:
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: `time` (ISO 8601, UTC), `level`, `logger`, `message`,
    the ids, `exc_info` (the traceback, as one string) when there is one, and the
    record's `extra=` fields that JSON can carry (others, such as Django's `request`,
    are left out rather than written as a repr nobody can parse)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": _utc(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **{key: getattr(record, key, "") for key in IDS},
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and key not in line and _is_json(value):
                line[key] = value
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc_info"] = record.exc_text
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(line)


class TextFormatter(logging.Formatter):
    """`time level logger [ids]: message`, where [ids] lists only the ids that are set;
    a traceback follows on the next lines, as usual."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - stdlib's name
        ids = " ".join(f"{key}={value}" for key in IDS if (value := getattr(record, key, "")))
        ids = f" [{ids}]" if ids else ""
        return f"{self.formatTime(record)} {record.levelname} {record.name}{ids}: {record.message}"


class UnknownSkippedDriverFilter(logging.Filter):
    """Drops GDAL's complaint that a driver named in GDAL_SKIP does not exist.

    config/env.py's GDAL_SKIP also names drivers that only the newer GDAL bundled with
    pyogrio has; the system's GDAL, which GeoDjango loads, says so once per driver at
    start-up, as errors, in every process. They are not errors: nothing is wrong."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "to unload from GDAL_SKIP environment variable" not in record.getMessage()


def logging_settings(log_format: str, level: str) -> dict:
    """The LOGGING setting: everything to standard output, in `log_format`."""
    if log_format not in FORMATS:
        raise ImproperlyConfigured(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, "
                                   f"not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"ids": {"()": "core.log_context.ContextFilter"},
                    "gdal_skip": {"()": "core.log_format.UnknownSkippedDriverFilter"}},
        "formatters": {"json": {"()": "core.log_format.JsonFormatter"},
                       "text": {"()": "core.log_format.TextFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler",
                                 "stream": "ext://sys.stdout",
                                 "formatter": log_format, "filters": ["ids"]}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"},
                    "django.contrib.gis": {"filters": ["gdal_skip"]},
                    # WeasyPrint logs each step of every PDF at INFO; its warnings still show.
                    "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
    }
