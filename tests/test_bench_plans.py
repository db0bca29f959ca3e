"""bench/plans.py: plans reduced to shapes, and the check that fails a benchmark whose two
sides are not on the same plan."""

from __future__ import annotations

import pytest

from bench import plans
from core.cursors import rows_streamed

BY_ID = "SELECT slug FROM proposals_project WHERE id = %s"
INDEX_ONLY = [("SET LOCAL enable_seqscan = off", None)]
NO_INDEX = [("SET LOCAL enable_indexscan = off", None), ("SET LOCAL enable_bitmapscan = off", None)]


def planned(sql: str, params=None, settings=()) -> plans.Shape:
    return plans.shape(plans.explain_django(plans.Statement(sql, params, list(settings))))


@pytest.mark.django_db
def test_two_queries_read_alike_have_no_difference():
    ours = planned(BY_ID, [1], INDEX_ONLY)
    reference = planned("SELECT id, title FROM proposals_project WHERE id = %s", [2], INDEX_ONLY)

    assert ours == ("Index Scan on proposals_project using proposals_project_pkey", ())
    assert plans.differences([ours], [reference]) == []


@pytest.mark.django_db
def test_the_same_query_on_another_plan_is_a_difference():
    ours = planned(BY_ID, [1], INDEX_ONLY)
    reference = planned(BY_ID, [1], NO_INDEX)

    assert reference == ("Seq Scan on proposals_project", ())
    assert plans.differences([ours], [reference]) == [
        "proposals_project: ours Index Scan using proposals_project_pkey, reference Seq Scan"
    ]
    failed = []
    plans.compare("by id", [ours], [reference], out=lambda line: None, fail=failed.append)
    assert len(failed) == 1 and "not on the same plan" in failed[0]


@pytest.mark.django_db
def test_a_streamed_statement_is_captured_with_its_local_settings():
    rows, statements = plans.capture(
        lambda: list(rows_streamed("SELECT id FROM proposals_project", [], chunk=10))
    )

    [statement] = statements
    assert rows == [] and statement.streamed
    assert statement.settings == [("SET LOCAL cursor_tuple_fraction = 1.0", None)]
    assert planned(statement.sql, statement.params)[0].startswith("Seq Scan")
    assert plans.explain_django(statement)["Node Type"] == "Seq Scan"


def test_tables_only_one_side_reads_are_not_compared():
    bitmap = (
        "Bitmap Heap Scan on gisdata_feature",
        (("Bitmap Index Scan using gisdata_feature_geometry_id", ()),),
    )
    ours = ("Nested Loop", (bitmap, ("Index Scan on gisdata_layer using gisdata_layer_pkey", ())))
    reference = ("Limit", (("Sort", (bitmap,)),))

    assert plans.accesses([ours]) == {
        "gisdata_feature": {"Bitmap Heap Scan using gisdata_feature_geometry_id"},
        "gisdata_layer": {"Index Scan using gisdata_layer_pkey"},
    }
    assert plans.differences([ours], [reference]) == []
    assert plans.differences([ours], [("Seq Scan on gisdata_feature", ())]) == [
        "gisdata_feature: ours Bitmap Heap Scan using gisdata_feature_geometry_id, "
        "reference Seq Scan"
    ]
    assert plans.text(reference) == (
        "Limit(Sort(Bitmap Heap Scan on gisdata_feature("
        "Bitmap Index Scan using gisdata_feature_geometry_id)))"
    )
