"""The outcome rules of a participatory budget, on plain numbers (no database):
the greedy rule and the Method of Equal Shares, both with weighted approval ballots
(docs/budgeting.md).

    greedy(budget, costs, ballots) / equal_shares(budget, costs, ballots)

`costs` maps proposal id → cost (whole currency units, > 0); `ballots` is a sequence of
(weight, approved ids), a weight being any positive number with up to three decimals
(Decimal, int, str, Fraction). Ids a ballot names that are not in `costs` are ignored.
Every outcome equals pabutools' on the same instance, with the weights turned into
multiplicities (voting/budget_reference.py; tests/voting/test_budget_rules.py checks it).

Weights: a voter of weight w counts exactly as w identical voters of weight 1, so with
rational weights the outcome is the one of the profile where each ballot is repeated
(weight × 1000) times. Equal Shares gives each voter a share of the budget in proportion
to their weight.

Ties are real ties: scores and every close call are exact rationals (gmpy2's mpq, as
pabutools'), and every tie goes to the lower proposal id. Equal Shares runs in floats and
decides exactly whatever floats cannot decide for sure (`_FastRun`), which is what makes
100,000 ballots take seconds. Voters with the same approval set move in lockstep under
Equal Shares whatever their weights (their budgets per unit of weight start equal and
every price is paid per unit of weight), so they are merged into one group with the
weights summed.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import numpy as np
from gmpy2 import mpq

# Equal Shares' completion (see `equal_shares`): each round raises every voter's share by
# this fraction of the budget, in proportion to their weight, up to shares worth
# COMPLETION_BOUND times the budget.
COMPLETION_STEP = Fraction(1, 100)
COMPLETION_BOUND = 3


@dataclass
class BudgetResult:
    """What a rule funds. `funded`: proposal ids in the order the rule funded them;
    `scores`: id → weighted approvals (every costed proposal, a float); `voters`: id →
    number of ballots approving it; `rounds`: Equal Shares' purchases of its last run,
    each {"id", "price"} where price is what one unit of weight paid (a float);
    `completed`: ids funded by the greedy completion after Equal Shares;
    `budget_rounds`: how many times the voters' shares were raised (0 without)."""

    rule: str
    funded: list[int]
    spent: int
    scores: dict[int, float]
    voters: dict[int, int]
    ballots: int
    total_weight: Fraction
    rounds: list[dict] = field(default_factory=list)
    completed: list[int] = field(default_factory=list)
    budget_rounds: int = 0


def exact(weight) -> mpq:
    """A weight as an exact rational: Decimals and strings as written, floats as their
    shortest decimal (0.1 is one tenth, not the binary float)."""
    if isinstance(weight, float):
        weight = Decimal(repr(weight))
    if isinstance(weight, (Decimal, str)):
        weight = Fraction(Decimal(weight))
    if isinstance(weight, Fraction):
        return mpq(weight.numerator, weight.denominator)
    return mpq(weight)


class _Profile:
    """The ballots grouped by approval set: group g has weight `weight[g]` and approves
    the project indices `approves[g]`; project i is approved by the groups
    `supporters[i]`, `support[i]` their summed weight."""

    def __init__(self, costs: Mapping[int, int], ballots: Sequence[tuple[object, Collection[int]]]):
        self.ids = sorted(costs)
        self.cost = [int(costs[i]) for i in self.ids]
        index = {pid: k for k, pid in enumerate(self.ids)}
        merged: dict[tuple[int, ...], mpq] = {}
        self.voters = [0] * len(self.ids)
        self.ballots = 0
        self.total_weight = mpq(0)
        exacts: dict = {}
        for weight, approved in ballots:
            w = exacts.get(weight)
            if w is None:
                w = exacts[weight] = exact(weight)
            if w <= 0:
                raise ValueError(f"a ballot's weight must be positive, not {weight}")
            key = tuple(sorted({index[p] for p in approved if p in index}))
            merged[key] = merged.get(key, mpq(0)) + w
            self.ballots += 1
            self.total_weight += w
            for k in key:
                self.voters[k] += 1
        self.approves = list(merged)
        self.weight = [merged[key] for key in self.approves]
        self.supporters: list[list[int]] = [[] for _ in self.ids]
        for g, key in enumerate(self.approves):
            for k in key:
                self.supporters[k].append(g)
        self.support = [sum((self.weight[g] for g in groups), mpq(0))
                        for groups in self.supporters]
        # Floats of the same, for the fast path of Equal Shares (`_FastRun`).
        self.weight_f = np.array([float(w) for w in self.weight])
        self.supporters_a = [np.array(groups, dtype=np.int64) for groups in self.supporters]
        self.support_f = [float(s) for s in self.support]

    def result(self, rule: str, funded_indices: list[int], **extra) -> BudgetResult:
        return BudgetResult(
            rule=rule, funded=[self.ids[k] for k in funded_indices],
            spent=sum(self.cost[k] for k in funded_indices),
            scores={pid: float(self.support[k]) for k, pid in enumerate(self.ids)},
            voters=dict(zip(self.ids, self.voters, strict=True)), ballots=self.ballots,
            total_weight=Fraction(int(self.total_weight.numerator),
                                  int(self.total_weight.denominator)),
            **extra)


def _greedy_fill(profile: _Profile, budget: int, funded: list[int]) -> list[int]:
    """The greedy rule from `funded` on: highest weighted approval first (projects
    nobody approved last, as pabutools' greedy does), ties to the lower id, skipping
    what no longer fits. Returns the indices it adds."""
    left = budget - sum(profile.cost[k] for k in funded)
    taken = set(funded)
    added = []
    for k in sorted(range(len(profile.ids)), key=lambda k: (-profile.support[k], profile.ids[k])):
        if k not in taken and profile.cost[k] <= left:
            added.append(k)
            left -= profile.cost[k]
    return added


def greedy(budget: int, costs: Mapping[int, int],
           ballots: Sequence[tuple[object, Collection[int]]]) -> BudgetResult:
    """Greedy by weighted approval (what Decidim and CONSUL do): the proposals by the sum
    of the weights of the ballots approving them, highest first, ties to the lower id;
    each is funded if it still fits in what is left of the budget, skipped otherwise."""
    profile = _Profile(costs, ballots)
    return profile.result("greedy", _greedy_fill(profile, budget, []))


def _price(profile: _Profile, k: int, budget: list[mpq]) -> mpq | None:
    """What each unit of weight among project k's supporters pays for it, the poorest
    paying all they have left: the q with Σ weight × min(budget, q) = cost; None when
    the supporters cannot afford it. Supporters with equal budgets are taken together
    (many share one: those who have bought the same things)."""
    levels: dict[mpq, mpq] = {}
    weight = profile.weight
    for g in profile.supporters[k]:
        b = budget[g]
        levels[b] = levels.get(b, 0) + weight[g]
    cost = profile.cost[k]
    if sum(b * w for b, w in levels.items()) < cost:
        return None
    paid = mpq(0)
    rest = profile.support[k]
    for b in sorted(levels):
        q = (cost - paid) / rest
        if q <= b:
            return q
        paid += levels[b] * b
        rest -= levels[b]
    raise AssertionError("an affordable project has a price")  # pragma: no cover


def _mes_run(profile: _Profile, endowment: mpq) -> tuple[list[int], list[mpq]]:
    """One run of Equal Shares where the voters' shares add up to `endowment`, every
    number an exact rational: the project indices bought in order and what each unit of
    weight paid for them. Slow at city scale; the check of `_FastRun` in the tests.

    Each round buys the affordable project of least price per unit of cost (with cost
    utilities every supporter values a project at its cost, so this is pabutools' ρ),
    ties to the lower id. Prices only rise as budgets fall, so a price computed in an
    earlier round is a lower bound: projects are looked at in order of that bound and
    the search stops once the bound exceeds the best price found (as pabutools does)."""
    per_unit = endowment / profile.total_weight
    budget = [per_unit] * len(profile.weight)
    rho = {k: 1 / profile.support[k] for k in range(len(profile.ids)) if profile.supporters[k]}
    bought: list[int] = []
    prices: list[mpq] = []
    zero = mpq(0)
    while rho:
        best = best_k = best_q = None
        for k in sorted(rho, key=lambda k: (rho[k], profile.ids[k])):
            if best is not None and rho[k] > best:
                break
            q = _price(profile, k, budget)
            if q is None:
                del rho[k]
                continue
            rho[k] = q / profile.cost[k]
            if best is None or (rho[k], profile.ids[k]) < (best, profile.ids[best_k]):
                best, best_k, best_q = rho[k], k, q
        if best_k is None:
            break
        del rho[best_k]
        bought.append(best_k)
        prices.append(best_q)
        for g in profile.supporters[best_k]:
            b = budget[g]
            budget[g] = b - best_q if b > best_q else zero
    return bought, prices


# Relative margin within which two floats are not trusted to compare as their exact
# values do: float errors here are around 1e-13, so anything nearer is decided exactly.
NEAR = 1e-9


class _FastRun:
    """One run of Equal Shares (what `_mes_run` computes, the same outcome) in floats
    with exact decisions. Budgets and prices are floats (numpy); a decision the floats
    cannot make for sure (two projects' prices within NEAR of each other, a project's
    supporters holding within NEAR of its cost) is made in exact rationals. For that the
    run's purchases so far are priced exactly first (`exact_history`): a group's exact
    budget is the endowment less the exact prices of what it bought (a budget stops at
    zero and stays there). Runs with no close call never leave the floats."""

    def __init__(self, profile: _Profile, endowment: mpq):
        self.p = profile
        self.b0 = endowment / profile.total_weight
        self.b0_f = float(self.b0)
        self.spent_f = np.zeros(len(profile.weight))  # per unit of weight, floats
        self.history: list[tuple[int, float]] = []  # (project index, float price)
        self.q: dict[int, mpq] = {}  # exact prices of history[:len(self.q)]
        self.spent_x = np.zeros(len(profile.weight))  # floats of those exact prices

    def budget(self, g: int) -> mpq:
        """Group g's exact budget after the purchases priced exactly so far."""
        paid = sum((self.q[j] for j in self.p.approves[g] if j in self.q), mpq(0))
        return self.b0 - paid if paid < self.b0 else mpq(0)

    def exact_history(self) -> None:
        """Price exactly every purchase not yet priced exactly, in order."""
        for k, q_f in self.history[len(self.q):]:
            b = np.maximum(self.b0_f - self.spent_x[self.p.supporters_a[k]], 0.0)
            self.exact_buy(k, self.price(k, b, q_f))

    def exact_buy(self, k: int, q: mpq) -> None:
        self.q[k] = q
        self.spent_x[self.p.supporters_a[k]] += float(q)

    def affordable(self, k: int, b: np.ndarray) -> bool:
        cost = self.p.cost[k]
        held = float(self.p.weight_f[self.p.supporters_a[k]] @ b)
        if held >= cost * (1 + NEAR):
            return True
        if held <= cost * (1 - NEAR):
            return False
        self.exact_history()
        w = self.p.weight
        return sum((w[g] * self.budget(g) for g in self.p.supporters[k]), mpq(0)) >= cost

    def price_f(self, k: int, b: np.ndarray) -> float:
        """The price per unit of weight in floats: the supporters below the price pay
        all they have, found by fixed point (pabutools' poor and rich)."""
        w = self.p.weight_f[self.p.supporters_a[k]]
        cost, total = self.p.cost[k], self.p.support_f[k]
        q = cost / total
        for _ in range(len(b) + 1):
            poor = b < q
            rest = total - float(w[poor].sum())
            if rest <= 0:
                return float(b.max())
            nq = (cost - float(w[poor] @ b[poor])) / rest
            if nq <= q:
                return q
            q = nq
        return q  # pragma: no cover

    def price(self, k: int, b: np.ndarray, q_f: float) -> mpq:
        """The exact price given the exact budgets of the purchases priced so far: the
        supporters whose float budget is near or under the float price are looked at
        exactly; the others are surely richer than it."""
        groups = self.p.supporters_a[k]
        levels: dict[mpq, mpq] = {}
        weight = self.p.weight
        for g in groups[b < q_f * (1 + NEAR)].tolist():
            budget = self.budget(g)
            levels[budget] = levels.get(budget, 0) + weight[g]
        paid = mpq(0)
        rest = self.p.support[k]
        cost = self.p.cost[k]
        for level in sorted(levels):
            q = (cost - paid) / rest
            if q <= level:
                return q
            paid += levels[level] * level
            rest -= levels[level]
        sure = b[b >= q_f * (1 + NEAR)]
        if rest > 0:
            q = (cost - paid) / rest
            if len(sure) == 0 or q <= float(sure.min()) * (1 - NEAR):
                return q
        # The floats were too far off to trust the split: price it all exactly.
        return _price(self.p, k, [self.budget(g) for g in range(len(self.p.weight))])

    def run(self) -> tuple[list[int], list[float]]:
        p = self.p
        # The projects by their last known price per unit of cost (a lower bound of the
        # price now), in a heap; each round pops them while they may beat the best.
        heap = [(1 / p.support_f[k], p.ids[k], k) for k in range(len(p.ids)) if p.supporters[k]]
        heapq.heapify(heap)
        while heap:
            best = None
            looked: list[tuple[float, int, np.ndarray, float]] = []
            while heap and (best is None or heap[0][0] <= best * (1 + NEAR)):
                _, _, k = heapq.heappop(heap)
                b = np.maximum(self.b0_f - self.spent_f[p.supporters_a[k]], 0.0)
                if not self.affordable(k, b):
                    continue  # its supporters' money only falls: out for good
                q_f = self.price_f(k, b)
                rho = q_f / p.cost[k]
                if best is None or rho < best:
                    best = rho
                looked.append((rho, k, b, q_f))
            if best is None:
                break
            near = [(k, b, q_f) for rho, k, b, q_f in looked if rho <= best * (1 + NEAR)]
            if len(near) == 1:
                k, _, q_f = near[0]
            else:  # a close call: decided exactly, ties to the lower id
                self.exact_history()
                prices = {k: self.price(k, b, q_f) for k, b, q_f in near}
                k = min(prices, key=lambda k: (prices[k] / p.cost[k], p.ids[k]))
                q_f = float(prices[k])
                self.exact_buy(k, prices[k])
            for rho, other, _, _ in looked:
                if other != k:
                    heapq.heappush(heap, (rho, p.ids[other], other))
            self.history.append((k, q_f))
            self.spent_f[p.supporters_a[k]] += q_f
        return [k for k, _ in self.history], [q for _, q in self.history]


def equal_shares(budget: int, costs: Mapping[int, int],
                 ballots: Sequence[tuple[object, Collection[int]]]) -> BudgetResult:
    """The Method of Equal Shares with cost utilities (pabutools' `Cost_Sat`), weighted.

    Every voter gets a share of the budget in proportion to their weight. Round by round
    the rule buys the project whose supporters can pay for it at the lowest price per
    unit of cost, the poorer supporters paying what they have left and the others equal
    amounts per unit of weight; a project its supporters can no longer afford drops out.

    Completion (Equal Shares usually leaves money unspent): the shares are raised and
    the rule run again, each time by 1% of the budget in all (`COMPLETION_STEP`; per unit
    of weight, budget / (100 × total weight), so it does not depend on how the weights
    are written), until its outcome is exhaustive, no approved project left out fits in
    what is left of the budget, which is then the outcome, or it spends more than the
    budget, and the previous run's outcome is kept; the shares stop rising at three times
    the budget (`COMPLETION_BOUND`), keeping the last run within the budget. Whatever
    budget remains is then filled by the greedy rule (`greedy`). In pabutools terms:
    `exhaustion_by_budget_increase` over the approved projects (budget_step = budget/100,
    budget_bound = 3 × budget) of `method_of_equal_shares`, completed by
    `greedy_utilitarian_welfare`, ties to the lower id everywhere.
    """
    profile = _Profile(costs, ballots)
    approved = [k for k in range(len(profile.ids)) if profile.supporters[k]]
    outcome: list[int] = []
    prices: list[float] = []
    raised = 0
    if profile.total_weight > 0 and approved:
        step = mpq(budget) * mpq(COMPLETION_STEP.numerator, COMPLETION_STEP.denominator)
        endowment = mpq(budget)
        run = 0
        while endowment <= COMPLETION_BOUND * budget:
            bought, paid = _FastRun(profile, endowment).run()
            spent = sum(profile.cost[k] for k in bought)
            if spent > budget:
                break
            outcome, prices, raised = bought, paid, run
            left = budget - spent
            chosen = set(bought)
            if all(k in chosen or profile.cost[k] > left for k in approved):
                break
            endowment += step
            run += 1
    added = _greedy_fill(profile, budget, outcome)
    return profile.result(
        "equalshares", outcome + added,
        rounds=[{"id": profile.ids[k], "price": float(q)}
                for k, q in zip(outcome, prices, strict=True)],
        completed=[profile.ids[k] for k in added], budget_rounds=raised)
