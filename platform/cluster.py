#!/usr/bin/env python3
"""`make cluster`: Plaza as a deployment on several hosts runs it, on one machine, until Ctrl-C.

What three machines of a city would run, each process started as if on its own host:

- the shared services: the private PostgreSQL (the primary) with a streaming replica,
  Redis, and an S3-compatible server (moto's, in memory: a simulation, never a store
  for real files), from `platform/services.py up --replica --s3`;
- host `web-a`, gunicorn on PORT, and host `web-b`, gunicorn on PORT+1;
- host `worker-1`, a Celery worker and beat (one beat per deployment), and host
  `worker-2`, a Celery worker.

Each host has a folder of its own under `var/cluster/<host>/`: its scratch space (TMPDIR
and the import scratch), its static files (collected for each web host), and media and
private folders that nothing should ever write to, since every file goes to the S3
bucket: a file found there is a bug anyone can see. The hosts share only what machines
share: the database (`plaza_cluster`, made afresh at each start, with the demo city,
because the S3 server forgets every file when it stops), Redis and the bucket, all given
in the environment. Both URLs and the demo logins are printed once both web hosts say
they are healthy; Ctrl-C stops every process and the services this run started.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from run import HEALTH_TIMEOUT, VENV_BIN, Supervisor, failed, say, site_url
from services import ROOT, ServiceError, Services, port_is_free

DATABASE = "plaza_cluster"
WEBS = ("web-a", "web-b")
WORKERS = ("worker-1", "worker-2")


def with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


def fresh_database(url: str) -> None:
    """Drop and create the cluster's database (as the private cluster's superuser)."""
    import psycopg
    from psycopg import sql

    admin = url.replace("postgis://", "postgresql://", 1).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(DATABASE)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))


def read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key: value for key, value in pairs}


def host_env(name: str, shared: dict[str, str]) -> dict[str, str]:
    """What a host's processes get: the shared services, and folders of its own."""
    home = ROOT / "var" / "cluster" / name
    for folder in ("tmp", "scratch", "static", "media", "private"):
        (home / folder).mkdir(parents=True, exist_ok=True)
    return {**os.environ, **shared, "TMPDIR": str(home / "tmp"),
            "GISDATA_SCRATCH_ROOT": str(home / "scratch"),
            "STATIC_ROOT": str(home / "static"), "MEDIA_ROOT": str(home / "media"),
            "PRIVATE_MEDIA_ROOT": str(home / "private")}


def manage(env: dict[str, str], *args: str, quiet: bool = False) -> str:
    return subprocess.run([str(VENV_BIN / "python"), "manage.py", *args], cwd=ROOT,
                          env=env, check=True, text=True,
                          stdout=subprocess.PIPE if quiet else None).stdout or ""


def commands(port: int, host: str) -> dict[str, tuple[str, list[str]]]:
    """Each process: (the host it runs on, its command)."""
    gunicorn = [str(VENV_BIN / "gunicorn"), "config.wsgi", "--config",
                str(ROOT / "platform" / "deploy" / "gunicorn.conf.py")]
    worker = [str(VENV_BIN / "celery"), "-A", "config", "worker", "-l", "INFO",
              "--concurrency", "1"]
    beat_schedule = ROOT / "var" / "cluster" / "worker-1" / "celerybeat-schedule"
    return {
        "web-a": ("web-a", [*gunicorn, "--bind", f"{host}:{port}"]),
        "web-b": ("web-b", [*gunicorn, "--bind", f"{host}:{port + 1}"]),
        "worker-1": ("worker-1", [*worker, "-n", "worker-1@%h"]),
        "worker-2": ("worker-2", [*worker, "-n", "worker-2@%h"]),
        "beat": ("worker-1", [str(VENV_BIN / "celery"), "-A", "config", "beat", "-l",
                              "INFO", "--schedule", str(beat_schedule)]),
    }


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    host = os.environ.get("HOST", "127.0.0.1")
    if not (port_is_free(port) and port_is_free(port + 1)):
        say(f"port {port} or {port + 1} is in use. Try: PORT={port + 10} make cluster")
        return 1
    services = Services()
    try:
        started = services.up(replica=True, s3=True)
    except ServiceError as exc:
        say(str(exc))
        return 1
    say(", ".join(f"{name} {what}" for name, what in started.items()))
    urls = [f"{site_url(host, port + i)}/" for i in range(len(WEBS))]
    known = read_env(services.env_file)
    shared = {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": with_database(known["DATABASE_URL"], DATABASE),
        "DATABASE_REPLICA_URL": with_database(known["DATABASE_REPLICA_URL"], DATABASE),
        "REDIS_URL": known["REDIS_URL"],
        **{key: value for key, value in known.items() if key.startswith("S3_")},
        # One key for every host, as a deployment configures it: a session or a
        # signed link made on one host holds on the others.
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "SITE_URL": os.environ.get("SITE_URL", urls[0].rstrip("/")),
        "ALLOWED_HOSTS": "localhost,127.0.0.1,[::1]",
    }
    run = Supervisor(services, started)
    try:
        fresh_database(known["DATABASE_URL"])
        first = host_env(WEBS[0], shared)
        manage(first, "migrate", "--noinput", "-v", "0")
        for name in WEBS:  # each web host serves the static files it collected
            manage(host_env(name, shared), "collectstatic", "--noinput", "-v", "0")
        logins = manage(first, "load_demo", quiet=True)
        for name, (on, cmd) in commands(port, host).items():
            run.start(name, cmd, env=host_env(on, shared))
        healthy = all(run.healthy(url + "healthz") for url in urls)
        print(logins, end="", flush=True)
        if healthy:
            say(f"Plaza runs as web-a at {urls[0]} and web-b at {urls[1]}, with "
                f"worker-1 (and beat) and worker-2; hosts' folders in var/cluster/ "
                "(Ctrl-C stops it)")
        elif not run.stopping:
            say(f"the web hosts did not turn healthy within {HEALTH_TIMEOUT}s; see the logs "
                "above")
        return run.watch()
    except subprocess.CalledProcessError as exc:
        return failed(exc)
    finally:
        run.end()


if __name__ == "__main__":
    sys.exit(main())
