"""Rows read through a server-side cursor, a chunk at a time, planned for reading them all.

A named cursor (`connection.chunked_cursor()`, inside a transaction) lets PostgreSQL
hand out a chunk per FETCH instead of materialising the result, so neither the database
nor this process holds a large answer whole. But PostgreSQL plans a cursor for its
first 10 % of rows (`cursor_tuple_fraction` = 0.1): for a page of features in a bbox
ordered by id it then walks the primary key and filters, where the plain query takes the
GiST index and sorts. Plaza always reads a cursor to its end, so it asks for the plan of
the whole answer: an OGC items page of 1,000 of a 200,000-point layer went from 46.6 ms
to 18.8 ms (bench/bench_ogc.py's layer), against 13.2 ms for the same query unstreamed.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import transaction

from core.db_router import read_connection


def rows_streamed(sql: str, params, *, chunk: int) -> Iterator[tuple]:
    """Every row of `sql`, fetched `chunk` at a time from a server-side cursor.

    The connection is chosen now, while the view runs: the rows are read later, as the
    response streams, when the request's choice of server (core/db_router.py) is over."""
    return _rows(read_connection(), sql, params, chunk)


def _rows(connection, sql: str, params, chunk: int) -> Iterator[tuple]:
    with transaction.atomic(using=connection.alias), connection.chunked_cursor() as cursor:
        with connection.cursor() as setting:
            # SET LOCAL: until the transaction ends, the stream's own (requests are not
            # atomic), so no other query of the request is planned this way.
            setting.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            yield from rows
