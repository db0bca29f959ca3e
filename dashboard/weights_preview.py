"""The voting weights page's reads: the weights in force, and the ranking as it would
be under other weights.

The preview changes nothing and counts nothing of its own: it is the ranking's query
(`voting.selectors.ranking_queryset`) with one more score, `voting.tally.score_under`,
so that under the weights the votes were cast with it ranks exactly as the results
page does (tests/test_published_numbers.py checks it)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F, Window
from django.db.models.functions import Rank

from accounts.models import StakeholderRole
from proposals.models import Project
from voting.selectors import ranking_queryset, voting_rules, weights_table
from voting.tally import score_under


def weights_current(project: Project) -> tuple[list[tuple[StakeholderRole, Decimal]], Decimal]:
    """Each active role with the weight that applies in the project (as the project page
    publishes them), and the weight of a vote without a verified role."""
    roles = [(row["role"], row["weight"]) for row in weights_table(project)]
    return roles, voting_rules(project).unverified_weight


def ranking_preview(project: Project, *, weights: dict[int, Decimal],
                    unverified_weight: Decimal) -> list[dict]:
    """The project's ranking now, and as it would be if every vote cast so far weighed
    what `weights` (role id → weight) and `unverified_weight` say, in the preview's
    order; `moved` is how many places a proposal would climb (negative: fall)."""
    rows = (ranking_queryset(project)
            .annotate(score_preview=score_under(weights, unverified_weight))
            .annotate(rank_preview=Window(Rank(), order_by=[F("score_preview").desc()]))
            .values("pk", "title", "rank_weighted", "score_weighted", "score_preview",
                    "rank_preview"))
    return sorted(({**row, "moved": row["rank_weighted"] - row["rank_preview"]}
                   for row in rows), key=lambda r: (r["rank_preview"], r["pk"]))
