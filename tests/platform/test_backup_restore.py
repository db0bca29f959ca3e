"""The backup and restore of docs/operations.md, done for real on a small dataset.

pg_dump (custom format) of the test database with a project, a proposal, a vote and an
imported layer (its own partition of gisdata_feature), restored with pg_restore into a
new database: the rows are all there, the partition is still attached, and Django
finds no migration missing.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import connection

from accounts.models import ClaimStatus
from gisdata.imports import services as gisdata_services
from tests.factories import claim_make, project_make, proposal_make, role_make, user_make
from tests.postgres_tools import pg_env, tool
from voting.services import vote_cast

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
RESTORED = "plaza_restore_check"
TABLES = ["proposals_project", "proposals_proposal", "voting_vote", "gisdata_feature",
          "gisdata_layer"]




def counts(dbname: str) -> dict[str, int]:
    import psycopg

    params = connection.settings_dict
    with psycopg.connect(host=params["HOST"], port=params["PORT"], user=params["USER"],
                         password=params["PASSWORD"], dbname=dbname) as conn:
        result = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
                  for t in TABLES}
        result["partitions"] = conn.execute(
            "SELECT count(*) FROM pg_inherits "
            "WHERE inhparent = 'gisdata_feature'::regclass").fetchone()[0]
    return result


def test_a_dump_restores_into_a_new_database_whole(tmp_path, planner, monkeypatch):
    from gisdata import tasks

    monkeypatch.setattr(tasks.import_run_execute_task, "delay_on_commit", lambda *a, **k: None)
    # The role exists before voting opens: a role made later has no weight there.
    resident = role_make("resident", "1")
    project = project_make("backup", phase="voting")
    proposal = proposal_make(project, user_make("author"), title="Plaça del Sol: shade")
    voter = user_make("voter")
    claim_make(voter, resident, status=ClaimStatus.VERIFIED, decided_by=planner)
    vote_cast(user=voter, proposal=proposal, value=1)
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"n": i},
         "geometry": {"type": "Point", "coordinates": [2.1 + i / 100, 41.4]}}
        for i in range(5)]}
    dataset = gisdata_services.dataset_create(name="Fonts", source_file=ContentFile(
        json.dumps(collection).encode(),
        name="fonts.geojson"))
    run = gisdata_services.import_start(dataset=dataset)
    gisdata_services.import_run_execute(run_id=run.pk)
    before = counts(connection.settings_dict["NAME"])
    assert before["gisdata_feature"] == 5 and before["voting_vote"] == 1

    env = pg_env()
    dump = tmp_path / "plaza.dump"
    subprocess.run([tool("pg_dump"), "--format=custom", "--no-owner", f"--file={dump}",
                    connection.settings_dict["NAME"]], env=env, check=True)
    subprocess.run([tool("dropdb"), "--if-exists", RESTORED], env=env, check=True)
    subprocess.run([tool("createdb"), RESTORED], env=env, check=True)
    try:
        subprocess.run([tool("pg_restore"), "--no-owner", f"--dbname={RESTORED}", str(dump)],
                       env=env, check=True)
        assert counts(RESTORED) == before
        url = (f"postgis://{env['PGUSER']}:{env['PGPASSWORD']}@{env['PGHOST']}:"
               f"{env['PGPORT']}/{RESTORED}")
        check = subprocess.run([sys.executable, "manage.py", "migrate", "--check"], cwd=ROOT,
                               env={**os.environ, "DATABASE_URL": url}, capture_output=True,
                               text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        subprocess.run([tool("dropdb"), "--if-exists", RESTORED], env=env, check=False)
