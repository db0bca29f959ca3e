"""Sharing a group's surplus among its members in deficit, hour by hour, by one of three
keys (docs/energy-model.md, "Sharing"). Everything here works on (members, hours)
arrays whose rows are sorted by group, for every group and hour at once.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from energy.simulation.inputs import SHARING_KEYS


class Groups:
    """Members sorted by their group label: sums over each group's rows, and a group's
    value given back to each of its rows. One group (district and city scale) costs a
    plain column sum; many (buildings) a product with the sparse (groups × members)
    membership matrix, which adds each group's rows in one pass over the values
    (numpy's add.reduceat over rows takes seven times longer for groups of a few)."""

    def __init__(self, labels: np.ndarray):
        labels = np.asarray(labels)
        _, inverse = np.unique(labels, return_inverse=True)
        inverse = inverse.reshape(-1)
        self.order = np.argsort(inverse, kind="stable")  # member positions, by group
        self.counts = np.bincount(inverse)
        self.index = inverse[self.order]  # each sorted row's group
        self.single = len(self.counts) == 1
        n = len(inverse)
        self.membership = sparse.csr_matrix(
            (np.ones(n), (self.index, np.arange(n))), shape=(len(self.counts), n))

    def __len__(self) -> int:
        return len(self.counts)

    def sum(self, values: np.ndarray) -> np.ndarray:
        """(groups, hours) sums of (members, hours) rows."""
        if self.single:
            return values.sum(axis=0, keepdims=True)
        return self.membership @ values

    def spread(self, per_group: np.ndarray) -> np.ndarray:
        """Each row's group's value: (groups, hours) to (members, hours), or to a
        broadcastable (1, hours) for a single group."""
        if self.single:
            return per_group
        return np.repeat(per_group, self.counts, axis=0)

    def sum_members(self, values: np.ndarray) -> np.ndarray:
        """(groups,) sums of a (members,) array."""
        return np.bincount(self.index, weights=values, minlength=len(self.counts))


def fixed_shares(groups: Groups, coefficient: np.ndarray, yearly_kwh: np.ndarray) -> np.ndarray:
    """Each (sorted) member's share β of its group's surplus under the fixed key.

    A given coefficient is the member's share; members without one (NaN) share what the
    given ones leave (1 − their sum, if positive) in proportion to their yearly use. The
    shares are then normalised to sum 1 in each group, so the whole surplus is
    allocated; a group where all of them are 0 shares equally."""
    given = ~np.isnan(coefficient)
    weights = np.where(given, coefficient, 0.0)
    left = np.maximum(1.0 - groups.sum_members(weights), 0.0)[groups.index]
    open_use = np.where(given, 0.0, yearly_kwh)
    open_total = groups.sum_members(open_use)[groups.index]
    with np.errstate(invalid="ignore", divide="ignore"):
        weights = weights + np.where(open_total > 0, left * open_use / open_total, 0.0)
    total = groups.sum_members(weights)[groups.index]
    size = groups.counts[groups.index]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, weights / total, 1.0 / size)


def received_by_key(key: str, groups: Groups, deficit: np.ndarray, surplus_total: np.ndarray,
                    deficit_total: np.ndarray, beta: np.ndarray | None) -> np.ndarray:
    """What each member in deficit receives from its group's surplus (members, hours).
    `surplus_total` and `deficit_total` are the groups' sums (groups, hours)."""
    if key == "demand":
        # Each member the same fraction of its deficit: all of it when S ≥ D.
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(deficit_total > 0,
                             np.minimum(1.0, surplus_total / deficit_total), 0.0)
        return deficit * groups.spread(ratio)
    if key == "equal":
        return water_fill(groups, deficit, surplus_total, deficit_total)
    if key == "fixed":
        if beta is None:
            raise ValueError("the fixed key needs each member's share.")
        return np.minimum(deficit, beta[:, None] * groups.spread(surplus_total))
    raise ValueError(f"key {key!r}: one of {', '.join(SHARING_KEYS)} expected.")


def water_fill(groups: Groups, deficit: np.ndarray, surplus_total: np.ndarray,
               deficit_total: np.ndarray) -> np.ndarray:
    """The equal key: received = min(deficit, λ), with λ per group and hour such that
    the group receives min(S, D) in all (everyone in full when S ≥ D).

    λ is found exactly without sorting: start with the members whose deficit is 0 as
    "served" and share S equally among the others; members whose deficit is at most
    that level are served in full, and the rest of S is shared again among those left.
    The level only rises and the served only grow, so this ends after at most as many
    rounds as the largest group has members, with λ = (S − Σ served deficits) / the
    number left — in practice after a handful of rounds."""
    full = surplus_total >= deficit_total
    partial = ~full & (surplus_total > 0)
    level = np.where(full, np.inf, 0.0)
    # Only hours where some group has less than its members lack need the rounds: the
    # night (nothing to share) and the sunny hours (enough for all) are settled.
    columns = np.flatnonzero(partial.any(axis=0))
    if columns.size:
        level[:, columns] = _levels(groups, deficit[:, columns], surplus_total[:, columns],
                                    partial[:, columns], level[:, columns])
    return np.minimum(deficit, groups.spread(level))


def _levels(groups: Groups, deficit: np.ndarray, surplus_total: np.ndarray,
            partial: np.ndarray, level: np.ndarray) -> np.ndarray:
    """The rounds of water_fill on the hours given; each round goes on with the hours
    whose served members changed, the others being settled."""
    level = level.copy()
    active = np.arange(deficit.shape[1])  # the hours still moving, as columns of `level`
    served = deficit <= 0.0
    for _ in range(int(groups.counts.max()) + 1):
        served_sum = groups.sum(np.where(served, deficit, 0.0))
        left = groups.sum((~served).astype(np.float64))
        with np.errstate(invalid="ignore", divide="ignore"):
            # No one left means S and D differ by rounding only: all served.
            fill = np.where(left > 0, (surplus_total - served_sum) / left, np.inf)
        now = np.where(partial, fill, level[:, active])
        level[:, active] = now
        grown = served | (deficit <= groups.spread(now))
        moving = np.flatnonzero((grown != served).any(axis=0))
        if moving.size == 0:
            break
        active, served = active[moving], grown[:, moving]
        deficit, surplus_total = deficit[:, moving], surplus_total[:, moving]
        partial = partial[:, moving]
    return level


def shared_out(groups: Groups, surplus: np.ndarray, surplus_total: np.ndarray,
               received: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each member's surplus given to the group, in proportion to its surplus, so that
    the givers give exactly what the receivers receive (to float rounding, and never
    more than a member's surplus): (shared_out (members, hours), received total
    (groups, hours))."""
    received_total = groups.sum(received)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(surplus_total > 0,
                          np.minimum(received_total / surplus_total, 1.0), 0.0)
    return surplus * groups.spread(factor), received_total
