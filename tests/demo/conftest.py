import pytest
from django.db import transaction

from demo.loader import demo_load


@pytest.fixture
def client(client):
    """A browser that asks for English: Barcelona's first language is Catalan, and
    these tests read the demo's English texts."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """The demo, loaded once for the module that asks for it, in a transaction rolled
    back when the module ends: each test runs in a savepoint inside it (the `db`
    fixture), so what one test changes the next never sees. A load takes seconds; the
    tests that read what it made need not each pay for it."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_load()
        yield
        transaction.set_rollback(True)
