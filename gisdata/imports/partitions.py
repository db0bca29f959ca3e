"""One partition of `gisdata_feature` per imported layer: built aside, then swapped in.

Partitions are named `gisdata_feature_l<layer id>`; features of layers that were never
imported (made in the admin or by tests) live in `gisdata_feature_default`. A new
partition is created detached, with the parent's columns, defaults and checks and a
CHECK on its layer, so that attaching it needs no scan; it is filled, indexed and
analysed (gisdata/imports/load.py, background.py); then, in the swap's transaction, the old one is
dropped and the new one attached.

Dropping a partition takes an ACCESS EXCLUSIVE lock on the parent for the rest of the
transaction, and attaching one a SHARE ROW EXCLUSIVE lock on gisdata_layer (for the
foreign key). Swaps therefore queue on an advisory lock (`swap_lock`), and wait at most
LOCK_TIMEOUT for readers.
"""

# Partition names are formatted into SQL; they are built from integers only.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import psycopg
from django.db import connection
from psycopg import sql

T = TypeVar("T")

LAYER_CHECK = "partition_layer"  # the CHECK that lets an attach skip its scan
SWAP_LOCK = 0x504C415A  # advisory lock key: "PLAZ"
LOCK_TIMEOUT = "30s"


def name(layer_id: int) -> str:
    return f"gisdata_feature_l{int(layer_id)}"


def swap_lock() -> None:
    """Wait for other swaps to end; take this first in the swap's transaction, before
    writing anything, or two swaps deadlock (each holding what the other's attach needs:
    a row in gisdata_layer, and ShareRowExclusive on it for the foreign key)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SWAP_LOCK])


def create(table: str, layer_id: int) -> None:
    """A new, detached, empty partition for the layer, named `table` while it is filled."""
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{table}"')
        cursor.execute(f'''CREATE TABLE "{table}" (
                               LIKE gisdata_feature INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
                               CONSTRAINT {LAYER_CHECK} CHECK (layer_id = {int(layer_id)}))''')
        # No statistics of the properties: no query's plan reads them (filters and
        # labels read single keys, `->>`, which jsonb's statistics do not describe), and
        # they were 40% of ANALYZE's time.
        cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN properties SET STATISTICS 0')


def relabel(table: str, layer_id: int) -> None:
    """Give a filled partition's rows another layer: its layer was deleted, or another
    run of the dataset made it first, while this one loaded (rare; a full rewrite)."""
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT {LAYER_CHECK}')
        cursor.execute(f'UPDATE "{table}" SET layer_id = %s', [layer_id])
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT {LAYER_CHECK} '
                       f"CHECK (layer_id = {int(layer_id)})")


def index(table: str, *, meanwhile: Callable[[], T], timeout_s: int) -> T:
    """Index the filled partition in bulk (before the swap: no lock is held meanwhile),
    analyse it, and return what `meanwhile()` (the load's check) returned.

    The GiST index, the longest build, is made on a second connection while this one
    runs `meanwhile()` and builds the primary key's index: two CREATE INDEX on one table
    may run at once (each takes a SHARE lock), and on a machine with two cores that
    hides the check and the primary key behind the GiST build. The primary key is then
    made from its index without a scan. Inside a transaction (the tests' own) the table
    is not visible to a second connection, so everything runs here, one after another.
    `timeout_s` bounds the second connection's statements, as the import's own are.
    """
    pkey = f"{table}_pkey"
    unique = f'CREATE UNIQUE INDEX "{pkey}" ON "{table}" (id, layer_id)'
    gist = f'CREATE INDEX ON "{table}" USING gist (geometry)'
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            result = meanwhile()
            cursor.execute(unique)
            cursor.execute(gist)
    else:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-index") as pool:
            building = pool.submit(_aside, gist, timeout_s)
            try:
                result = meanwhile()
                with connection.cursor() as cursor:
                    cursor.execute(unique)
            finally:
                building.result()  # its error, if any, is the import's
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{pkey}" '
                       f'PRIMARY KEY USING INDEX "{pkey}"')
        cursor.execute(f'ANALYZE "{table}"')
    return result


def _aside(statement: str, timeout_s: int) -> None:
    """Run one statement on a connection of its own (the database's, as Django's)."""
    params = connection.get_connection_params()
    for own in ("cursor_factory", "context"):  # Django's, for its own cursors
        params.pop(own, None)
    with psycopg.connect(**params, autocommit=True) as aside:
        aside.execute(sql.SQL("SET statement_timeout = {}").format(
            sql.Literal(f"{int(timeout_s)}s")))
        # A worker killed mid-build closes this connection: end the build then, rather
        # than let it hold its lock until done (the next attempt drops the table).
        aside.execute("SET client_connection_check_interval = '1s'")
        aside.execute(statement)


def attach(table: str, layer_id: int) -> None:
    """Put the filled, indexed partition in place of the layer's old one."""
    final = name(layer_id)
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        # Features made outside imports would stop the attach (they belong to it now).
        cursor.execute("DELETE FROM gisdata_feature_default WHERE layer_id = %s", [layer_id])
        cursor.execute(f'DROP TABLE IF EXISTS "{final}"')
        cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{final}"')
        cursor.execute(f'ALTER TABLE gisdata_feature ATTACH PARTITION "{final}" '
                       f"FOR VALUES IN ({int(layer_id)})")
        cursor.execute("SET LOCAL lock_timeout = DEFAULT")


def drop(layer_id: int) -> None:
    """Drop a deleted layer's partition (its rows would otherwise be deleted one by one)."""
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{name(layer_id)}"')
