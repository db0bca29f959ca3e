#!/usr/bin/env python3
"""`make test`: start (or reuse) the services, then ruff, the import layers
(lint-imports, the contracts in pyproject.toml), the migration check, the deployment
checks (platform/checks.py) and pytest.

Arguments after `make test` go to pytest through PYTEST_ARGS, e.g.
`make test PYTEST_ARGS="-k healthz -x"`. Services this run started are stopped at
the end; services that were already running are left running.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

from services import ROOT, ServiceError, Services

BIN = ROOT / ".venv" / "bin"


def step(title: str, cmd: list[str]) -> int:
    print(f"\033[1mplaza:\033[0m {title}", flush=True)
    return subprocess.run(cmd, cwd=ROOT).returncode


def main() -> int:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    services = Services()
    try:
        started = services.up()
    except ServiceError as exc:
        print(f"plaza: {exc}", file=sys.stderr)
        return 1
    ours = [name for name, what in started.items() if what == "started"]
    try:
        if step("ruff", [str(BIN / "ruff"), "check", "."]):
            return 1
        # An import that runs back up a floor, into config or round a circle fails here.
        if step("import layers: lint-imports", [str(BIN / "lint-imports")]):
            return 1
        if step("migrations match the models", [str(BIN / "python"), "manage.py",
                "makemigrations", "--check", "--dry-run"]):
            return 1
        if step("deployment checks: bandit, pip-audit", [str(BIN / "python"),
                str(ROOT / "platform" / "checks.py")]):
            return 1
        args = shlex.split(os.environ.get("PYTEST_ARGS", ""))
        return step("pytest", [str(BIN / "pytest"), *args])
    finally:
        if ours:
            services.down(only=ours)


if __name__ == "__main__":
    sys.exit(main())
