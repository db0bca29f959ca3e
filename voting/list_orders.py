"""The project list's "most supported" order (proposals/list_orders.py): by the weighted
score of the tally (voting/tally.py), highest first; registered from `VotingConfig.ready`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from proposals.list_orders import ListOrder, list_order_register
from voting.tally import tally_aggregates, tally_scores


def _most_supported(qs):
    return (qs.annotate(**tally_aggregates()).annotate(**tally_scores()),
            ("-score_weighted",))


list_order_register(ListOrder("most_supported", _("Most supported"), 10, _most_supported))
