"""Load on loopback, bounded in count and time, with the benchmarks' own correctness checks.

`bench/bench_load.py` measures these phases at full size (`make bench`); here the same
code runs at a size a test run affords, against a real gunicorn serving the test
database with the deployment's settings file, and only its correctness checks count:
every answer is a 200 (no 5xx, no refused or dropped connection) and the tally in the
database is what the accepted votes imply. Nothing is timed.
"""

from __future__ import annotations

import pytest

from bench import bench_load, bench_votes_http
from bench import gunicorn as bench_gunicorn
from tests.integration.bench_server import (
    BenchFailure,
    bench_fail_raises,
    deployment_gunicorn,
)
from voting.models import Vote

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
VOTERS = 200  # each on a connection of their own, all at once


@pytest.fixture
def bench_checks(monkeypatch):
    bench_fail_raises(monkeypatch, bench_load, bench_votes_http, bench_gunicorn)


@pytest.fixture
def gunicorn(tmp_path, bench_checks):
    with deployment_gunicorn(tmp_path) as (port, proc, log, _redis):
        yield port, proc, log


@pytest.mark.quality("hundreds-of-voters")
def test_hundreds_of_voters_at_once_over_http_are_all_counted(gunicorn):
    port, proc, log = gunicorn
    project, proposals, roles, planner = bench_votes_http.setup()
    voters = bench_votes_http.voters_setup(VOTERS, roles, planner)
    bench_gunicorn.wait_ready(port, proc, f"/api/v1/projects/{project.pk}/", log)
    # All voters at once, each casting three votes (one in five changing their first):
    # bench_load fails on any answer but 200 and on a tally other than the one the
    # accepted answers imply, each voter's last value with their role's weight.
    bench_load.phase_voters(port, proc, log, voters, proposals, voters=VOTERS, rounds=1,
                            cap=90, seed=1)
    # (It puts the proposals' votes back to none once checked, for the next round.)
    assert not Vote.objects.filter(proposal_id__in=[p.pk for p in proposals[:3]]).exists()

@pytest.mark.quality("hundreds-of-voters")
def test_the_bench_checks_fail_on_a_tally_that_disagrees(bench_checks, transactional_db):
    """The correctness check this file relies on is not a no-op."""
    with pytest.raises(BenchFailure, match="is not what the accepted votes imply"):
        bench_votes_http.check_tally({1: ("made up",)}, [1], "a made-up tally")

