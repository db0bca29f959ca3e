#!/usr/bin/env python3
"""Private PostgreSQL (with PostGIS) and Redis for one checkout of Plaza.

With no ``DATABASE_URL`` / ``REDIS_URL`` in the environment, ``up`` starts a
PostgreSQL cluster and a Redis server that belong to this checkout alone: their
data lives under ``var/``, they listen on 127.0.0.1 on ports picked free the
first time (and kept while they stay free), and each has a random password, so
they never collide with a server already on the machine.  With those variables
set, the named services are used as they are and nothing is started.

The URLs of the private services are written to ``var/services.env``, which
the local and test settings read (a variable set in the real environment still
wins).  Running ``up`` again reuses servers that are already running.

With ``--s3``, ``up`` also starts an S3-compatible server for the files (moto's, a
simulation that keeps them in memory: platform/s3server.py). With ``--replica``, a
streaming replica of the private cluster starts too, and ``DATABASE_REPLICA_URL``
names it (platform/replica.py); ``down`` stops them.

Usage:  python platform/services.py up [--s3] [--replica]|down|status [--json]

This file is a script, not a module of a package: ``platform/`` must never hold
an ``__init__.py``, because a package named ``platform`` would shadow the
standard library module that Django, pytest and Celery import.
"""

from __future__ import annotations

import importlib.util
import json
import os
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path

# Shared with the other launcher scripts (platform/ports.py), read by its path.
_PORTS = runpy.run_path(str(Path(__file__).with_name("ports.py")))
free_port, port_is_free, pid_alive = (_PORTS[name] for name in (
    "free_port", "port_is_free", "pid_alive"))


ROOT = Path(__file__).resolve().parent.parent
PG_SUPERUSER = "plaza"
PG_DATABASE = "plaza"
READY_TIMEOUT = 30.0


class ServiceError(RuntimeError):
    """A service could not be started; the message says what to do about it."""


def _sibling(name: str):
    """A module beside this script, loaded once by its path: platform/ is not a package."""
    key = f"plaza_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, Path(__file__).with_name(f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


s3server = _sibling("s3server")


# ---------------------------------------------------------------- helpers








def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log written)"


# ---------------------------------------------------------------- Redis


def redis_ping(port: int, password: str, timeout: float = 1.0) -> bool:
    """Speak just enough RESP to authenticate and PING, without redis-py."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(f"AUTH {password}\r\nPING\r\n".encode())
            reply = b""
            while b"PONG" not in reply and b"-" not in reply and len(reply) < 512:
                chunk = sock.recv(256)
                if not chunk:
                    break
                reply += chunk
            return b"+PONG" in reply
    except OSError:
        return False


@dataclass
class Redis:
    var: Path
    state: dict

    @property
    def dir(self) -> Path:
        return self.var / "redis"

    @property
    def pidfile(self) -> Path:
        return self.dir / "redis.pid"

    @property
    def log(self) -> Path:
        return self.dir / "redis.log"

    def pid(self) -> int | None:
        try:
            return int(self.pidfile.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def url(self) -> str:
        return f"redis://:{self.state['password']}@127.0.0.1:{self.state['port']}/0"

    def running(self) -> bool:
        return bool(self.state) and pid_alive(self.pid()) and redis_ping(
            self.state["port"], self.state["password"]
        )

    def up(self) -> str:
        if self.running():
            return "reused"
        binary = shutil.which("redis-server")
        if not binary:
            raise ServiceError(
                "redis-server is not installed. Install it with "
                "`sudo apt-get install redis-server` (make run and make test do this), "
                "or set REDIS_URL to a Redis you already run."
            )
        self.dir.mkdir(parents=True, exist_ok=True)
        self.state.setdefault("password", secrets.token_hex(16))
        if not self.state.get("port") or not port_is_free(self.state["port"]):
            self.state["port"] = free_port()
        conf = self.dir / "redis.conf"
        conf.write_text(
            "\n".join(
                [
                    f"port {self.state['port']}",
                    "bind 127.0.0.1",
                    "protected-mode yes",
                    f"requirepass {self.state['password']}",
                    f"dir {self.dir}",
                    f"pidfile {self.pidfile}",
                    f"logfile {self.log}",
                    "daemonize yes",
                    "save 300 1",
                    "appendonly no",
                ]
            )
            + "\n"
        )
        conf.chmod(0o600)
        self.pidfile.unlink(missing_ok=True)
        proc = subprocess.run([binary, str(conf)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise ServiceError(f"redis-server did not start:\n{proc.stderr or tail(self.log)}")
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if redis_ping(self.state["port"], self.state["password"]):
                return "started"
            if self.pidfile.exists() and not pid_alive(self.pid()):
                break
            time.sleep(0.1)
        raise ServiceError(
            f"Redis on 127.0.0.1:{self.state['port']} did not answer within "
            f"{READY_TIMEOUT:.0f}s. Its log ({self.log}) ends with:\n{tail(self.log)}"
        )

    def down(self) -> bool:
        pid = self.pid()
        if not pid_alive(pid):
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        return True


# ---------------------------------------------------------------- PostgreSQL


def pg_bindir() -> Path:
    """The newest installed PostgreSQL server whose PostGIS is installed too."""
    override = os.environ.get("PG_BINDIR")
    candidates = [Path(override)] if override else sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    servers = [p for p in candidates if (p / "initdb").exists()]
    if not servers:
        raise ServiceError(
            "No PostgreSQL server is installed (looked for /usr/lib/postgresql/*/bin/initdb). "
            "Install it with `sudo apt-get install postgresql postgresql-15-postgis-3` "
            "(make run and make test do this), or set DATABASE_URL to a PostGIS database."
        )
    for bindir in servers:
        version = bindir.parent.name
        if Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists():
            return bindir
    version = servers[0].parent.name
    raise ServiceError(
        f"PostGIS is not installed for PostgreSQL {version}. Install it with "
        f"`sudo apt-get install postgresql-{version}-postgis-3`."
    )


@dataclass
class Postgres:
    var: Path
    state: dict
    bindir: Path = field(default_factory=pg_bindir)

    # PostgreSQL refuses to run as root: as root we run it as the `postgres` user.
    def as_owner(self) -> list[str]:
        if os.geteuid() != 0:
            return []
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError as exc:
            raise ServiceError(
                "Running as root, but there is no `postgres` user to run PostgreSQL as. "
                "Install the `postgresql` package, or run as an ordinary user."
            ) from exc
        return ["runuser", "-u", "postgres", "--"]

    def home(self) -> Path:
        """Where the cluster lives: var/pg when its owner can reach it.

        As root, the cluster belongs to `postgres`, which must be able to
        traverse every parent directory; a checkout under /root is not
        reachable, so the cluster then lives in /var/tmp under a name derived
        from this checkout's path.
        """
        if self.state.get("home"):
            return Path(self.state["home"])
        home = self.var / "pg"
        if os.geteuid() == 0:
            home.mkdir(parents=True, exist_ok=True)
            shutil.chown(home, "postgres", "postgres")
            reachable = subprocess.run([*self.as_owner(), "test", "-w", str(home)]).returncode == 0
            if not reachable:
                digest = sha256(str(self.var).encode()).hexdigest()[:12]
                home = Path("/var/tmp") / f"plaza-{digest}" / "pg"
                home.mkdir(parents=True, exist_ok=True)
                home.parent.chmod(0o755)
                shutil.chown(home, "postgres", "postgres")
        home.mkdir(parents=True, exist_ok=True)
        home.chmod(0o700)
        self.state["home"] = str(home)
        return home

    @property
    def data(self) -> Path:
        return self.home() / "data"

    @property
    def log(self) -> Path:
        return self.home() / "postgres.log"

    def url(self) -> str:
        return (
            f"postgis://{PG_SUPERUSER}:{self.state['password']}"
            f"@127.0.0.1:{self.state['port']}/{PG_DATABASE}"
        )

    def run(self, *args: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
        cmd = [*self.as_owner(), *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
        if check and proc.returncode != 0:
            raise ServiceError(f"`{' '.join(args)}` failed:\n{proc.stdout}{proc.stderr}")
        return proc

    def pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (FileNotFoundError, PermissionError, ValueError, IndexError):
            return None

    def running(self) -> bool:
        if not (self.data / "PG_VERSION").exists():
            return False
        status = self.run(str(self.bindir / "pg_ctl"), "status", "-D", str(self.data), check=False)
        return status.returncode == 0

    def psql(self, sql: str, database: str = "postgres") -> None:
        env = {**os.environ, "PGPASSWORD": self.state["password"]}
        self.run(
            str(self.bindir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
            "-h", "127.0.0.1", "-p", str(self.state["port"]), "-U", PG_SUPERUSER,
            "-d", database, "-c", sql, env=env,
        )

    def init(self) -> None:
        self.state["password"] = secrets.token_hex(16)
        pwfile = self.home() / "initdb.pw"
        pwfile.write_text(self.state["password"] + "\n")
        if os.geteuid() == 0:
            shutil.chown(pwfile, "postgres", "postgres")
        try:
            self.run(
                str(self.bindir / "initdb"), "-D", str(self.data), "-U", PG_SUPERUSER,
                f"--pwfile={pwfile}", "--auth=scram-sha-256", "--encoding=UTF8",
                "--locale=C.UTF-8",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        # Settings for a small private server; parallel query costs more than it
        # gains on two cores (see docs/architecture.md).
        with open(self.data / "postgresql.auto.conf", "a") as conf:
            conf.write(
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\n"
                "synchronous_commit = off\n"
                "max_parallel_workers_per_gather = 0\n"
                "max_connections = 200\n"
            )

    def up(self) -> str:
        if self.running() and "password" in self.state:
            return "reused"
        fresh = not (self.data / "PG_VERSION").exists()
        if not fresh and "password" not in self.state:
            self.discard_orphan()
            fresh = True
        if fresh:
            self.init()
        if not self.state.get("port") or not port_is_free(self.state["port"]):
            self.state["port"] = free_port()
        started = self.run(
            str(self.bindir / "pg_ctl"), "start", "-w", "-t", str(int(READY_TIMEOUT)),
            "-D", str(self.data), "-l", str(self.log), "-o", f"-p {self.state['port']}",
            check=False,
        )
        if started.returncode != 0:
            log = tail(self.log)
            hint = ""
            if "Address already in use" in log:
                hint = f"\nPort {self.state['port']} is taken; run again to pick another."
            elif "lock file" in log:
                hint = f"\nA stale lock file is in {self.data}; is another Plaza using it?"
            raise ServiceError(f"PostgreSQL did not start. Its log ends with:\n{log}{hint}")
        if fresh:
            self.psql(f"CREATE DATABASE {PG_DATABASE}")
        # Idempotent: cheap when the extension is there, repairs a half-made cluster.
        self.psql("CREATE EXTENSION IF NOT EXISTS postgis", database=PG_DATABASE)
        return "started"

    def down(self) -> bool:
        if not self.running():
            return False
        self.run(str(self.bindir / "pg_ctl"), "stop", "-D", str(self.data), "-m", "fast", "-w")
        return True

    def discard_orphan(self) -> None:
        """Remove a cluster that an earlier checkout at this same path left behind.

        Its `var/services.json`, and with it the password, went with that checkout (a
        fresh clone, `rm -rf var`), but a cluster kept outside `var/` (the root case)
        stayed. Nobody can log in to it and nothing else uses it: start again.
        """
        self.down()
        shutil.rmtree(self.data)


# ---------------------------------------------------------------- the replica


def replica_module():
    """platform/replica.py (loaded when first asked for: most runs start no replica)."""
    return _sibling("replica")


# ---------------------------------------------------------------- the pair


class Services:
    """The private services of one checkout, described by ``var/services.json``."""

    def __init__(self, var: Path | None = None, environ: dict | None = None):
        self.var = (var or ROOT / "var").resolve()
        self.environ = os.environ if environ is None else environ
        self.state_file = self.var / "services.json"
        self.env_file = self.var / "services.env"
        try:
            self.state = json.loads(self.state_file.read_text())
        except FileNotFoundError:
            self.state = {}

    def _save(self) -> None:
        self.var.mkdir(parents=True, exist_ok=True)
        self.state_file.write_text(json.dumps(self.state, indent=2))
        self.state_file.chmod(0o600)
        lines = []
        for name, variable, make in (("postgres", "DATABASE_URL", self.postgres),
                                     ("redis", "REDIS_URL", self.redis)):
            # Only a service that got as far as a port and a password has a URL. The
            # file describes this checkout's own services whatever the environment
            # says: a variable set in the environment wins over it anyway, and a run
            # with DATABASE_URL set must not make the private cluster unreachable for
            # the next run without it.
            if {"port", "password"} <= self.state.get(name, {}).keys():
                lines.append(f"{variable}={make().url()}")
        # The S3 server only while it runs: moto loses every file when it stops, and the
        # settings must not send files to a store that is gone.
        if "s3" in self.state and self.s3().running():
            lines += [f"{k}={v}" for k, v in self.s3().environment().items()]
        if "replica" in self.state and self.replica().running():
            # The primary's user and password: the replica is its copy.
            pg = self.postgres()
            url = pg.url().replace(f":{pg.state['port']}/", f":{self.state['replica']['port']}/")
            lines.append(f"DATABASE_REPLICA_URL={url}")
        self.env_file.write_text("".join(f"{line}\n" for line in lines))
        self.env_file.chmod(0o600)

    def postgres(self) -> Postgres:
        return Postgres(self.var, self.state.setdefault("postgres", {}))

    def redis(self) -> Redis:
        return Redis(self.var, self.state.setdefault("redis", {}))

    def s3(self):
        return s3server.S3Server(self.var, self.state.setdefault("s3", {}))

    def replica(self):
        """The streaming replica of the private cluster, beside it (platform/replica.py)."""
        pg = self.postgres()
        home = pg.home().parent / "pg-replica"
        return replica_module().Replica(home, self.state.setdefault("replica", {}), pg.bindir)

    def up(self, s3: bool = False, replica: bool = False) -> dict[str, str]:
        """Start what is missing; say for each service: started, reused or external."""
        self.var.mkdir(parents=True, exist_ok=True)
        self.var.chmod(0o755)  # the postgres user must traverse it when we are root
        result = {}
        try:
            for name, make, variable in (
                ("postgres", self.postgres, "DATABASE_URL"),
                ("redis", self.redis, "REDIS_URL"),
            ):
                if variable in self.environ:
                    result[name] = "external"
                else:
                    result[name] = make().up()
            if s3:
                result["s3"] = "external" if self.environ.get("S3_BUCKET") else self.s3().up()
            if replica:
                result["replica"] = self._replica_up()
        finally:
            self._save()
        return result

    def _replica_up(self) -> str:
        if "DATABASE_URL" in self.environ:
            raise ServiceError("--replica copies the private cluster; with DATABASE_URL set, "
                               "set up a replica of that server (docs/operations.md).")
        pg = self.postgres().state
        primary = replica_module().Primary("127.0.0.1", pg["port"], PG_SUPERUSER,
                                           pg["password"])
        try:
            replica = self.replica()
            result = replica.up(primary)
            replica.wait_streaming(primary)  # started means following the primary
            return result
        except replica_module().ReplicaError as exc:
            raise ServiceError(f"the replica: {exc}") from exc

    def down(self, only: list[str] | None = None) -> dict[str, bool]:
        result = {}
        if (only is None or "replica" in only) and "replica" in self.state:
            result["replica"] = self.replica().down()
            self._save()  # no DATABASE_REPLICA_URL for a stopped replica
        for name, make in (("s3", self.s3), ("redis", self.redis), ("postgres", self.postgres)):
            if (only is None or name in only) and name in self.state:
                result[name] = make().down()
        if result.get("s3"):
            self._save()  # its variables leave services.env with it
        return result

    def status(self) -> dict[str, str]:
        result = {}
        for name, make, variable in (
            ("postgres", self.postgres, "DATABASE_URL"),
            ("redis", self.redis, "REDIS_URL"),
        ):
            if variable in self.environ:
                result[name] = "external"
            elif name not in self.state:
                result[name] = "not created"
            else:
                service = make()
                port = service.state.get("port")
                result[name] = f"running on 127.0.0.1:{port}" if service.running() else "stopped"
        if "s3" in self.state:
            running = self.s3().running()
            result["s3"] = f"running on {self.s3().endpoint()}" if running else "stopped"
        if "replica" in self.state:
            result["replica"] = self.replica().status()
        return result


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"up", "down", "status"}:
        print(__doc__.strip().split("\n\n")[-2], file=sys.stderr)
        return 2
    services = Services()
    try:
        if argv[0] == "up":
            result = services.up(s3="--s3" in argv, replica="--replica" in argv)
        else:
            result = getattr(services, argv[0])()
    except (ServiceError, s3server.S3ServerError) as exc:
        print(f"plaza: {exc}", file=sys.stderr)
        return 1
    if "--json" in argv:
        print(json.dumps(result))
    else:
        for name, what in result.items():
            print(f"{name}: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
