"""Life in the demo: the personas discuss some proposals of each project.

Questions, answers from the proposal's author and from the city's planner (Barcelona's
in Barcelona, Cambridge's in Cambridge, Prague's in Prague). Everything
goes through the comment services, so the proposal's author is e-mailed about each
comment by someone else, as on the site. Idempotent: a discussion is added to a
proposal that has no comment yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from demo.energy_bubenec import SLUG as BUBENEC
from demo.neighbourhoods import PROJECT_SLUG as BARCELONA
from demo.riverside import RIVERSIDE
from demo.sant_antoni import SLUG as SANT_ANTONI
from proposals import comment_services
from proposals.models import Proposal

# Discussions: (project slug, proposal by title or by age in the project (0: oldest),
# [(author, body), …]); the first line is the comment, the others its replies.
# An author "@" is the proposal's own author.
THREADS = [
    (RIVERSIDE, "Splash pad at Magazine Beach", [
        ("resident", "Love it. The map says this spot floods, though: would a splash pad "
                     "survive that?"),
        ("@", "Good point. It is mostly concrete and drains, so a flood should not harm it."),
        ("cambridge", "Our engineers will check the flood-zone ideas before the vote; "
                      "thanks for raising it."),
    ]),
    (RIVERSIDE, "Shade trees along Memorial Drive", [
        ("citizen", "Yes please, I run there every morning."),
        ("expert", "Native species, please: red maples and swamp white oaks cope with wet "
                   "feet."),
    ]),
    (RIVERSIDE, "Nature playground in John F. Kennedy Park", [
        ("business", "Could it be fenced? The park is next to a busy road."),
        ("@", "A low hedge would do; I will add it to the description."),
    ]),
    (SANT_ANTONI, "A water fountain at the market's north corner", [
        ("business", "Our customers ask for water every summer; I support this."),
        ("resident", "There is one on Carrer de Tamarit, but it has been dry for months."),
        ("planner", "Thanks, we have asked the water company to repair that one too."),
    ]),
    (SANT_ANTONI, "Loading bays for the market stalls", [
        ("resident", "Only in the morning, please: afternoons belong to the children."),
        ("@", "Agreed: from 7 to 11 would be enough for the stalls."),
    ]),
    (SANT_ANTONI, "Sunday book market along Ronda de Sant Antoni", [
        ("citizen", "The old book market is a Sant Antoni tradition, keep it!"),
    ]),
    (BARCELONA, 0, [
        ("resident", "I pass by here every day; this would make a real difference."),
        ("@", "Thank you! Tell your neighbours and vote when voting opens."),
    ]),
    (BARCELONA, 1, [
        ("expert", "Worth checking the utility lines under the pavement before planting "
                   "or digging here."),
        ("planner", "Noted: the technical teams check that for every idea that is voted "
                    "through."),
    ]),
    (BARCELONA, 2, [
        ("business", "Good for the shops in the street too."),
    ]),
    (BARCELONA, 3, [
        ("citizen", "Where would the cars go? I like the idea but want to understand it."),
        ("@", "Most of the street is through traffic: the main road is two blocks away."),
    ]),
    (BUBENEC, 2, [  # the equal shares, proposed by Prague's planner
        ("energy", "Equal shares sound fair, but would the school, which uses the most, "
                   "then go short at noon?"),
        ("@", "No member ever receives more than they need in an hour: what one cannot "
              "use goes to the others. Each option's simulated outcome is shown beside "
              "it, the school's share included."),
    ]),
]


def _proposal(slug: str, which: str | int) -> Proposal | None:
    proposals = Proposal.objects.filter(project__slug=slug).select_related("project")
    if isinstance(which, str):
        return proposals.filter(title=which).first()
    return proposals.order_by("created_at", "pk")[which:which + 1].first()


def _thread_add(proposal: Proposal, lines, users: dict[str, User], at) -> datetime:
    """The comment and its replies, an hour apart from `at`; returns the last moment."""
    first = None
    for author, body in lines:
        at += timedelta(hours=1)
        user = proposal.author if author == "@" else users[author]
        comment = comment_services.comment_create(
            proposal=proposal, author=user, body=body, parent=first, at=at)
        first = first or comment
    return at


def discussions_load(users: dict[str, User]) -> None:
    """Comments and replies on proposals that have none yet, dated over the last days
    (an hour apart, which also keeps each persona under the comment rate limit)."""
    at = timezone.now() - timedelta(hours=2 * sum(len(lines) for *_, lines in THREADS))
    with transaction.atomic():
        for slug, which, lines in THREADS:
            proposal = _proposal(slug, which)
            if proposal is not None and not proposal.comments.exists():
                at = _thread_add(proposal, lines, users, at)
