"""A streamed answer is planned for reading it all (core/cursors.py)."""

import pytest
from django.db import connection

from core.cursors import rows_streamed

pytestmark = pytest.mark.django_db


def test_a_streamed_cursor_is_planned_for_all_its_rows_and_gives_every_row():
    # PostgreSQL's default (0.1) plans a cursor for its first rows: for an OGC page in a
    # bbox ordered by id that walks the primary key, 2.5 times slower than the plain query.
    rows = list(rows_streamed(
        "SELECT n, current_setting('cursor_tuple_fraction') FROM generate_series(1, 25) n",
        [], chunk=10))
    assert [n for n, _ in rows] == list(range(1, 26))
    assert {setting for _, setting in rows} == {"1"}


@pytest.mark.django_db(transaction=True)
def test_the_setting_ends_with_the_stream():
    list(rows_streamed("SELECT 1", [], chunk=10))
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('cursor_tuple_fraction')")
        assert cursor.fetchone()[0] == "0.1"
