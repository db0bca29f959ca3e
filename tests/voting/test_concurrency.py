"""Votes under concurrency, with real PostgreSQL connections: one per thread."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from voting import selectors, services
from voting.models import Vote

pytestmark = pytest.mark.django_db(transaction=True)
SUPPORT, OPPOSE = 1, -1


def in_threads(n: int, work) -> list:
    """Run work(i) in n threads released together; return what each raised or returned."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - collected and asserted on by the test
            results[i] = exc
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.quality("vote-fifty-times")
def test_the_same_vote_sent_fifty_times_at_once_is_one_row(ballot, voters):
    proposal = ballot[0]
    results = in_threads(50, lambda i: services.vote_cast(
        user=voters["expert"], proposal=proposal, value=SUPPORT))
    assert not [r for r in results if isinstance(r, Exception)]
    assert Vote.objects.filter(proposal=proposal).count() == 1
    tally = selectors.proposal_tally(proposal)
    assert (tally["supporters"], tally["support_weight"]) == (1, Decimal("2"))


@pytest.mark.quality("vote-withdraw-race")
def test_vote_withdraw_vote_toggled_concurrently_ends_consistent(ballot, voters):
    proposal = ballot[0]
    voter = voters["resident"]

    def toggle(i):
        if i % 3 == 1:
            return services.vote_withdraw(user=voter, proposal=proposal)
        return services.vote_cast(user=voter, proposal=proposal,
                                  value=SUPPORT if i % 2 else OPPOSE)

    results = in_threads(30, toggle)
    assert not [r for r in results if isinstance(r, Exception)]
    rows = list(Vote.objects.filter(proposal=proposal))
    assert len(rows) <= 1
    tally = selectors.proposal_tally(proposal)
    if rows:
        assert rows[0].weight == Decimal("1") and rows[0].user == voter
        expected = (1, 0) if rows[0].value == SUPPORT else (0, 1)
    else:
        expected = (0, 0)
    assert (tally["supporters"], tally["opponents"]) == expected


@pytest.mark.quality("vote-withdraw-race")
def test_many_voters_at_once_are_all_counted(ballot, voters, planner):
    from accounts.models import ClaimStatus
    from tests.factories import claim_make, user_make

    # 15 experts (weight 2) and 25 residents (weight 1): the test knows what it sent,
    # so the tally is compared with 15 * 2 + 25 * 1 = 55, not with the rows it made.
    people = [user_make(f"v{i}") for i in range(40)]
    for i, person in enumerate(people):
        claim_make(person, voters["roles"]["expert" if i < 15 else "resident"],
                   status=ClaimStatus.VERIFIED, decided_by=planner)
    results = in_threads(40, lambda i: services.vote_cast(
        user=people[i], proposal=ballot[1], value=SUPPORT))
    assert not [r for r in results if isinstance(r, Exception)]
    tally = selectors.proposal_tally(ballot[1])
    assert (tally["supporters"], tally["opponents"]) == (40, 0)
    assert tally["support_weight"] == Decimal("55")
    assert Vote.objects.filter(proposal=ballot[1]).count() == 40
    assert sorted(Vote.objects.filter(proposal=ballot[1]).values_list("user_id", flat=True)) \
        == sorted(person.pk for person in people)


@pytest.mark.quality("tally-kept")
def test_the_tally_table_stays_exact_with_many_voters_at_once(ballot, voters, planner):
    """Forty voters in two roles vote on the same two proposals at once (each in its own
    order), a third change their vote and a fifth withdraw it: the tally the database
    keeps (voting_tally) equals a recount of the rows, none of the concurrent additions
    to one row lost, no deadlock."""
    from accounts.models import ClaimStatus
    from tests.factories import claim_make, user_make
    from tests.voting.test_tally_table import RECOUNT, TABLE, rows

    people = [user_make(f"t{i}") for i in range(40)]
    for i, person in enumerate(people):
        claim_make(person, voters["roles"]["expert" if i % 2 else "resident"],
                   status=ClaimStatus.VERIFIED, decided_by=planner)
    first, second = ballot[0], ballot[1]

    def vote(i):
        order = (first, second) if i % 2 else (second, first)
        for proposal in order:
            services.vote_cast(user=people[i], proposal=proposal, value=SUPPORT)
        if i % 3 == 0:
            services.vote_cast(user=people[i], proposal=first, value=OPPOSE)
        if i % 5 == 0:
            services.vote_withdraw(user=people[i], proposal=second)

    results = in_threads(40, vote)
    assert not [r for r in results if isinstance(r, Exception)]
    assert rows(TABLE) == rows(RECOUNT)
    # And what the test sent: 40 on the first (14 changed to oppose), 32 on the second.
    tally = selectors.proposal_tally(first)
    assert (tally["supporters"], tally["opponents"]) == (26, 14)
    assert selectors.proposal_tally(second)["supporters"] == 32
