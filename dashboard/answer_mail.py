"""The e-mail that tells a proposal's voters (and sometimes its author) the city's
answer: who receives it and what it says, each in their own language.

Nothing here sends or writes: `dashboard.services.proposal_notify_answer` claims the
notice, sends these messages and gives the claim back if sending fails."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from municipalities.links import links_for
from proposals.models import Proposal, ProposalStatus
from voting.models import Vote

# One message per voter goes out in one SMTP session; a proposal with more voters than
# this tells the first ones who voted (by vote id) and no more, so that one answer cannot
# hold a worker and the mail server for hours.
MAX_RECIPIENTS = 5000


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str
    language: str


def answer_recipients(proposal: Proposal, entry: AuditEntry) -> list[Recipient]:
    """The voters with an address and an active account. Never the planner who made the
    change, nor the author: the notifications tell the author of every status change
    and answer (docs/notifications.md)."""
    people = {}
    voters = (Vote.objects.filter(proposal=proposal, user__isnull=False, user__is_active=True)
              .exclude(user__email="").select_related("user").order_by("pk"))
    for vote in voters[:MAX_RECIPIENTS]:
        people[vote.user_id] = vote.user
    people.pop(entry.actor_id, None)
    return [Recipient(u.public_name, u.email, u.email_language) for u in people.values()]


def answer_messages(proposal: Proposal, entry: AuditEntry) -> list[tuple]:
    """`send_mass_mail`'s (subject, text, sender, [address]) for each recipient, written
    in the recipient's language: the worker has no request to take one from."""
    title = " ".join(proposal.title.split())  # no line breaks in a header
    messages = []
    for person in answer_recipients(proposal, entry):
        # The project's municipality's links, whichever one the worker serves.
        with translation.override(person.language), \
                links_for(proposal.project.municipality) as origin:
            context = {"name": person.name, "proposal": proposal,
                       "status": ProposalStatus(proposal.status).label,
                       "site_name": settings.SITE_NAME, "site_url": origin}
            subject = _("[%(site)s] The city's answer on “%(title)s”") % {
                "site": settings.SITE_NAME, "title": title}
            messages.append((subject, render_to_string("dashboard/email/answer.txt", context),
                             None, [person.email]))
    return messages
