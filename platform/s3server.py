"""An S3-compatible object store for one checkout: moto's server, started on request.

``python platform/services.py up --s3`` starts it beside the private PostgreSQL and
Redis, so that Plaza runs its files through S3 as it does past one machine
(docs/operations.md, "Uploaded files"): ``moto_server`` (from the ``moto[s3]``
requirement) on a free port of 127.0.0.1, its pid file and log under ``var/s3/``, one
private bucket, and ``S3_ENDPOINT_URL``, ``S3_BUCKET``, ``S3_ACCESS_KEY_ID`` and
``S3_SECRET_ACCESS_KEY`` written to ``var/services.env`` while it runs.

moto keeps every object in memory: a stopped server has lost every file. It is a
simulation of S3 for tests and for trying a multi-host set-up on one machine, never a
place for a city's files (use S3 itself, or an S3-compatible store such as Ceph's
RADOS Gateway or Garage).

Standard library only, like services.py, whose ``down`` and ``status`` run under the
system's Python.
"""

from __future__ import annotations

import os
import runpy
import secrets
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

# Shared with the other launcher scripts (platform/ports.py), read by its path.
_PORTS = runpy.run_path(str(Path(__file__).with_name("ports.py")))
free_port, port_is_free, pid_alive = (_PORTS[name] for name in (
    "free_port", "port_is_free", "pid_alive"))


ROOT = Path(__file__).resolve().parent.parent
BUCKET = "plaza"
READY_TIMEOUT = 30.0


class S3ServerError(RuntimeError):
    """The server could not be started; the message says what to do about it."""








def moto_server() -> Path | None:
    """The virtualenv's moto_server: services.py may run under the system's Python."""
    candidate = ROOT / ".venv" / "bin" / "moto_server"
    if candidate.exists():
        return candidate
    found = shutil.which("moto_server")
    return Path(found) if found else None


@dataclass
class S3Server:
    var: Path
    state: dict

    @property
    def dir(self) -> Path:
        return self.var / "s3"

    @property
    def pidfile(self) -> Path:
        return self.dir / "moto.pid"

    @property
    def log(self) -> Path:
        return self.dir / "moto.log"

    def pid(self) -> int | None:
        try:
            return int(self.pidfile.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.state['port']}"

    def environment(self) -> dict[str, str]:
        """What services.env says about it, for the settings (config/settings/base.py)."""
        return {"S3_ENDPOINT_URL": self.endpoint(), "S3_BUCKET": self.state["bucket"],
                "S3_ACCESS_KEY_ID": self.state["access_key"],
                "S3_SECRET_ACCESS_KEY": self.state["secret_key"]}

    def _request(self, method: str, path: str = "/", timeout: float = 2.0) -> int:
        request = urllib.request.Request(self.endpoint() + path, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - our own loopback server
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return 0

    def running(self) -> bool:
        return bool(self.state.get("port")) and pid_alive(self.pid()) and \
            self._request("GET") == 200

    def up(self) -> str:
        if self.running():
            self._bucket()
            return "reused"
        binary = moto_server()
        if binary is None:
            raise S3ServerError(
                "moto_server is not installed. It comes with the requirements "
                "(`.venv/bin/pip install -r requirements.txt`, moto[s3] and flask).")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.state.setdefault("bucket", BUCKET)
        # moto accepts any keys; random ones keep the settings' shape of a real store.
        self.state.setdefault("access_key", "plaza-" + secrets.token_hex(8))
        self.state.setdefault("secret_key", secrets.token_hex(20))
        if not self.state.get("port") or not port_is_free(self.state["port"]):
            self.state["port"] = free_port()
        with open(self.log, "ab") as log:
            process = subprocess.Popen(
                [str(binary), "-H", "127.0.0.1", "-p", str(self.state["port"])],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=self.dir, start_new_session=True)  # outlives services.py
        self.pidfile.write_text(f"{process.pid}\n")
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            if self._request("GET") == 200:
                self._bucket()
                return "started"
            time.sleep(0.1)
        self.down()
        raise S3ServerError(
            f"moto_server on 127.0.0.1:{self.state['port']} did not answer within "
            f"{READY_TIMEOUT:.0f}s. Its log ({self.log}) ends with:\n{self._tail()}")

    def _bucket(self) -> None:
        # moto checks no signature: a plain PUT creates the bucket, again a no-op.
        status = self._request("PUT", f"/{self.state['bucket']}", timeout=10)
        if status not in (200, 409):
            raise S3ServerError(f"moto_server refused to create the bucket (HTTP {status}).")

    def down(self) -> bool:
        pid = self.pid()
        if not pid_alive(pid):
            self.pidfile.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
        self.pidfile.unlink(missing_ok=True)
        return True

    def _tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log written)"
