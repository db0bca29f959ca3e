"""bench/bench_rollup.py at test size: its seed, and its two sides agree."""

import pytest
from django.db import connection

from bench import bench_rollup
from reports.rollup import participation_rollup

pytestmark = pytest.mark.django_db


@pytest.mark.quality("rollup-adds-up")
def test_the_roll_up_and_the_spatial_join_agree_on_every_area():
    municipality, project = bench_rollup.seed(3000, slug="bench-rollup-test")

    def execute(sql, params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    reference = bench_rollup.reference_rows(execute, municipality_id=municipality.pk,
                                            project_id=project.pk)
    tree = participation_rollup(municipalities=[municipality])
    line = bench_rollup.check(tree, reference)

    city = tree["municipalities"][0]
    assert len(city["districts"]) == 10
    assert sum(len(d["neighbourhoods"]) for d in city["districts"]) == 73
    assert 0 < city["outside"]["proposals"] < city["counts"]["proposals"]
    assert city["counts"]["votes"] == 40 * 30 and city["counts"]["comments"] == 300
    assert "73 neighbourhoods equal the reference" in line
    # The check fails when one neighbourhood's number differs.
    city["districts"][0]["neighbourhoods"][0]["counts"]["proposals"] += 1
    with pytest.raises(SystemExit):
        bench_rollup.check(tree, reference)
