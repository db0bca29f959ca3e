"""The walk's world, built once and rolled back at the end, and what makes hundreds of
requests from one address possible."""

from contextlib import ExitStack
from unittest import mock

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client

from accounts.models import RoleClaim
from reports.models import DecisionReport

# Raised rates, counted apart: the walk sends hundreds of requests from 127.0.0.1.
from tests.opendata.conftest import _roomy_throttles  # noqa: F401
from tests.permission_walk.world import world_make


@pytest.fixture(scope="package")
def _private_files(tmp_path_factory):
    """The walk's evidence and report files in a directory of its own: other test runs
    in the same checkout remove var/test-files when they end, maybe during the walk."""
    fields = [RoleClaim._meta.get_field("evidence_file"),
              *(DecisionReport._meta.get_field(kind) for kind in ("pdf", "csv", "geojson"))]
    location = str(tmp_path_factory.mktemp("private"))
    with ExitStack() as stack:
        for storage in {id(f.storage): f.storage for f in fields}.values():
            stack.enter_context(mock.patch.object(storage, "location", location))
        yield


@pytest.fixture(scope="package")
def world(django_db_setup, django_db_blocker, _private_files):
    """Every object the URL patterns point at. Built in a transaction that is rolled
    back once the walk is done; each test runs in a savepoint inside it (the `db`
    fixture), so what one persona's request changes, the next one never sees."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield world_make()
        transaction.set_rollback(True)


@pytest.fixture(scope="package")
def logins(world, django_db_blocker) -> dict[str, str]:
    """Each persona's log-in cookie, made once (in the world's transaction): a test sets
    it instead of logging in again."""
    cookies = {}
    with django_db_blocker.unblock():
        for persona in ("citizen", "other", "planner", "admin"):
            client = Client()
            client.force_login(world[persona])
            cookies[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return cookies


@pytest.fixture(scope="package")
def client_for(logins):
    """A new client per test, so that no cookie of an earlier test comes along, signed
    in as the persona. They share one request handler: a new one loads every middleware
    again, and WhiteNoise then lists every static file, which would be most of the
    walk's time. CSRF is not checked: the walk asks who may, not about forgery."""
    handler = Client().handler

    def make(persona: str) -> Client:
        client = Client()
        client.handler = handler
        if persona in logins:
            client.cookies[settings.SESSION_COOKIE_NAME] = logins[persona]
        return client

    return make


@pytest.fixture(autouse=True)
def _no_worker_round_trip(monkeypatch):
    """/healthz asks a Celery worker, and waits for it when there is none: here the walk
    asks only who may read it (tests/integration/test_healthz.py asks the worker)."""
    monkeypatch.setattr("config.health._worker", lambda: None)
