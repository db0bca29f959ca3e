"""`make run` (platform/run.py): the links in e-mails follow the address it serves at."""

import importlib.util
import os
import sys

import pytest

from tests.launcher import PLATFORM, load_launcher


@pytest.fixture
def run(monkeypatch):
    """platform/run.py, loaded by its path (its `services` is platform/services.py)."""
    monkeypatch.setitem(sys.modules, "services", load_launcher())
    spec = importlib.util.spec_from_file_location("plaza_run", PLATFORM / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def started(run, monkeypatch):
    """Runs `run.main()` with the services, `manage.py` and the three processes faked;
    returns the SITE_URL each step saw. The faked processes stop at once, so main()
    returns without serving."""
    seen = {}

    class Services:
        def up(self):
            return {"postgres": "running already", "redis": "running already"}

        def down(self, only):
            raise AssertionError("nothing was started, nothing is stopped")

    class Process:
        def __init__(self, cmd, **kwargs):
            seen[os.path.basename(cmd[0])] = (kwargs.get("env") or os.environ).get("SITE_URL")
            self.pid = 0

        def poll(self):
            return 0

        def wait(self, timeout=None):
            return 0

    def manage(*args, quiet=False):
        seen[f"manage.py {args[0]}"] = os.environ.get("SITE_URL")
        return ""

    monkeypatch.setattr(run, "Services", Services)
    monkeypatch.setattr(run, "manage", manage)
    monkeypatch.setattr(run, "port_is_free", lambda port: True)
    monkeypatch.setattr(run.subprocess, "Popen", Process)
    monkeypatch.setattr(run.signal, "signal", lambda *args: None)
    # Whatever main() puts in the environment is taken out after the test.
    monkeypatch.setenv("SITE_URL", "unset")
    monkeypatch.delenv("SITE_URL")

    def start(**environ):
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        run.main()
        return seen

    return start


def test_the_web_server_and_the_worker_link_to_the_port_make_run_serves_on(started):
    seen = started(PORT="8765")
    assert seen["gunicorn"] == seen["celery"] == "http://127.0.0.1:8765"
    assert seen["manage.py load_demo"] == "http://127.0.0.1:8765"


def test_a_run_on_every_interface_links_to_this_machine(started):
    assert started(PORT="8123", HOST="0.0.0.0")["celery"] == "http://127.0.0.1:8123"  # noqa: S104


def test_a_site_url_of_the_environment_wins(started):
    seen = started(PORT="8765", SITE_URL="https://plaza.example.net")
    assert seen["gunicorn"] == seen["celery"] == "https://plaza.example.net"


def test_the_address_is_written_as_a_url(run):
    assert run.site_url("localhost", 8000) == "http://localhost:8000"
    assert run.site_url("::1", 8000) == "http://[::1]:8000"
