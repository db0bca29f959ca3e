"""The tally, defined once: what every page, API, export and report counts of a
proposal's votes. Every number is an aggregate over the proposal's vote rows:

- supporters, opponents, abstentions: how many votes of each value;
- support_weight, oppose_weight: the sum of those votes' weights (recorded with each
  vote when it was cast);
- score_weighted = support_weight − oppose_weight; score_equal = supporters − opponents
  (every vote weighing 1).

`tally_aggregates` is the ORM form (on proposals, through `votes__`, or on votes
themselves); `TALLY_SQL` the same sums in SQL over vote rows aliased `v`, for the
open-data pages PostgreSQL builds as GeoJSON; `score_under` the weighted score under
other weights, for the dashboard's preview."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from voting.models import VoteValue

SCORE_FIELD = DecimalField(max_digits=20, decimal_places=3)
ZERO = Value(Decimal("0"), output_field=SCORE_FIELD)


def tally_aggregates(votes: str = "votes__") -> dict:
    """The five sums, over the vote rows reached through `votes` ("votes__" from a
    proposal, "" on a queryset of votes)."""
    def of(value):
        return Q(**{f"{votes}value": value})

    return {
        "supporters": Count(f"{votes}pk", filter=of(VoteValue.SUPPORT)),
        "opponents": Count(f"{votes}pk", filter=of(VoteValue.OPPOSE)),
        "abstentions": Count(f"{votes}pk", filter=of(VoteValue.ABSTAIN)),
        "support_weight": Coalesce(Sum(f"{votes}weight", filter=of(VoteValue.SUPPORT)), ZERO),
        "oppose_weight": Coalesce(Sum(f"{votes}weight", filter=of(VoteValue.OPPOSE)), ZERO),
    }


def tally_scores() -> dict:
    """The two scores, from the sums above (annotate them after `tally_aggregates`)."""
    return {"score_weighted": F("support_weight") - F("oppose_weight"),
            "score_equal": F("supporters") - F("opponents")}


# The same sums in SQL, over vote rows aliased `v`.
TALLY_SQL = f"""
    count(*) FILTER (WHERE v.value = {VoteValue.SUPPORT.value}) AS supporters,
    count(*) FILTER (WHERE v.value = {VoteValue.OPPOSE.value}) AS opponents,
    count(*) FILTER (WHERE v.value = {VoteValue.ABSTAIN.value}) AS abstentions,
    coalesce(sum(v.weight) FILTER (WHERE v.value = {VoteValue.SUPPORT.value}), 0)
        AS support_weight,
    coalesce(sum(v.weight) FILTER (WHERE v.value = {VoteValue.OPPOSE.value}), 0)
        AS oppose_weight"""
# And the scores, from a row `r` that carries the sums.
SCORES_SQL = {"score_weighted": "r.support_weight - r.oppose_weight",
              "score_equal": "r.supporters - r.opponents"}


def score_under(weights: dict[int, Decimal], unverified_weight: Decimal):
    """The weighted score (Σ weight × value over a proposal's votes) had each vote weighed
    what `weights` (role id → weight; a role left out weighs 0) and `unverified_weight`
    (votes without a verified role) say: what the weights preview ranks by."""
    weight = Case(When(votes__role__isnull=True, then=Value(unverified_weight)),
                  *(When(votes__role_id=role, then=Value(w)) for role, w in weights.items()),
                  default=Value(Decimal("0")), output_field=SCORE_FIELD)
    return Coalesce(Sum(weight * F("votes__value"), output_field=SCORE_FIELD), ZERO)
