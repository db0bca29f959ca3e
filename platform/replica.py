"""A streaming replica of a PostgreSQL server, for open-data reads.

`python platform/services.py up --replica` starts one of the private cluster under
``var/``; the test suite starts one of its own database server (tests/replica/).
Either way the steps are those of docs/operations.md, "Scaling past one machine":

1. On the primary, once and idempotently: a login role with REPLICATION (its password
   derived from the primary's superuser password, so every run sets the same one), a
   ``pg_hba.conf`` line that lets it connect for replication from 127.0.0.1, and a
   check that ``wal_level`` and ``max_wal_senders`` allow one more standby.
2. ``pg_basebackup -R`` copies the primary's data directory and writes
   ``standby.signal`` and ``primary_conninfo``; the copy is started on a free loopback
   port of its own, read-only (``hot_standby``), and follows the primary's WAL.

No replication slot: a replica that is gone for good must not make the primary keep
its WAL until the disk is full. A replica that falls further behind than the WAL the
primary still has is made again (``down``, remove its folder, ``up``).

This file is a script's module, not a package's: ``platform/`` holds no
``__init__.py`` (services.py says why). It imports nothing from services.py, which
loads it by its path.
"""

from __future__ import annotations

import hashlib
import os
import runpy
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

# Shared with the other launcher scripts (platform/ports.py), read by its path.
_PORTS = runpy.run_path(str(Path(__file__).with_name("ports.py")))
free_port, port_is_free, pid_alive = (_PORTS[name] for name in (
    "free_port", "port_is_free", "pid_alive"))


REPLICATION_ROLE = "plaza_replication"
READY_TIMEOUT = 60.0


class ReplicaError(RuntimeError):
    """The replica could not be set up or started; the message says why."""






def as_owner() -> list[str]:
    """PostgreSQL refuses to run as root: as root, the replica runs as `postgres`."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def replication_password(superuser_password: str) -> str:
    """The replication role's password: the same for every run against one primary,
    so that setting it again never breaks a replica already streaming."""
    return hashlib.sha256(f"plaza-replication:{superuser_password}".encode()).hexdigest()[:32]


@dataclass
class Primary:
    """How to reach the primary as its superuser (the private cluster's `plaza`)."""

    host: str
    port: int
    user: str
    password: str
    dbname: str = "postgres"

    def conninfo(self, **extra) -> str:
        """Without the password, which goes by PGPASSWORD (not on a command line)."""
        parts = {"host": self.host, "port": self.port, "user": self.user,
                 "dbname": self.dbname, **extra}
        return " ".join(f"{k}='{v}'" for k, v in parts.items())


def _psql(bindir: Path, primary: Primary, sql: str) -> str:
    proc = subprocess.run(
        [str(bindir / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
         "-d", primary.conninfo(connect_timeout=5), "-c", sql],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "PGPASSWORD": primary.password},
    )
    if proc.returncode != 0:
        raise ReplicaError(f"on the primary, `{sql.strip()[:60]}…` failed:\n{proc.stderr}")
    return proc.stdout.strip()


def prepare_primary(bindir: Path, primary: Primary) -> str:
    """Make the primary ready to feed a standby; idempotent. Returns the role's password.

    PostgreSQL 15's defaults already stream (`wal_level = replica`, 10 WAL senders, and
    initdb's pg_hba.conf admits replication from 127.0.0.1): each is checked, and only
    what is missing is added, so a second run changes nothing."""
    password = replication_password(primary.password)
    level = _psql(bindir, primary, "SHOW wal_level")
    if level not in {"replica", "logical"}:
        raise ReplicaError(f"the primary has wal_level = {level}: set it to `replica` "
                           "(the default) and restart it.")
    senders, used = _psql(bindir, primary, "SELECT current_setting('max_wal_senders'), "
                          "(SELECT count(*) FROM pg_stat_replication)").split("|")
    if int(senders) - int(used) < 2:  # one for pg_basebackup's WAL stream, one to stream
        raise ReplicaError(f"the primary has max_wal_senders = {senders} with {used} in "
                           "use: raise it (postgresql.conf) and restart it.")
    # A DO block: CREATE ROLE has no IF NOT EXISTS. The password is hex (no quoting).
    _psql(bindir, primary, f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{REPLICATION_ROLE}') THEN
            CREATE ROLE {REPLICATION_ROLE} WITH LOGIN REPLICATION PASSWORD '{password}';
          ELSE
            ALTER ROLE {REPLICATION_ROLE} WITH LOGIN REPLICATION PASSWORD '{password}';
          END IF;
        END $$""")
    _allow_replication_in_hba(bindir, primary)
    return password


def _allow_replication_in_hba(bindir: Path, primary: Primary) -> None:
    """A `host replication` line for the role from 127.0.0.1, unless one already admits it."""
    admitted = _psql(bindir, primary, f"""
        SELECT count(*) FROM pg_hba_file_rules
        WHERE type = 'host' AND 'replication' = ANY(database) AND error IS NULL
          AND ('all' = ANY(user_name) OR '{REPLICATION_ROLE}' = ANY(user_name))
          AND address = '127.0.0.1' AND auth_method IN ('scram-sha-256', 'md5')""")  # noqa: S608 - a constant
    if int(admitted):
        return
    hba = Path(_psql(bindir, primary, "SHOW hba_file"))
    with hba.open("a") as conf:  # ours: the launcher runs as its owner or as root
        conf.write(f"host    replication     {REPLICATION_ROLE}   127.0.0.1/32   "
                   "scram-sha-256\n")
    _psql(bindir, primary, "SELECT pg_reload_conf()")


@dataclass
class Replica:
    """A hot standby in `home` (its data in home/data), described by `state` (its port)."""

    home: Path
    state: dict
    bindir: Path

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def log(self) -> Path:
        return self.home / "replica.log"

    def _run(self, *args: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
        proc = subprocess.run([*as_owner(), *args], capture_output=True, text=True, **kw)
        if check and proc.returncode != 0:
            raise ReplicaError(f"`{' '.join(args)}` failed:\n{proc.stdout}{proc.stderr}")
        return proc

    def _prepare_home(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.home, "postgres", "postgres")
        self.home.chmod(0o700)

    def running(self) -> bool:
        if not (self.data / "PG_VERSION").exists():
            return False
        status = self._run(str(self.bindir / "pg_ctl"), "status", "-D", str(self.data),
                           check=False)
        return status.returncode == 0

    def base_backup(self, primary: Primary) -> None:
        """Copy the primary with `pg_basebackup -R` (standby.signal, primary_conninfo)."""
        password = prepare_primary(self.bindir, primary)
        self._prepare_home()
        env = {**os.environ, "PGPASSWORD": password}
        self._run(str(self.bindir / "pg_basebackup"), "-h", primary.host,
                  "-p", str(primary.port), "-U", REPLICATION_ROLE, "-D", str(self.data),
                  "-R", "-X", "stream", "-c", "fast", "--no-password", env=env,
                  timeout=600)
        # pg_basebackup -R wrote primary_conninfo without the password (it came from
        # PGPASSWORD): the standby needs it to connect by itself, so add it, in the
        # data directory's own settings, readable by its owner only.
        conninfo = (f"user={REPLICATION_ROLE} password={password} host={primary.host} "
                    f"port={primary.port} application_name=plaza_replica")
        main_conf = self.data / "postgresql.conf"
        if not main_conf.exists():  # a primary whose settings live elsewhere (/etc)
            main_conf.touch()
            if os.geteuid() == 0:
                shutil.chown(main_conf, "postgres", "postgres")
        with open(self.data / "postgresql.auto.conf", "a") as conf:
            conf.write(
                f"primary_conninfo = '{conninfo}'\n"
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\n"
                # Readable while it replays; its queries hold back the primary's cleanup
                # of rows they still see, rather than being cancelled by it.
                "hot_standby = on\n"
                "hot_standby_feedback = on\n"
            )

    def up(self, primary: Primary, timeout: float = READY_TIMEOUT) -> str:
        """Start the replica from a fresh base backup, and wait until it accepts reads.

        A hot standby opens for reads once the primary has logged a snapshot of its
        running transactions that it can use: one with more than 64 subtransactions
        (savepoints) open keeps it waiting until that transaction ends."""
        if self.running() and self.state.get("port"):
            return "reused"
        # A stopped replica is made again from a fresh copy: it has no slot, so the
        # primary may have recycled the WAL it would need to catch up, and it would then
        # wait for ever, never streaming. Copying the private cluster takes seconds.
        shutil.rmtree(self.data, ignore_errors=True)
        self.base_backup(primary)
        if not self.state.get("port") or not port_is_free(self.state["port"]):
            self.state["port"] = free_port()
        started = self._run(
            str(self.bindir / "pg_ctl"), "start", "-w", "-t", str(int(timeout)),
            "-D", str(self.data), "-l", str(self.log), "-o", f"-p {self.state['port']}",
            check=False,
        )
        if started.returncode != 0:
            hint = ""
            if "consistent recovery state reached" in self._tail(50):
                hint = ("\nIt follows the primary but does not accept reads yet: a "
                        "transaction on the primary with more than 64 open savepoints "
                        "keeps it waiting until that transaction ends.")
            raise ReplicaError(f"the replica did not start. Its log ends with:\n"
                               f"{self._tail()}{hint}")
        return "started"

    def wait_streaming(self, primary: Primary, timeout: float = READY_TIMEOUT) -> None:
        """Until the replica's WAL receiver streams from the primary. The replica is a
        copy of the primary, so the primary's superuser logs in to it too."""
        me = Primary("127.0.0.1", self.state["port"], primary.user, primary.password)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                status = _psql(self.bindir, me, "SELECT status FROM pg_stat_wal_receiver")
            except ReplicaError:
                status = ""
            if status == "streaming":
                return
            time.sleep(0.2)
        raise ReplicaError(f"the replica is not streaming. Its log ends with:\n{self._tail()}")

    def down(self) -> bool:
        if not self.running():
            return False
        self._run(str(self.bindir / "pg_ctl"), "stop", "-D", str(self.data), "-m", "fast",
                  "-w")
        return True

    def remove(self) -> None:
        """Stop the replica and remove its folder."""
        self.down()
        shutil.rmtree(self.home, ignore_errors=True)

    def status(self) -> str:
        if not (self.data / "PG_VERSION").exists():
            return "not created"
        return f"running on 127.0.0.1:{self.state.get('port')}" if self.running() else "stopped"

    def _tail(self, lines: int = 15) -> str:
        try:
            text = self._run("cat", str(self.log), check=False).stdout
        except OSError:
            return "(no log written)"
        return "\n".join(text.splitlines()[-lines:]) or "(no log written)"
