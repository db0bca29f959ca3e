"""Migration 0004 fills the tally from the votes already cast: after it, the table
equals a recount of the rows, roles and votes without a role alike."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.voting.test_tally_table import RECOUNT, TABLE, rows
from voting import services

BEFORE = [("voting", "0003_frozen_on_every_path")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.fixture
def latest_after():
    yield
    migrate(None)


@pytest.mark.quality("tally-kept")
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_after")
def test_the_migration_fills_the_tally_from_the_votes(ballot, voters):
    for name, values in (("resident", (1, -1, 0)), ("expert", (1, 1, -1)),
                         ("business", (0, -1, None))):
        for proposal, value in zip(ballot, values, strict=True):
            if value is not None:
                services.vote_cast(user=voters[name], proposal=proposal, value=value)
    expected = rows(RECOUNT)
    assert len(expected) == 8

    migrate(BEFORE)
    with connection.cursor() as cursor:
        assert "voting_tally" not in connection.introspection.table_names(cursor)
    migrate(None)

    assert rows(TABLE) == expected
