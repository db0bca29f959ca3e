"""Log lines: every request has an id, and every line says which request and task it is
about; in production one JSON object per line (docs/operations.md, "Logs")."""

import io
import json
import logging
import logging.config
import re

import pytest
from celery import signals
from django.http import HttpResponse
from django.test import RequestFactory

from config.celery import app
from core import log_context
from core.log_format import JsonFormatter, TextFormatter, logging_settings
from core.request_id import RequestIdMiddleware
from tests.test_settings import manage, production_env

pytestmark = pytest.mark.django_db

NEW_ID = re.compile(r"[0-9a-f]{32}")
log = logging.getLogger("plaza.tests")


@app.task(name="tests.log_ids_seen", ignore_result=False)
def ids_seen() -> list[str]:
    """What the task's own log lines would carry. Harmless twice: it only reads."""
    ids = log_context.current()
    return [ids.request_id, ids.task_id, ids.task_name]


@pytest.fixture(autouse=True)
def _no_ids_left():
    yield
    log_context.request_ends()


def _capture(formatter):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(log_context.ContextFilter())
    return stream, handler


@pytest.fixture
def json_lines():
    """The lines the JSON handler writes, each parsed: a line that is not one JSON
    object fails the test."""
    stream, handler = _capture(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


# ------------------------------------------------------------------ the request id


def test_every_response_carries_a_new_request_id(client):
    first, second = client.get("/"), client.get("/no-such-page/")
    assert NEW_ID.fullmatch(first["X-Request-ID"])
    assert NEW_ID.fullmatch(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize("sent", ["4bf92f3577b34da6a3ce929d0e0e4736", "lb-7.req_42", "x" * 64])
def test_a_sane_incoming_request_id_is_kept(client, sent):
    assert client.get("/", HTTP_X_REQUEST_ID=sent)["X-Request-ID"] == sent


@pytest.mark.parametrize("sent", [
    "abc\nERROR forged line", "x" * 65, "x" * 200, 'say "hi"', "it's", "a b", "",
    "caf\u00e9", "abc\r\n", "<script>",
])
def test_an_insane_incoming_request_id_is_replaced(client, sent):
    kept = client.get("/", HTTP_X_REQUEST_ID=sent)["X-Request-ID"]
    assert kept != sent
    assert NEW_ID.fullmatch(kept)


def test_cross_origin_api_clients_may_read_the_request_id(client):
    response = client.get("/api/v1/projects/", HTTP_ORIGIN="https://elsewhere.example")
    assert "X-Request-ID" in response["Access-Control-Expose-Headers"]


# ------------------------------------------------------------------ lines during a request


def test_a_line_logged_in_a_view_carries_its_request_id(json_lines):
    def view(request):
        log.info("inside the view", extra={"proposal_id": 7})
        return HttpResponse()

    response = RequestIdMiddleware(view)(RequestFactory().get("/"))
    [line] = json_lines()
    assert line["request_id"] == response["X-Request-ID"]
    assert line["message"] == "inside the view" and line["proposal_id"] == 7
    assert line["task_id"] == "" and line["task_name"] == ""


def test_djangos_not_found_line_carries_the_request_id(client, json_lines):
    response = client.get("/no-such-page/")
    [line] = [line for line in json_lines() if line["logger"] == "django.request"]
    assert line["message"] == "Not Found: /no-such-page/"
    assert line["level"] == "WARNING" and line["status_code"] == 404
    assert line["request_id"] == response["X-Request-ID"]
    assert "request" not in line  # the HttpRequest object is no JSON: left out


def test_after_the_request_lines_carry_no_request_id(client, json_lines):
    client.get("/")
    log.warning("between requests")
    assert json_lines()[-1]["request_id"] == ""


# ------------------------------------------------------------------ the JSON line


def test_a_json_line_has_the_time_in_utc_and_the_fields(json_lines):
    log_context.request_begins("r-1")
    log.warning("%s proposals", 3, extra={"project": "sants", "when": object()})
    [line] = json_lines()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    assert line == {"time": line["time"], "level": "WARNING", "logger": "plaza.tests",
                    "message": "3 proposals", "request_id": "r-1", "task_id": "",
                    "task_name": "", "project": "sants"}


def test_an_exception_is_one_json_field_not_a_multi_line_traceback():
    stream, handler = _capture(JsonFormatter())
    log.addHandler(handler)
    try:
        try:
            {}["missing"]
        except KeyError:
            log.exception("could not compile the report")
    finally:
        log.removeHandler(handler)
    written = stream.getvalue()
    assert written.count("\n") == 1  # one line
    line = json.loads(written)
    assert line["level"] == "ERROR" and line["message"] == "could not compile the report"
    assert line["exc_info"].startswith("Traceback (most recent call last):")
    assert "KeyError: 'missing'" in line["exc_info"]


def test_the_text_line_shows_the_ids_that_are_set():
    stream, handler = _capture(TextFormatter())
    log.addHandler(handler)
    try:
        log.warning("no ids")
        log_context.request_begins("r-2")
        log.warning("one id")
    finally:
        log.removeHandler(handler)
    first, second = stream.getvalue().splitlines()
    assert first.endswith(" WARNING plaza.tests: no ids")
    assert second.endswith(" WARNING plaza.tests [request_id=r-2]: one id")


def test_an_unknown_log_format_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT"):
        logging_settings("xml", "INFO")


def _production_line(**env) -> str:
    command = "import logging; logging.getLogger('plaza.check').warning('written')"
    environ = production_env(**env)
    if "LOG_FORMAT" not in env:
        environ.pop("LOG_FORMAT", None)
    result = manage("shell", "--no-imports", "-c", command, env=environ)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_logs_json_to_standard_output():
    line = json.loads(_production_line())
    assert line["message"] == "written" and line["logger"] == "plaza.check"


def test_production_logs_text_when_asked():
    assert _production_line(LOG_FORMAT="text").endswith(" WARNING plaza.check: written")


# ------------------------------------------------------------------ tasks


def test_a_task_published_during_a_request_carries_its_id_in_a_header():
    headers = {}
    log_context.request_begins("r-3")
    signals.before_task_publish.send(sender="plaza.health.ping", headers=headers, body=(),
                                     exchange="", routing_key="celery", properties={},
                                     declare=[], retry_policy=None)
    assert headers["request_id"] == "r-3"


def test_a_task_published_outside_a_request_carries_no_request_id():
    headers = {}
    signals.before_task_publish.send(sender="plaza.health.ping", headers=headers, body=(),
                                     exchange="", routing_key="celery", properties={},
                                     declare=[], retry_policy=None)
    assert "request_id" not in headers


def test_a_task_logs_with_its_id_its_name_and_the_request_id_it_was_sent():
    result = ids_seen.apply(headers={"request_id": "r-4"})
    assert result.get() == ["r-4", result.id, "tests.log_ids_seen"]
    assert log_context.current() == log_context.NO_IDS  # nothing left once it ended


def test_a_task_ignores_an_insane_request_id_from_the_broker():
    result = ids_seen.apply(headers={"request_id": "forged\nline"})
    assert result.get() == ["", result.id, "tests.log_ids_seen"]


def test_a_task_run_inside_a_request_keeps_the_request_id_and_gives_it_back():
    log_context.request_begins("r-5")
    result = ids_seen.apply()
    assert result.get() == ["r-5", result.id, "tests.log_ids_seen"]
    assert log_context.current() == log_context.LogContext(request_id="r-5")


def test_gdal_s_complaint_about_a_driver_it_does_not_have_is_not_logged():
    """GDAL_SKIP names drivers only pyogrio's newer GDAL has; the system GDAL's start-up
    complaint about each is dropped, and its other errors still show."""
    stream = io.StringIO()
    logging.config.dictConfig(logging_settings("text", "INFO"))
    logging.getLogger().handlers[0].stream = stream
    try:
        gis = logging.getLogger("django.contrib.gis")
        gis.error("GDAL_ERROR 1: b'Unable to find driver ADBC to unload from GDAL_SKIP "
                  "environment variable.'")
        gis.error("GDAL_ERROR 4: b'No such file or directory'")
    finally:
        from django.conf import settings
        logging.config.dictConfig(settings.LOGGING)
    assert "ADBC" not in stream.getvalue()
    assert "No such file or directory" in stream.getvalue()
