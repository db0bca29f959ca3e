"""Life in the demo: ideas on the Cambridge map and discussions under proposals.

The home page lists the newest project first, Cambridge's riverside play spaces, so it
gets a handful of ideas (one in the flood zone, whose author was told so while drawing).
Then the personas discuss some proposals of each project: questions, answers from the
proposal's author and from the city's planner.

Everything goes through the services, so the proposal's author is e-mailed about each
comment by someone else, as on the site. Both steps are idempotent: the Cambridge ideas
are added while the project has none and its ideation is open; a discussion is added to
a proposal that has no comment yet.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from demo.layers import RIVERSIDE
from proposals import comment_services
from proposals import services as proposal_services
from proposals.models import PhaseKind, Project, Proposal

P, L, A = "Point", "LineString", "Polygon"
# (title, category, kind, coordinates, author, body)
RIVERSIDE_IDEAS = [
    ("Splash pad at Magazine Beach", "play", P, [-71.1165, 42.3565], "citizen",
     "Children already play by the water here in summer; a splash pad would keep them "
     "safe and cool."),
    ("Shade trees along Memorial Drive", "green", L,
     [[-71.1160, 42.3640], [-71.1143, 42.3645], [-71.1125, 42.3652]], "resident",
     "The path by Riverside Press Park has no shade at all in July."),
    ("Nature playground in John F. Kennedy Park", "play", A,
     [[[-71.1230, 42.3708], [-71.1220, 42.3708], [-71.1220, 42.3716],
       [-71.1230, 42.3716], [-71.1230, 42.3708]]], "expert",
     "Logs, boulders and sand instead of plastic: cheaper to keep and better for play."),
    ("Swings near the Alewife reservation", "play", P, [-71.1420, 42.3960], "business",
     "Families from the new flats nearby have nowhere to take the little ones."),
    ("A community garden in Cambridgeport", "green", P, [-71.1050, 42.3580], "resident",
     "Raised beds for the neighbours, with a tap and a bench."),
]

# Discussions: (project slug, proposal by title or by age in the project (0: oldest),
# [(author, body), …]); the first line is the comment, the others its replies.
# An author "@" is the proposal's own author.
THREADS = [
    (RIVERSIDE, "Splash pad at Magazine Beach", [
        ("resident", "Love it. The map says this spot floods, though: would a splash pad "
                     "survive that?"),
        ("@", "Good point. It is mostly concrete and drains, so a flood should not harm it."),
        ("planner", "Our engineers will check the flood-zone ideas before the vote; "
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
    ("sant-antoni-superblock", "A water fountain at the market's north corner", [
        ("business", "Our customers ask for water every summer; I support this."),
        ("resident", "There is one on Carrer de Tamarit, but it has been dry for months."),
        ("planner", "Thanks, we have asked the water company to repair that one too."),
    ]),
    ("sant-antoni-superblock", "Loading bays for the market stalls", [
        ("resident", "Only in the morning, please: afternoons belong to the children."),
        ("@", "Agreed: from 7 to 11 would be enough for the stalls."),
    ]),
    ("sant-antoni-superblock", "Sunday book market along Ronda de Sant Antoni", [
        ("citizen", "The old book market is a Sant Antoni tradition, keep it!"),
    ]),
    ("barcelona-neighbourhoods", 0, [
        ("resident", "I pass by here every day; this would make a real difference."),
        ("@", "Thank you! Tell your neighbours and vote when voting opens."),
    ]),
    ("barcelona-neighbourhoods", 1, [
        ("expert", "Worth checking the utility lines under the pavement before planting "
                   "or digging here."),
        ("planner", "Noted: the technical teams check that for every idea that is voted "
                    "through."),
    ]),
    ("barcelona-neighbourhoods", 2, [
        ("business", "Good for the shops in the street too."),
    ]),
    ("barcelona-neighbourhoods", 3, [
        ("citizen", "Where would the cars go? I like the idea but want to understand it."),
        ("@", "Most of the street is through traffic: the main road is two blocks away."),
    ]),
]


def riverside_ideas(users: dict[str, User]) -> None:
    """Cambridge's first ideas, while the project has none and takes ideas."""
    project = Project.objects.filter(slug=RIVERSIDE).first()
    if project is None or project.proposals.exists():
        return
    phase = project.current_phase()
    if phase is None or phase.kind != PhaseKind.IDEATION:
        return
    now = timezone.now()
    with transaction.atomic():
        for n, (title, category, kind, coordinates, author, body) in enumerate(
                RIVERSIDE_IDEAS):
            proposal = proposal_services.proposal_create(
                project=project, author=users[author], title=title, body=body,
                category=category, geometry={"type": kind, "coordinates": coordinates})
            # Sent over the first days of ideation, as demo_proposals dates Barcelona's.
            Proposal.objects.filter(pk=proposal.pk).update(
                created_at=now - timedelta(hours=100 - 12 * n))


def _proposal(slug: str, which: str | int) -> Proposal | None:
    proposals = Proposal.objects.filter(project__slug=slug).select_related("project")
    if isinstance(which, str):
        return proposals.filter(title=which).first()
    return proposals.order_by("created_at", "pk")[which:which + 1].first()


def discussions_load(users: dict[str, User]) -> None:
    """Comments and replies on proposals that have none yet, dated over the last days
    (an hour apart, which also keeps each persona under the comment rate limit)."""
    at = timezone.now() - timedelta(hours=2 * sum(len(lines) for *_, lines in THREADS))
    with transaction.atomic():
        for slug, which, lines in THREADS:
            proposal = _proposal(slug, which)
            if proposal is None or proposal.comments.exists():
                continue
            first = None
            for author, body in lines:
                at += timedelta(hours=1)
                user = proposal.author if author == "@" else users[author]
                comment = comment_services.comment_create(
                    proposal=proposal, author=user, body=body, parent=first, at=at)
                first = first or comment
