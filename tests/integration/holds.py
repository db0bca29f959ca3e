"""Stop the worker at a known point of its work, for as long as a test needs.

A test that kills a worker "mid-report" or "mid-import" must know the work is still
under way when the signal lands; polling for a progress value and then killing races with
the worker, which may finish in between on a fast machine, or long before the test looks
on a loaded one. Instead, a trigger makes the worker's own database session wait, at the
update the test names, for an advisory lock this module holds from a connection of its
own. The test waits for that wait (an event PostgreSQL reports, not a time), does what it
must while the worker cannot move on, then lets go.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection

from tests.integration.processes import wait_until

HOLD_CLASS = 0x504C484C  # advisory lock class "PLHL"; the second key is random per hold


class Hold:
    def __init__(self, key: int):
        self.key = key

    def waiting(self) -> int | None:
        """The pid of a session waiting at the hold, or None."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                "AND classid = %s::oid AND objid = %s::oid AND objsubid = 2",
                [HOLD_CLASS, self.key])
            row = cursor.fetchone()
        return row[0] if row else None

    def reached(self, what: str, timeout: float = 300,
                ended: Callable[[], str | None] | None = None) -> int:
        """Wait until a session waits at the hold; its pid. The ceiling only matters when
        the test is about to fail (the worker never got there). ``ended``, if given, says
        why the work is over (or None while it is not): the wait then fails at once,
        saying so, instead of running out its ceiling."""
        def at_hold() -> int | None:
            pid = self.waiting()
            if pid is None and ended is not None and (why := ended()):
                raise AssertionError(f"{what} ended without reaching the hold: {why}")
            return pid

        return wait_until(at_hold, timeout=timeout, interval=0.05,
                          what=f"{what} to reach the hold")


def session_ended(pid: int) -> bool:
    """Whether PostgreSQL's session `pid` is gone, and every lock it held with it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = %s)",
                       [pid])
        return cursor.fetchone()[0]


@contextmanager
def held(trigger, table: str, when: str) -> Iterator[Hold]:
    """Inside the block, an update of a row of ``table`` for which ``when`` holds (a
    trigger's WHEN condition over OLD and NEW) waits; it goes on when the block ends.

    ``trigger`` is the fixture of tests/conftest.py, which drops the trigger at the end.
    """
    key = secrets.randbelow(2**31 - 1) + 1
    params = connection.settings_dict
    holder = psycopg.connect(host=params["HOST"], port=params["PORT"], user=params["USER"],
                             password=params["PASSWORD"], dbname=params["NAME"],
                             autocommit=True)
    try:
        holder.execute("SELECT pg_advisory_lock(%s::int4, %s::int4)", [HOLD_CLASS, key])
        trigger(table, when, f"PERFORM pg_advisory_xact_lock_shared({HOLD_CLASS}, {key})")
        yield Hold(key)
    finally:
        holder.close()  # the lock goes with the session: whoever waited goes on
