"""PostgreSQL's client programs for tests that dump, restore or migrate a database of
their own, with the test database's server and credentials."""

import os
import shutil
from pathlib import Path

import pytest
from django.db import connection


def tool(name: str) -> str:
    found = shutil.which(name) or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None)
    if not found:
        pytest.fail(f"{name} is missing: make test installs PostgreSQL's client programs")
    return found


def pg_env() -> dict[str, str]:
    params = connection.settings_dict
    return {**os.environ, "PGHOST": params["HOST"] or "127.0.0.1",
            "PGPORT": str(params["PORT"] or 5432), "PGUSER": params["USER"],
            "PGPASSWORD": params["PASSWORD"]}
