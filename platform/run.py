#!/usr/bin/env python3
"""`make run`: the whole platform on one machine, until Ctrl-C.

Starts (or reuses) the private PostGIS and Redis, migrates, collects static files,
loads the demo city, then runs the web server (gunicorn), a Celery worker and
Celery beat side by side, with SITE_URL set to this run's address (HOST and PORT) so
that the links in e-mails open its pages. It prints the URL and the demo logins once
/healthz says all is well. Ctrl-C stops the three processes and the services this run started;
services that were already running are left as they were.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from services import ROOT, ServiceError, Services, port_is_free

VENV_BIN = ROOT / ".venv" / "bin"
HEALTH_TIMEOUT = 90


def say(message: str) -> None:
    print(f"\033[1mplaza:\033[0m {message}", flush=True)


def manage(*args: str, quiet: bool = False) -> str:
    return subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", *args], cwd=ROOT, check=True,
        text=True, stdout=subprocess.PIPE if quiet else None,
    ).stdout or ""


def site_url(host: str, port: int) -> str:
    """The address this run answers at, which e-mails link to unless SITE_URL names
    another (a proxy or tunnel in front of it)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - display only
    if ":" in shown:
        shown = f"[{shown}]"  # an IPv6 address
    return f"http://{shown}:{port}"


def processes(port: int, host: str) -> dict[str, list[str]]:
    var = ROOT / "var"
    return {
        "web": [str(VENV_BIN / "gunicorn"), "config.wsgi", "--config",
                str(ROOT / "platform" / "deploy" / "gunicorn.conf.py"),
                "--bind", f"{host}:{port}"],
        "worker": [str(VENV_BIN / "celery"), "-A", "config", "worker", "-l", "INFO",
                   "--concurrency", "2", "-n", "plaza-worker@%h"],
        "beat": [str(VENV_BIN / "celery"), "-A", "config", "beat", "-l", "INFO",
                 "--schedule", str(var / "celerybeat-schedule")],
    }


def wait_healthy(url: str, children: dict[str, subprocess.Popen]) -> bool:
    deadline = time.monotonic() + HEALTH_TIMEOUT
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children.values()):
            return False
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    return False


def stop(children: dict[str, subprocess.Popen]) -> None:
    for child in children.values():
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)


class Supervisor:
    """The processes of one run, each in a process group of its own (so that Ctrl-C
    reaches this script, which stops them in order), until Ctrl-C or until one of them
    stops; then the services the run started."""

    def __init__(self, services: Services, started: dict[str, str]):
        self.services = services
        self.ours = [name for name, what in started.items() if what == "started"]
        self.children: dict[str, subprocess.Popen] = {}
        self.stopping = False
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)

    def _on_signal(self, signum, frame):
        self.stopping = True

    def start(self, name: str, cmd: list[str], env: dict[str, str] | None = None) -> None:
        self.children[name] = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)

    def healthy(self, url: str) -> bool:
        return wait_healthy(url, self.children)

    def watch(self) -> int:
        """Until Ctrl-C (0) or until a process stops by itself (1)."""
        while not self.stopping:
            dead = [n for n, c in self.children.items() if c.poll() is not None]
            if dead:
                say(f"{', '.join(dead)} stopped unexpectedly; stopping the rest")
                return 1
            time.sleep(0.5)
        return 0

    def end(self) -> None:
        say("stopping")
        stop(self.children)
        if self.ours:
            self.services.down(only=self.ours)
            say(f"stopped {', '.join(self.ours)}")


def failed(exc: subprocess.CalledProcessError) -> int:
    say(f"`{' '.join(map(str, exc.cmd[1:]))}` failed (exit {exc.returncode})")
    return 1


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    host = os.environ.get("HOST", "127.0.0.1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    if not port_is_free(port):
        say(f"port {port} is in use (another `make run`?). Try: PORT={port + 1} make run")
        return 1
    url = f"{site_url(host, port)}/"
    # The web server and the worker write e-mails; their links must open this run's pages.
    os.environ.setdefault("SITE_URL", url.rstrip("/"))
    services = Services()
    try:
        started = services.up()
    except ServiceError as exc:
        say(str(exc))
        return 1
    say(", ".join(f"{name} {what}" for name, what in started.items()))
    run = Supervisor(services, started)
    try:
        manage("migrate", "--noinput", "-v", "0")
        manage("collectstatic", "--noinput", "-v", "0")
        logins = manage("load_demo", quiet=True)
        for name, cmd in processes(port, host).items():
            run.start(name, cmd)
        healthy = run.healthy(url + "healthz")
        print(logins, end="", flush=True)
        if healthy:
            say(f"Plaza is running at {url}  (Ctrl-C stops it)")
            # The demo's two municipalities: the default one at /, Cambridge by its prefix.
            say(f"  Barcelona: {url}   Cambridge: {url}cambridge/")
            if os.environ["SITE_URL"].rstrip("/") != url.rstrip("/"):
                say(f"e-mails link to {os.environ['SITE_URL']} (SITE_URL)")
        elif not run.stopping:
            say(f"{url}healthz did not turn healthy within {HEALTH_TIMEOUT}s; see the logs above")
        return run.watch()
    except subprocess.CalledProcessError as exc:
        return failed(exc)
    finally:
        run.end()

if __name__ == "__main__":
    sys.exit(main())
