"""schemathesis against /api/schema/, in process through the WSGI application, with an
open city's data present: every GET operation of /api/v1 and /ogc, with valid and
invalid input (a few examples of each, so the whole run stays within a minute or two).
No answer is a 500, every answer matches the schema (status, media type, body), and
invalid input is refused with a 4xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import positive_data_acceptance

pytestmark = pytest.mark.django_db

EXAMPLES = 4


@pytest.fixture
def wsgi():
    """The WSGI application, kept from closing the test's database connection after each
    request (as Django's test client does), since the test's data lives in its
    transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from config.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.quality("query-abuse")
def test_every_read_operation_keeps_its_contract(city, wsgi):
    application = wsgi

    schema = schemathesis.openapi.from_wsgi("/api/schema/", application).include(
        method="GET")
    operations = [result.ok() for result in schema.get_all_operations()]
    paths = {op.path for op in operations}
    assert "/ogc/collections/{collection_id}/items" in paths and "/api/v1/proposals/" in paths
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def check(case):
                # Schema-valid is not always meaningful: a bbox is a string to OpenAPI,
                # but "items" is no bbox. Invalid input must be refused, though.
                case.call_and_validate(excluded_checks=[positive_data_acceptance])

            try:
                check()
            except Unsatisfiable:
                # Nothing to make invalid: an operation without parameters.
                assert mode is GenerationMode.NEGATIVE, operation.path
            except (AssertionError, FailureGroup) as exc:
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): "
                                f"{exc}"[:2000])
    assert not failures, "\n\n".join(failures)
