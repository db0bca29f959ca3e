"""Property: whatever sequence of votes, changes and withdrawals, the tally and the
ranking equal a recomputation from the vote rows."""

from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voting import selectors, services
from voting.models import Vote

pytestmark = pytest.mark.django_db

ACTIONS = st.lists(
    st.tuples(st.sampled_from(["resident", "business", "expert"]),  # who
              st.integers(min_value=0, max_value=2),                # which proposal
              st.sampled_from([1, 0, -1, None])),                    # what (None: withdraw)
    max_size=25,
)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
@pytest.mark.quality("vote-withdraw-race")
def test_the_tally_equals_the_sum_over_the_rows(ballot, voters, actions):
    Vote.objects.all().delete()
    expected: dict[tuple[str, int], int] = {}
    for who, index, value in actions:
        if value is None:
            services.vote_withdraw(user=voters[who], proposal=ballot[index])
            expected.pop((who, index), None)
        else:
            services.vote_cast(user=voters[who], proposal=ballot[index], value=value)
            expected[(who, index)] = value
    weight = {"resident": Decimal(1), "business": Decimal(1), "expert": Decimal(2)}
    ranking = {p.pk: p for p in selectors.ranking_queryset(ballot[0].project)}
    for index, proposal in enumerate(ballot):
        mine = {who: v for (who, i), v in expected.items() if i == index}
        counts = Counter(mine.values())
        support = sum((weight[w] for w, v in mine.items() if v == 1), Decimal(0))
        oppose = sum((weight[w] for w, v in mine.items() if v == -1), Decimal(0))
        row = ranking[proposal.pk]
        assert (row.supporters, row.opponents, row.abstentions) == (
            counts[1], counts[-1], counts[0])
        assert (row.support_weight, row.oppose_weight) == (support, oppose)
        assert row.score_weighted == support - oppose
        # And the rows themselves say the same.
        rows = Vote.objects.filter(proposal=proposal)
        assert sum((v.weight for v in rows if v.value == 1), Decimal(0)) == support
    scores = sorted((row.score_weighted for row in ranking.values()), reverse=True)
    for row in ranking.values():
        assert row.rank_weighted == 1 + sum(1 for s in scores if s > row.score_weighted)
