"""The plans of ours and of the reference, reduced to their shapes and compared.

A ratio means something only when both sides ask PostgreSQL for the same work in the
same way: when ours walks the primary key and the reference takes the GiST index, the
ratio is the planner's choice, not our overhead. So each benchmark takes the plan
PostgreSQL uses for ours (the statements our code sent, captured while it answered one
request in this process, explained again with the same session settings: `SET LOCAL`s
sent before them in their transaction, and `DECLARE … CURSOR` for a streamed answer,
which is planned for its first rows unless told otherwise) and the reference's plan,
reduces each to its shape (the tree of node types with the table and index each node
reads; no costs, no row estimates), prints both, and fails when they read a table both
read in different ways (`compare`).

A shape is a tuple `(label, children)`: `label` is the node's type, with `on TABLE` for
a node that reads a table and `using INDEX` for one that reads an index, e.g.
`Bitmap Heap Scan on gisdata_feature` over `Bitmap Index Scan using
gisdata_feature_geometry_id`. How a table is read, its *access*, is the scan node that
reads it with the indexes under it: `Seq Scan`, `Index Scan using …_pkey`,
`Bitmap Heap Scan using …_geometry_id`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

Shape = tuple[str, tuple]

# A statement that changes the session's planner settings (SET, SET LOCAL, set_config).
SETTING = re.compile(r"^\s*(SET\s|SELECT\s+set_config\s*\()", re.IGNORECASE)
# Transaction control (Django's savepoints), not planned.
TRANSACTION = re.compile(r"^\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT)\b", re.IGNORECASE)


@dataclass
class Statement:
    """One statement our code sent: its SQL and parameters as Django's cursor got them,
    the settings sent before it in its transaction, and whether it ran on a server-side
    cursor (a streamed answer)."""

    sql: str
    params: object
    settings: list[tuple[str, object]] = field(default_factory=list)
    streamed: bool = False


def capture(call: Callable[[], object]) -> tuple[object, list[Statement]]:
    """Run `call` (a request through `django.test.Client`, say) and return its result
    and the statements it sent through Django's default connection, in order."""
    import psycopg
    from django.db import connection

    statements: list[Statement] = []
    settings: list[tuple[str, object]] = []

    def record(execute, sql, params, many, context):
        if not connection.in_atomic_block:
            # A SET LOCAL ended with its transaction; a session's SET is still in force
            # on this connection, where the statements are explained again.
            settings.clear()
        if SETTING.match(sql):
            settings.append((sql, params))
        elif not TRANSACTION.match(sql):
            raw = getattr(context["cursor"], "cursor", None)  # Django's wrapper's cursor
            statements.append(
                Statement(sql, params, list(settings), isinstance(raw, psycopg.ServerCursor))
            )
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        result = call()
    # A streamed answer is read after the view returned: read it within the capture.
    content = getattr(result, "streaming_content", None)
    if content is not None:
        with connection.execute_wrapper(record):
            body = b"".join(content)
        result.streaming_content = [body]
    return result, statements


def explain_django(statement: Statement) -> dict:
    """The plan PostgreSQL makes for `statement` on Django's connection, with the
    settings it was sent with; a streamed one planned as the cursor it was declared as."""
    from django.db import connection, transaction

    prefix = "DECLARE plaza_bench_plan NO SCROLL CURSOR FOR " if statement.streamed else ""
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params in statement.settings:
            cursor.execute(sql, params)
        cursor.execute(f"EXPLAIN (FORMAT JSON) {prefix}{statement.sql}", statement.params)
        plan = cursor.fetchone()[0]
        transaction.set_rollback(True)  # the settings go with the transaction
    return _root(plan)


def explain_psycopg(conn, sql: str, params=None) -> dict:
    """The plan PostgreSQL makes for `sql` on a psycopg connection (the reference's)."""
    return _root(conn.execute(f"EXPLAIN (FORMAT JSON) {sql}", params).fetchone()[0])


def _root(plan) -> dict:
    if isinstance(plan, str | bytes):
        plan = json.loads(plan)
    return plan[0]["Plan"]


def shape(node: dict) -> Shape:
    """The node's type with the table and index it reads, and its children's shapes."""
    label = node["Node Type"]
    if "Relation Name" in node:
        label += f" on {node['Relation Name']}"
    if "Index Name" in node:
        label += f" using {node['Index Name']}"
    return label, tuple(shape(child) for child in node.get("Plans", []))


def text(s: Shape) -> str:
    """A shape on one line: `Limit(Sort(Bitmap Heap Scan on t(Bitmap Index Scan using i)))`."""
    label, children = s
    return label + (f"({', '.join(text(c) for c in children)})" if children else "")


def accesses(shapes: Iterable[Shape]) -> dict[str, set[str]]:
    """table → how the shapes read it: the scan node's type, with the indexes it uses
    (a bitmap heap scan's are under it)."""
    found: dict[str, set[str]] = {}

    def walk(s: Shape) -> None:
        label, children = s
        if " on " in label:
            kind, rest = label.split(" on ", 1)
            table, _, index = rest.partition(" using ")
            indexes = sorted({index} if index else set(_indexes(children)))
            found.setdefault(table, set()).add(
                kind + (f" using {', '.join(indexes)}" if indexes else "")
            )
        for child in children:
            walk(child)

    for s in shapes:
        walk(s)
    return found


def _indexes(children: tuple) -> Iterable[str]:
    """The indexes of a bitmap heap scan's bitmap (index scans, BitmapAnd/Or of them)."""
    for label, grandchildren in children:
        if label.startswith("Bitmap Index Scan using "):
            yield label.removeprefix("Bitmap Index Scan using ")
        elif label in ("BitmapAnd", "BitmapOr"):
            yield from _indexes(grandchildren)


def differences(ours: Iterable[Shape], reference: Iterable[Shape]) -> list[str]:
    """How ours and the reference read the tables both read differently, one sentence
    each; empty when they read them alike. Tables only one side reads are not compared
    (ours joins the category, say, or the project for its rules)."""
    a, b = accesses(ours), accesses(reference)
    return [
        f"{table}: ours {' + '.join(sorted(a[table]))}, reference {' + '.join(sorted(b[table]))}"
        for table in sorted(a.keys() & b.keys())
        if a[table] != b[table]
    ]


def compare(
    label: str,
    ours: list[Shape],
    reference: list[Shape],
    *,
    out: Callable[[str], None],
    fail: Callable[[str], None],
) -> None:
    """Print both shapes; fail when they read a table both read differently."""
    out(f"plan, {label}: ours " + "; ".join(text(s) for s in ours))
    out(f"plan, {label}: reference " + "; ".join(text(s) for s in reference))
    found = differences(ours, reference)
    if found:
        fail(
            f"{label}: ours and the reference are not on the same plan ("
            + "; ".join(found)
            + "): the ratio would compare plans, not work."
        )
    shared = sorted(accesses(ours).keys() & accesses(reference).keys())
    out(f"plan, {label}: the same access to {', '.join(shared) or 'no shared table'}")
