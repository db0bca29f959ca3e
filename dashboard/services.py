"""The dashboard's own writes: decisions on proposals.

A status change or an official answer is made by `proposals.services`, which emits the
event the notifications fan out: the author, the proposal's followers and its voters hear
of it — the voters of an answered proposal at once by default (docs/notifications.md),
as the answer e-mail this module used to send told them; once, and under each person's
own settings and unsubscribe.
"""

from __future__ import annotations

from proposals import services as proposal_services
from proposals.models import Proposal


def proposal_decide(*, proposal: Proposal, planner, status: str, answer: str = "") -> Proposal:
    """Change a proposal's status, with the official answer when there is one."""
    return proposal_services.proposal_set_status(
        proposal=proposal, planner=planner, status=status, answer=answer)


def proposal_answer_write(*, proposal: Proposal, planner, answer: str) -> Proposal:
    """Write or correct the official answer."""
    return proposal_services.proposal_answer(proposal=proposal, planner=planner,
                                             answer=answer)
