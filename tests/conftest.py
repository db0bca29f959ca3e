"""Personas and roles shared by the whole suite (see tests/factories.py)."""

import shutil

import pytest
from django.conf import settings

from tests.factories import role_make, user_make
from tests.launcher import load_launcher


@pytest.fixture(scope="session")
def launcher():
    """The services launcher module (platform/services.py)."""
    return load_launcher()


@pytest.fixture(scope="session")
def s3_server(launcher, tmp_path_factory):
    """An S3-compatible server for the session (moto_server on a free port), started and
    stopped by the launcher's own class (platform/s3server.py): it waits until the
    server answers and creates the bucket."""
    server = launcher.s3server.S3Server(tmp_path_factory.mktemp("s3"), {})
    server.up()
    try:
        yield server
    finally:
        server.down()


@pytest.fixture(scope="session", autouse=True)
def _fresh_test_state():
    """Rate-limit counters from an earlier run must not throttle this one."""
    from django.core.cache import cache

    cache.clear()
    yield
    shutil.rmtree(settings.TEST_FILES_ROOT, ignore_errors=True)


@pytest.fixture(autouse=True)
def _no_cached_credits():
    """The footer's data credits are cached until a change commits, and a test's changes
    never commit (they are rolled back): each test starts without them."""
    from django.core.cache import cache

    from gisdata.credits import CACHE_KEY

    cache.delete(CACHE_KEY)


@pytest.fixture(autouse=True)
def _municipalities_read_afresh():
    """The resolver keeps the municipalities for a while in the process: a test that
    renamed the default one or gave it languages (the demo does) must not leave them to
    the next test, whose database was rolled back."""
    from municipalities import resolver

    resolver.forget()
    yield
    resolver.forget()


@pytest.fixture(autouse=True)
def _default_language():
    """A request in Catalan leaves Catalan active in this thread (LocaleMiddleware does
    not switch back): each test starts, and ends, in the default language."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def citizen(db):
    return user_make("citizen", display_name="Carla")


@pytest.fixture
def outsider(db):
    return user_make("outsider")


@pytest.fixture
def planner(db):
    return user_make("planner", planner=True)


@pytest.fixture
def roles(db):
    """Resident (1), business owner (1), expert (2): the demo city's main roles."""
    return {
        "resident": role_make("resident", "1", position=10, claim_validity_days=365),
        "business": role_make("business-owner", "1", position=20),
        "expert": role_make("expert", "2", position=30),
    }


# One real Celery worker process for the whole session, on the test database and Redis,
# shared by every test that asks for it (integration and browser tests alike): a second
# worker on the same queue would take tasks a test expects the first one to run.
@pytest.fixture(scope="session")
def worker(django_db_setup, tmp_path_factory):
    from celery.exceptions import TimeoutError as CeleryTimeout

    from config.celery import app, ping_task
    from tests.integration.processes import process_env, start_worker, stop, wait_until

    app.control.purge()  # tasks left over from an earlier, interrupted run
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    proc = start_worker(process_env(
        TEST_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        TEST_EMAIL_FILE_PATH=str(_worker_mail_folder(tmp_path_factory))), log)

    def answers():
        assert proc.poll() is None, log.read_text()
        try:
            return ping_task.apply_async(expires=10).get(timeout=5) == "pong"
        except CeleryTimeout:  # still starting (a loaded machine): ask again
            return False

    try:
        wait_until(answers, timeout=120, what="the Celery worker", log=log)
        yield proc
    finally:
        stop(proc)


def _worker_mail_folder(tmp_path_factory):
    return tmp_path_factory.getbasetemp() / "worker-mail"


@pytest.fixture
def worker_mail(worker, tmp_path_factory):
    """The e-mails the session's worker has sent during this test, as
    `email.message.Message`s: a function, called again to see new ones. (The worker
    serves the whole session: what earlier tests made it send is left out.)"""
    import email
    import email.policy

    folder = _worker_mail_folder(tmp_path_factory)

    def raw_messages():
        for path in sorted(folder.glob("*.log")):
            parts = path.read_bytes().split(b"\n" + b"-" * 79 + b"\n")
            for index, raw in enumerate(parts):
                if raw.strip():
                    yield (path.name, index), raw

    earlier = {key for key, _raw in raw_messages()}

    def sent():
        return [email.message_from_bytes(raw, policy=email.policy.default)
                for key, raw in raw_messages() if key not in earlier]

    return sent


@pytest.fixture
def trigger():
    """Make a table raise, sleep or do anything SQL can when a row of it is updated: a real
    database error (or a slow step) where the code does not expect one, seen by the
    worker's sessions too. `trigger(table, when, body)`; dropped again at the end (a
    flush after a test that commits would leave it)."""
    from django.db import connection

    made = []

    def make(table: str, when: str, body: str) -> None:
        name = f"test_fault_{len(made)}"
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
                           f"$$ BEGIN {body}; RETURN NEW; END $$")
            cursor.execute(f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} FOR EACH ROW "
                           f"WHEN ({when}) EXECUTE FUNCTION {name}()")
        made.append((name, table))

    yield make
    with connection.cursor() as cursor:
        for name, table in made:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
