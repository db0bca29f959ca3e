"""The tally, defined once: what every page, API, export and report counts of a
proposal's votes. Every number is a sum of the proposal's vote rows:

- supporters, opponents, abstentions: how many votes of each value;
- support_weight, oppose_weight: the sum of those votes' weights (recorded with each
  vote when it was cast);
- score_weighted = support_weight − oppose_weight; score_equal = supporters − opponents
  (every vote weighing 1).

The database keeps those sums per proposal and role (`voting.models.VoteTally`, table
`voting_tally`): a trigger on the vote table adds every written vote to its row in the
same transaction (voting/migrations/0004_tally.py), so what is read here always equals
the sums over the vote rows committed, and costs one row per proposal and role however
many votes there are. Nothing below reads a vote row.

`tally_aggregates` is the ORM form (on proposals, through `tallies__`, or on tally rows
themselves); `TALLY_SQL` the same sums in SQL over the tally rows aliased `t`, for the
open-data pages PostgreSQL builds as GeoJSON; `score_under` the weighted score under
other weights, for the dashboard's preview: per role, (supporters − opponents) × that
role's weight.

A weighted sum over no votes of its value is the number 0 (as a sum over vote rows
gave it), never the stored 0.000: the pages and files show what they always showed."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    F,
    IntegerField,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf

SCORE_FIELD = DecimalField(max_digits=20, decimal_places=3)
ZERO = Value(Decimal("0"), output_field=SCORE_FIELD)
NONE = Value(0, output_field=IntegerField())


def _weight(total):
    # Weights are positive, so a weighted sum is 0 exactly when no vote is in it.
    return Coalesce(NullIf(total, ZERO), ZERO)


def tally_aggregates(tallies: str = "tallies__") -> dict:
    """The five sums, over the tally rows reached through `tallies` ("tallies__" from a
    proposal: one row per role; "" on a queryset of `VoteTally`)."""
    return {
        "supporters": Coalesce(Sum(f"{tallies}supporters"), NONE),
        "opponents": Coalesce(Sum(f"{tallies}opponents"), NONE),
        "abstentions": Coalesce(Sum(f"{tallies}abstentions"), NONE),
        "support_weight": _weight(Sum(f"{tallies}support_weight")),
        "oppose_weight": _weight(Sum(f"{tallies}oppose_weight")),
    }


def tally_scores() -> dict:
    """The two scores, from the sums above (annotate them after `tally_aggregates`)."""
    return {"score_weighted": F("support_weight") - F("oppose_weight"),
            "score_equal": F("supporters") - F("opponents")}


# The same sums in SQL, over the tally rows aliased `t` (of one proposal: `FROM
# voting_tally t WHERE t.proposal_id = …`).
TALLY_SQL = """
    coalesce(sum(t.supporters), 0) AS supporters,
    coalesce(sum(t.opponents), 0) AS opponents,
    coalesce(sum(t.abstentions), 0) AS abstentions,
    coalesce(nullif(sum(t.support_weight), 0), 0) AS support_weight,
    coalesce(nullif(sum(t.oppose_weight), 0), 0) AS oppose_weight"""
# And the scores, from a row `r` that carries the sums.
SCORES_SQL = {"score_weighted": "r.support_weight - r.oppose_weight",
              "score_equal": "r.supporters - r.opponents"}


def score_under(weights: dict[int, Decimal], unverified_weight: Decimal):
    """The weighted score (Σ weight × value over a proposal's votes) had each vote weighed
    what `weights` (role id → weight; a role left out weighs 0) and `unverified_weight`
    (votes without a verified role: the tally row whose role is NULL) say: what the
    weights preview ranks by. Per role, (supporters − opponents) × its weight."""
    weight = Case(When(tallies__role_id__isnull=True, then=Value(unverified_weight)),
                  *(When(tallies__role_id=role, then=Value(w)) for role, w in weights.items()),
                  default=Value(Decimal("0")), output_field=SCORE_FIELD)
    net = F("tallies__supporters") - F("tallies__opponents")
    return Coalesce(Sum(weight * net, output_field=SCORE_FIELD), ZERO)
