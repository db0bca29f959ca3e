"""Lookups the citizen pages share (proposals/views.py and comment_views.py)."""

from django.shortcuts import get_object_or_404

from proposals import selectors
from proposals.models import Proposal


def proposal_readable_or_404(request, pk: int) -> Proposal:
    """The proposal this reader may see (hidden and unlisted rules included), else 404."""
    return get_object_or_404(selectors.proposals_readable(user=request.user), pk=pk)
