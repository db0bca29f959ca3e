"""The tally the database keeps (`voting_tally`) equals a recount of the vote rows after
any sequence of writes, through any path: the services, the ORM, raw SQL, an erased
account, a deleted proposal. And what the pages read from it equals the recount."""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import ClaimStatus
from accounts.privacy_registry import account_erase
from dashboard.weights_preview import ranking_preview
from proposals.models import Proposal
from tests.factories import PASSWORD, claim_make, project_make, proposal_make, role_make, user_make
from voting import selectors, services
from voting.models import ProjectVoting, Vote, VoteTally

pytestmark = pytest.mark.django_db

UNVERIFIED = Decimal("0.5")
WEIGHTS = {"resident": Decimal("1"), "business": Decimal("1.5"), "expert": Decimal("2"),
           None: UNVERIFIED}
VOTERS = ["ana", "bru", "biz", "eva", "nil"]  # two residents, business, expert, no role
ROLE_OF = {"ana": "resident", "bru": "resident", "biz": "business", "eva": "expert",
           "nil": None}

# The recount the tally must equal: a plain GROUP BY over the vote rows.
RECOUNT = """
SELECT proposal_id, role_id,
       count(*) FILTER (WHERE value = 1), count(*) FILTER (WHERE value = -1),
       count(*) FILTER (WHERE value = 0),
       coalesce(sum(weight) FILTER (WHERE value = 1), 0),
       coalesce(sum(weight) FILTER (WHERE value = -1), 0)
FROM voting_vote GROUP BY proposal_id, role_id
"""
TABLE = """
SELECT proposal_id, role_id, supporters, opponents, abstentions, support_weight,
       oppose_weight
FROM voting_tally
"""


def rows(sql: str) -> set[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return set(cursor.fetchall())


@pytest.fixture
def town(planner):
    roles = {slug: role_make(slug, str(WEIGHTS[slug]), position=i)
             for i, slug in enumerate(("resident", "business", "expert"))}
    project = project_make("tally-town", phase="voting", before_phases=lambda p: (
        ProjectVoting.objects.create(project=p, unverified_weight=UNVERIFIED)))
    author = user_make("proposer")
    proposals = [proposal_make(project, author, title=f"Idea {i}") for i in range(4)]
    people = {}
    for name in VOTERS:
        people[name] = user_make(name)
        if ROLE_OF[name]:
            claim_make(people[name], roles[ROLE_OF[name]], status=ClaimStatus.VERIFIED,
                       decided_by=planner)
    return {"project": project, "proposals": proposals, "people": people,
            "roles": {**roles, None: None}}


who = st.sampled_from(VOTERS)
which = st.integers(min_value=0, max_value=3)
value = st.sampled_from([1, 0, -1])
ACTION = st.one_of(
    st.tuples(st.just("cast"), who, which, value),
    st.tuples(st.just("cast"), who, which, value),
    st.tuples(st.just("withdraw"), who, which),
    st.tuples(st.just("sql value"), who, which, value),
    st.tuples(st.just("orm role"), who, which,
              st.sampled_from(["resident", "business", "expert", None])),
    st.tuples(st.just("sql flip"), which),
    st.tuples(st.just("sql drop abstentions"), which),
    st.tuples(st.just("sql move"), who, which, which),
    st.tuples(st.just("erase"), who),
    st.tuples(st.just("delete proposal"), which),
)


def apply(town, action, erased: set, deleted: set) -> None:
    kind, *args = action
    people, proposals = town["people"], town["proposals"]
    if kind == "erase":
        if args[0] not in erased:
            erased.add(args[0])
            account_erase(user=people[args[0]], password=PASSWORD)
        return
    if kind in ("cast", "withdraw", "sql value", "orm role", "sql move") and args[0] in erased:
        return
    index = args[1] if kind in ("cast", "withdraw", "sql value", "orm role", "sql move") \
        else args[0]
    if index in deleted:
        return
    proposal = proposals[index]
    with connection.cursor() as cursor:
        if kind == "cast":
            services.vote_cast(user=people[args[0]], proposal=proposal, value=args[2])
        elif kind == "withdraw":
            services.vote_withdraw(user=people[args[0]], proposal=proposal)
        elif kind == "sql value":
            cursor.execute("UPDATE voting_vote SET value = %s WHERE user_id = %s "
                           "AND proposal_id = %s", [args[2], people[args[0]].pk, proposal.pk])
        elif kind == "orm role":
            # The weight must be the one that applies to the role (the database says so).
            role = town["roles"][args[2]]
            Vote.objects.filter(user=people[args[0]], proposal=proposal).update(
                role=role, weight=WEIGHTS[args[2]])
        elif kind == "sql flip":
            cursor.execute("UPDATE voting_vote SET value = -value WHERE proposal_id = %s",
                           [proposal.pk])
        elif kind == "sql drop abstentions":
            cursor.execute("DELETE FROM voting_vote WHERE proposal_id = %s AND value = 0",
                           [proposal.pk])
        elif kind == "sql move" and args[2] not in deleted:
            cursor.execute("UPDATE voting_vote v SET proposal_id = %s WHERE user_id = %s "
                           "AND proposal_id = %s AND NOT EXISTS (SELECT 1 FROM voting_vote "
                           "w WHERE w.user_id = v.user_id AND w.proposal_id = %s)",
                           [proposals[args[2]].pk, people[args[0]].pk, proposal.pk,
                            proposals[args[2]].pk])
        elif kind == "delete proposal":
            deleted.add(index)
            Proposal.objects.filter(pk=proposal.pk).delete()


def check_reads(town, deleted: set, preview_weights: dict) -> None:
    """The ranking and the weights preview, read from the tally, equal the recount."""
    project = town["project"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT proposal_id, count(*) FILTER (WHERE value = 1), "
                       "count(*) FILTER (WHERE value = -1), count(*) FILTER (WHERE value = 0), "
                       "coalesce(sum(weight * value), 0) FROM voting_vote GROUP BY proposal_id")
        recount = {row[0]: row[1:] for row in cursor.fetchall()}
    ranking = {p.pk: p for p in selectors.ranking_queryset(project)}
    assert set(ranking) == {p.pk for i, p in enumerate(town["proposals"]) if i not in deleted}
    for pk, row in ranking.items():
        assert (row.supporters, row.opponents, row.abstentions, row.score_weighted) == \
            recount.get(pk, (0, 0, 0, Decimal(0)))
    by_id = {role.pk if role else None: w for role, w in
             ((town["roles"][k], w) for k, w in preview_weights.items())}
    with connection.cursor() as cursor:
        cursor.execute("SELECT proposal_id, role_id, sum(value) FROM voting_vote "
                       "GROUP BY proposal_id, role_id")
        under = {}
        for pk, role, net in cursor.fetchall():
            under[pk] = under.get(pk, Decimal(0)) + by_id.get(role, Decimal(0)) * net
    preview = ranking_preview(project, weights={k: w for k, w in by_id.items() if k},
                              unverified_weight=by_id[None])
    assert {r["pk"]: r["score_preview"] for r in preview} == {
        pk: under.get(pk, Decimal(0)) for pk in ranking}


@pytest.mark.quality("tally-kept")
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=st.lists(ACTION, max_size=30),
       preview=st.fixed_dictionaries({k: st.sampled_from([Decimal("0"), Decimal("0.5"),
                                                          Decimal("1.25"), Decimal("3")])
                                      for k in WEIGHTS}))
def test_the_tally_table_equals_a_recount_of_the_votes(town, actions, preview):
    with transaction.atomic():
        erased: set[str] = set()
        deleted: set[int] = set()
        for action in actions:
            apply(town, action, erased, deleted)
            assert rows(TABLE) == rows(RECOUNT), action
        # No row is left for a proposal and role without votes.
        assert not VoteTally.objects.filter(supporters=0, opponents=0, abstentions=0).exists()
        check_reads(town, deleted, preview)
        transaction.set_rollback(True)
