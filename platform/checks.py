#!/usr/bin/env python3
"""Deployment checks of `make test`: bandit on the code, pip-audit on requirements.txt.

Both run from a virtualenv of their own (var/checks-venv, from
platform/requirements-checks.txt), made on first use. pip-audit asks PyPI's
vulnerability service about every pinned package; when that service cannot be reached
(an offline machine) the audit is skipped with a message and passes: the checks then
say nothing about vulnerabilities. Set PLAZA_AUDIT_REQUIRED=1 (a CI runner, a release)
to make an audit that could not run fail instead. No offline vulnerability database is
kept current on PyPI (safety-db stopped in 2021), so none stands in for the service.
It fails when it finds a known vulnerability. The production settings' `check --deploy`
runs in the test suite (tests/test_settings.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import venv

from services import ROOT

VENV = ROOT / "var" / "checks-venv"
PINS = ROOT / "platform" / "requirements-checks.txt"
CODE = ["accounts", "audit", "config", "core", "dashboard", "demo", "gisdata", "opendata",
        "proposals", "reports", "voting"]


def tools() -> None:
    """Make or refresh the tools' virtualenv when the pins changed."""
    stamp = VENV / ".pins"
    digest = hashlib.sha256(PINS.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    venv.create(VENV, with_pip=True, clear=True)
    subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "-r", str(PINS)], check=True)
    stamp.write_text(digest)


def bandit() -> int:
    return subprocess.run([str(VENV / "bin" / "bandit"), "-q", "-c", "pyproject.toml",
                           "-r", *CODE, "-ll"], cwd=ROOT).returncode


def pip_audit() -> int:
    proc = subprocess.run(
        [str(VENV / "bin" / "pip-audit"), "-r", "requirements.txt", "--no-deps",
         "--disable-pip", "--progress-spinner", "off", "--format", "json", "--timeout", "20"],
        cwd=ROOT, capture_output=True, text=True)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        print(f"plaza: pip-audit skipped: it could not run ({proc.stderr.strip()[-300:]})")
        return unaudited()
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    for dep in vulnerable:
        ids = ", ".join(v["id"] for v in dep["vulns"])
        print(f"plaza: {dep['name']} {dep['version']} has known vulnerabilities: {ids}")
    audited = [d for d in deps if "skip_reason" not in d]
    if not audited:
        print("plaza: pip-audit skipped: PyPI's vulnerability service could not be reached "
              "from this machine, so no package was audited.")
        return 1 if vulnerable else unaudited()
    print(f"plaza: pip-audit: {len(audited)} packages audited, {len(vulnerable)} "
          "with known vulnerabilities.")
    return 1 if vulnerable else 0


def unaudited() -> int:
    """An audit that could not run passes, unless PLAZA_AUDIT_REQUIRED asks otherwise."""
    if os.environ.get("PLAZA_AUDIT_REQUIRED") == "1":
        print("plaza: PLAZA_AUDIT_REQUIRED=1: an audit that did not run is a failure.")
        return 1
    return 0


def main() -> int:
    tools()
    return bandit() or pip_audit()


if __name__ == "__main__":
    sys.exit(main())
