"""Today's data becomes the default municipality, with nothing lost: shown on a real
deployment from before municipalities.

tests/data/before_municipalities/ holds a dump of the demo database as the code before
municipalities made it (its README says how). It is restored into a new database, every
table's rows are counted, the current code's `manage.py migrate` runs on it in a
subprocess (as an operator runs it: the data migrations write through the connection
they are given), and then: no table lost or gained a row (the new tables and Django's
own bookkeeping aside), every project, dataset, layer, stakeholder role and audit entry
is the default municipality's, and every planner plans for it.
"""

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from accounts.groups import PLANNER_GROUP
from tests.postgres_tools import pg_env, tool

ROOT = Path(__file__).resolve().parents[2]
DUMP = ROOT / "tests/data/before_municipalities/demo_2f0ebe4.sql.gz"
RESTORED = "plaza_before_municipalities_check"
# Rows the migration adds on purpose: its own bookkeeping, the new models' content types
# and permissions (and the planners' group's share of them).
GROWING = {"django_migrations", "django_content_type", "auth_permission",
           "auth_group_permissions"}
# The rows that now belong to a municipality.
OWNED = ["proposals_project", "gisdata_dataset", "gisdata_layer",
         "accounts_stakeholderrole", "dashboard_auditentry"]

pytestmark = pytest.mark.django_db(transaction=True)




def connect() -> psycopg.Connection:
    params = connection.settings_dict
    return psycopg.connect(host=params["HOST"], port=params["PORT"], user=params["USER"],
                           password=params["PASSWORD"], dbname=RESTORED, autocommit=True)


def row_counts() -> dict[str, int]:
    """Every table's rows (a partition of gisdata_feature counted on its own too)."""
    with connect() as conn:
        tables = [name for (name,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # noqa: S608
                for t in tables}


@pytest.fixture
def restored():
    env = pg_env()
    subprocess.run([tool("dropdb"), "--if-exists", RESTORED], env=env, check=True)
    subprocess.run([tool("createdb"), RESTORED], env=env, check=True)
    try:
        subprocess.run([tool("psql"), "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1",
                        f"--dbname={RESTORED}"], input=gzip.decompress(DUMP.read_bytes()),
                       env=env, check=True, capture_output=True)
        yield env
    finally:
        subprocess.run([tool("dropdb"), "--if-exists", "--force", RESTORED], env=env,
                       check=False)


def database_url(env: dict[str, str]) -> str:
    return (f"postgis://{env['PGUSER']}:{env['PGPASSWORD']}@{env['PGHOST']}:"
            f"{env['PGPORT']}/{RESTORED}")


def migrate(env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT,
                          env={**os.environ, "DATABASE_URL": database_url(env)},
                          capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.quality("migration-keeps-rows")
def test_the_demo_from_before_municipalities_migrates_into_the_default_one(restored):
    before = row_counts()
    assert before["proposals_project"] == 3 and before["proposals_proposal"] == 53
    assert "municipalities_municipality" not in before

    migrate(restored)

    after = row_counts()
    assert set(before) <= set(after), set(before) - set(after)
    changed = {t: (before[t], after[t]) for t in before
               if t not in GROWING and before[t] != after[t]}
    assert changed == {}
    assert {t for t in GROWING if after[t] < before[t]} == set()
    assert after["municipalities_municipality"] == 1
    with connect() as conn:
        (default_id,) = conn.execute(
            "SELECT id FROM municipalities_municipality WHERE is_default").fetchone()
        for table in OWNED:
            owners = conn.execute(
                f"SELECT municipality_id, count(*) FROM {table} "  # noqa: S608
                "GROUP BY 1").fetchall()
            assert owners == [(default_id, before[table])], table
        planners = conn.execute(
            "SELECT u.username, u.planner_municipality_id FROM accounts_user u "
            "JOIN accounts_user_groups ug ON ug.user_id = u.id "
            "JOIN auth_group g ON g.id = ug.group_id "
            "WHERE g.name = %s AND NOT u.is_superuser", [PLANNER_GROUP]).fetchall()
        assert planners and all(m == default_id for _, m in planners), planners
        others = conn.execute(
            "SELECT count(*) FROM accounts_user WHERE planner_municipality_id IS NOT NULL "
            "AND id NOT IN (SELECT user_id FROM accounts_user_groups)").fetchone()[0]
        assert others == 0  # a citizen did not become a planner
    _the_site_reads_it(restored, before)


SERVED = """
import json
from core import tenancy
from gisdata.models import Dataset, Layer
from municipalities.selectors import municipality_default
from proposals.models import Project, Proposal
with tenancy.working_for(municipality_default()):
    print(json.dumps([Project.objects.count(), Proposal.objects.count(),
                      Dataset.objects.count(), Layer.objects.filter(is_published=True).count()]))
"""


def _the_site_reads_it(env: dict[str, str], before: dict[str, int]) -> None:
    """The default municipality, served, sees everything that was there: what the site's
    managers read in a request, through Django on the migrated database."""
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", SERVED], cwd=ROOT,
                          env={**os.environ, "DATABASE_URL": database_url(env)},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [
        before["proposals_project"], before["proposals_proposal"],
        before["gisdata_dataset"], 4]


@pytest.mark.quality("migration-keeps-rows")
def test_make_run_turns_a_demo_from_before_municipalities_into_the_demo_s_cities(restored):
    """`make run` migrates, then loads the demo over what is there: Cambridge's project
    and layers move to Cambridge rather than being made a second time."""
    migrate(restored)
    done = subprocess.run([sys.executable, "manage.py", "load_demo", "--allow-production"],
                          cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url(restored)},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    counts = row_counts()
    assert counts["municipalities_municipality"] == 3  # Barcelona, Cambridge, Prague
    assert counts["proposals_proposal"] == 56  # nothing proposed twice
    assert counts["municipalities_area"] == 83
    with connect() as conn:
        owner = ("SELECT {0}, m.slug FROM {1} x JOIN municipalities_municipality m "
                 "ON m.id = x.municipality_id WHERE {0} LIKE 'Cambridge%%' "
                 "OR {0} LIKE 'cambridge%%'")
        assert conn.execute(owner.format("x.slug", "proposals_project")).fetchall() == [
            ("cambridge-riverside-play", "cambridge")]
        assert sorted(conn.execute(owner.format("x.name", "gisdata_dataset")).fetchall()) == [
            ("Cambridge 100-year flood zones", "cambridge"),
            ("Cambridge neighbourhoods", "cambridge"), ("Cambridge streets", "cambridge")]
        layers = conn.execute(
            "SELECT count(*) FROM gisdata_layer l JOIN gisdata_dataset d "
            "ON d.id = l.dataset_id WHERE l.municipality_id <> d.municipality_id").fetchone()[0]
        assert layers == 0
