"""voting/budget_rules.py: the greedy rule and the Method of Equal Shares equal
pabutools' outcomes (voting/budget_reference.py) on random instances, and behave as
the literature's examples say by hand."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting import budget_reference, budget_rules

IDS = st.integers(min_value=1, max_value=40)
# Few distinct costs and weights, so that ties happen; weights with three decimals.
COSTS = st.sampled_from([1, 2, 3, 5, 8, 10, 20, 50])
WEIGHTS = st.sampled_from(["1", "1", "2", "0.5", "1.5", "0.25", "3", "1.125", "0.001"]) | \
    st.decimals(min_value=Decimal("0.1"), max_value=Decimal("5"), places=3)


@st.composite
def instances(draw):
    costs = draw(st.dictionaries(IDS, COSTS, min_size=1, max_size=8))
    ids = sorted(costs)
    # Ballots may be empty, may name proposals that are not in the budget (ignored),
    # and the budget may be smaller than some projects' cost.
    ballot = st.tuples(WEIGHTS, st.lists(st.sampled_from(ids + [99]), max_size=len(ids) + 1))
    ballots = draw(st.lists(ballot, max_size=7))
    budget = draw(st.integers(min_value=1, max_value=max(2, sum(costs.values()))))
    return budget, costs, ballots


@pytest.mark.quality("budget-rules-match-pabutools")
@settings(max_examples=300, deadline=None)
@given(instances())
def test_greedy_equals_pabutools(instance):
    budget, costs, ballots = instance
    ours = budget_rules.greedy(budget, costs, ballots)
    assert ours.funded == budget_reference.greedy(budget, costs, ballots)
    assert ours.spent == sum(costs[i] for i in ours.funded) <= budget


@pytest.mark.quality("budget-rules-match-pabutools")
@settings(max_examples=300, deadline=None)
@given(instances())
def test_equal_shares_equals_pabutools(instance):
    budget, costs, ballots = instance
    ours = budget_rules.equal_shares(budget, costs, ballots)
    assert ours.funded == budget_reference.equal_shares(budget, costs, ballots)
    assert ours.spent == sum(costs[i] for i in ours.funded) <= budget
    assert ours.funded[len(ours.funded) - len(ours.completed):] == ours.completed


@settings(max_examples=100, deadline=None)
@given(instances(), st.data())
def test_a_weight_two_voter_counts_as_two_voters_of_weight_one(instance, data):
    budget, costs, ballots = instance
    weight_one = [("1", approved) for _, approved in ballots]
    doubled = [("2", approved) for _, approved in weight_one]
    for rule in (budget_rules.greedy, budget_rules.equal_shares):
        # Doubling every weight changes nothing; nor does splitting a weight-2 ballot.
        assert rule(budget, costs, doubled).funded == rule(budget, costs, weight_one).funded
        split = [b for _, approved in doubled for b in [("1", approved), ("1", approved)]]
        assert rule(budget, costs, split).funded == rule(budget, costs, doubled).funded


def sixty_forty(weighted: bool):
    """100 voters: 60 approve projects 1-5, 40 approve projects 11-15; every project
    costs 100 and the budget is 500 (the textbook case for proportionality). Weighted:
    the 40 are 20 voters of weight 2."""
    costs = {i: 100 for i in [1, 2, 3, 4, 5, 11, 12, 13, 14, 15]}
    majority = [(Decimal(1), {1, 2, 3, 4, 5})] * 60
    minority = ([(Decimal(2), {11, 12, 13, 14, 15})] * 20 if weighted
                else [(Decimal(1), {11, 12, 13, 14, 15})] * 40)
    return 500, costs, majority + minority


@pytest.mark.parametrize("weighted", [False, True])
def test_equal_shares_gives_the_forty_percent_two_projects_of_five(weighted):
    budget, costs, ballots = sixty_forty(weighted)
    # Greedy: the majority's five projects fill the budget.
    assert budget_rules.greedy(budget, costs, ballots).funded == [1, 2, 3, 4, 5]
    # Equal Shares: each voter holds 5; the 60 pay 100 for three projects (1.67 each,
    # cheaper per voter, so first), the 40 for two (2.50 each), ties to the lower id.
    result = budget_rules.equal_shares(budget, costs, ballots)
    assert result.funded == [1, 2, 3, 11, 12]
    assert result.spent == 500 and result.completed == []
    assert [r["price"] for r in result.rounds] == pytest.approx([5 / 3] * 3 + [2.5] * 2)
    assert result.funded == budget_reference.equal_shares(budget, costs, ballots)
    assert result.scores[11] == 40 and result.voters[11] == (20 if weighted else 40)
    assert result.total_weight == 100 and result.ballots == (80 if weighted else 100)


def test_ties_go_to_the_lower_id_even_past_nine():
    costs = {9: 10, 10: 10}
    ballots = [(1, {9, 10})]
    for rule in ("greedy", "equal_shares"):
        assert getattr(budget_rules, rule)(10, costs, ballots).funded == [9]
        assert getattr(budget_reference, rule)(10, costs, ballots) == [9]


def test_the_completion_raises_the_shares_then_fills_greedily():
    # Budget 105, two voters: A approves 1 (cost 60) and 2 (cost 40), B approves 2.
    # Shares of 52.50: 2 is bought (20 each), then A's 32.50 cannot pay for 1. Each
    # round adds 1.05 to the shares in all; with shares of 80 (the 53rd raise: 160.65 in
    # all), A pays 20 for 2 and the 60 of 1: spent 100, no approved project left. The
    # greedy completion then funds 3 (nobody approved it; 5 left, it costs 5).
    costs = {1: 60, 2: 40, 3: 5}
    ballots = [(1, {1, 2}), (1, {2})]
    result = budget_rules.equal_shares(105, costs, ballots)
    assert result.funded == [2, 1, 3] and result.completed == [3]
    assert result.budget_rounds == 53 and result.spent == 105
    assert result.funded == budget_reference.equal_shares(105, costs, ballots)


def test_no_ballots_funds_by_id_within_the_budget():
    costs = {3: 5, 1: 7, 2: 4}
    assert budget_rules.greedy(10, costs, []).funded == [1]
    assert budget_rules.equal_shares(10, costs, []).funded == [1]
    assert budget_reference.equal_shares(10, costs, []) == [1]


def test_a_weight_with_more_than_three_decimals_is_not_ours():
    with pytest.raises(ValueError):
        budget_reference.pabutools_election(10, {1: 5}, [("0.0001", {1})])


@settings(max_examples=300, deadline=None)
@given(instances(), st.sampled_from([(1, 1), (3, 2), (201, 100), (3, 1)]))
def test_the_float_run_buys_what_the_exact_run_buys(instance, raise_by):
    # equal_shares runs Equal Shares in floats, deciding close calls exactly; the plain
    # exact run (every number a rational) must buy the same projects in the same order.
    from gmpy2 import mpq

    budget, costs, ballots = instance
    profile = budget_rules._Profile(costs, ballots)
    if profile.total_weight > 0:
        endowment = mpq(budget) * mpq(*raise_by)
        exact, _ = budget_rules._mes_run(profile, endowment)
        fast, prices = budget_rules._FastRun(profile, endowment).run()
        assert fast == exact
