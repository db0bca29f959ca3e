"""Results by stakeholder role without revealing anyone's ballot.

A role group of two voters shows how each of them voted (both for: both ballots are
known). So every breakdown by role — the results page, the tallies API, the reports —
goes through `role_groups_merge`: groups of fewer than `PLAZA_MIN_GROUP_SIZE` distinct
voters are merged into one "Other roles" group.

Hiding a small group is not enough: the totals stay exact, and the totals minus the
groups shown would give the hidden group back. So when the merged group is itself still
below the threshold, the smallest of the groups shown joins it, then the next, until it
is large enough; when that would take every group, no breakdown is shown at all (only
the totals). Each breakdown says which roles were merged (`merged`) and whether it was
withheld (`withheld`), so that every page and file can say so.

The totals, the scores, both rankings and the comparison with equal weights are
computed on every vote, before any of this: merging changes how the figures by role are
shown, never a total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

OTHER_ROLES = "Other roles"
# The figures of a group that add up when groups merge.
SUMMED = ("voters", "votes", "supporters", "opponents", "abstentions", "support_weight",
          "oppose_weight")


@dataclass
class RoleBreakdown:
    """Rows to show (dicts with "role" and the SUMMED figures), in their order with
    "Other roles" last; the roles merged into it; whether the breakdown is withheld."""

    rows: list[dict]
    merged: list[str] = field(default_factory=list)
    withheld: bool = False
    min_size: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.merged) or self.withheld

    def as_json(self) -> dict:
        """How the rows were merged, as pages and files say it."""
        return {"min_size": self.min_size, "merged": self.merged, "withheld": self.withheld}


def min_group_size() -> int:
    return max(1, settings.PLAZA_MIN_GROUP_SIZE)


def _sum(rows: list[dict]) -> dict:
    total = {"role": OTHER_ROLES}
    for key in SUMMED:
        if any(key in row for row in rows):
            total[key] = sum((row.get(key, 0) for row in rows),
                             Decimal(0) if key.endswith("_weight") else 0)
    return total


def role_groups_merge(rows: list[dict], *, min_size: int | None = None) -> RoleBreakdown:
    """Merge the groups of `rows` with fewer than `min_size` voters (each row has
    "role" and "voters") into "Other roles", as the module's docstring says."""
    min_size = min_group_size() if min_size is None else min_size
    small = [row for row in rows if row["voters"] < min_size]
    if not small:
        return RoleBreakdown(rows=list(rows), min_size=min_size)
    shown = sorted((row for row in rows if row["voters"] >= min_size),
                   key=lambda row: row["voters"])
    merged = list(small)
    # The smallest groups shown join until the merged one is large enough: otherwise
    # the totals minus the rows shown would give the small groups back.
    while sum(row["voters"] for row in merged) < min_size and shown:
        merged.append(shown.pop(0))
    names = [row["role"] for row in rows if any(row is m for m in merged)]
    if not shown:
        # Every group merged: "Other roles" would be the totals, or fewer voters than
        # the threshold. No breakdown, only the totals.
        return RoleBreakdown(rows=[], merged=names, withheld=True, min_size=min_size)
    kept = [row for row in rows if not any(row is m for m in merged)]
    return RoleBreakdown(rows=kept + [_sum(merged)], merged=names, min_size=min_size)
