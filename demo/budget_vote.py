"""The Barcelona neighbourhoods project as a participatory budget, voting now.

"The city sets aside part of next year's budget for small works that neighbours
propose": the city's technical teams gave each idea a cost (a few are unfeasible, with
the reason published), each district with ideas got its own budget, and the voting phase
opened today. Some three hundred neighbours with verified roles have filled a ballot in
their district's budget, the demo's resident and expert among them; the citizen and the
business owner have not, so that a visitor logged in as either can fill one.

Made once, in one transaction, after the project and Barcelona's districts exist:

1. costs and feasibility from a fixed seed, through `assessment_set` (each one in the
   audit log, as a planner's would be), after `budget_setup` set the budgets;
2. ideation closed at midnight and voting opened then, for three weeks (the costs had
   to be set first: they freeze when voting opens);
3. the personas' ballots through `ballot_submit`, the neighbours' in bulk: their users
   and verified claims, then their ballots, each with the weight of its role, within
   its budget; the database checks every rule of a ballot on this path too
   (voting/migrations/0007);
4. the provisional outcomes, as a planner's "compute now" would store them.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import ClaimStatus, RoleClaim, StakeholderRole, User
from demo.neighbourhoods import PROJECT_SLUG
from proposals.models import Phase, PhaseKind, Project, Proposal
from voting.budget_models import Ballot, Budget, BudgetRule, Feasibility
from voting.budget_selectors import ballot_options, project_budgets
from voting.budget_services import assessment_set, ballot_submit, budget_setup
from voting.models import ProjectVoting
from voting.outcomes import budget_outcomes_compute
from voting.selectors import project_weights, weights_frozen

SEED = 2027
# Cost ranges by category, in euros: what small works of each kind cost the city.
COSTS = {"green-space": (12_000, 90_000), "mobility": (25_000, 180_000),
         "public-space": (40_000, 220_000), "play": (20_000, 120_000),
         "culture": (8_000, 60_000)}
# Proposals (by their position among the project's, oldest first) the technical teams
# found unfeasible, with the reason they publish.
UNFEASIBLE = {
    5: "The street is an emergency access route of the fire brigade: nothing may be "
       "built on it.",
    18: "The site belongs to the port authority, not to the city: the city cannot build "
        "there.",
    31: "A protected heritage façade: the works would need the regional heritage "
        "commission's approval, which cannot come before next year's budget closes.",
}
# A district's budget: about two fifths of what its feasible proposals cost together
# (so that a ballot must choose), never less than its dearest one, in whole thousands.
BUDGET_SHARE = 0.4
MIN_PROJECTS, MAX_PROJECTS = 1, 5
UNVERIFIED_WEIGHT = "0.5"
# Neighbours who vote: (username prefix, role slug, how many).
VOTERS = [("bcn-resident", "resident", 120), ("bcn-shop", "business-owner", 55),
          ("bcn-architect", "expert", 70), ("bcn-association", "civil-society", 45)]
# How much each role likes each category (a pick is drawn in proportion): the roles
# want different things, so that in some districts the weights change what is funded
# (the results page and the report show where).
LIKES = {
    "resident": {"green-space": 10, "play": 8, "public-space": 2, "mobility": 1,
                 "culture": 2},
    "business-owner": {"public-space": 10, "mobility": 3, "culture": 4, "green-space": 1,
                       "play": 1},
    "expert": {"mobility": 12, "public-space": 4, "green-space": 2, "play": 1, "culture": 1},
    "civil-society": {"culture": 10, "play": 6, "green-space": 2, "public-space": 2,
                      "mobility": 1},
}
# Personas who vote (the others keep their ballot empty for a visitor): username, role.
PERSONA_VOTERS = [("resident", "resident"), ("expert", "expert")]
VOTING_DAYS, DECISION_DAYS, IMPLEMENTATION_DAYS = 21, 30, 365


def _midnight(days: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time.min))


def budget_vote(users: dict[str, User]) -> None:
    """Turn Barcelona's neighbourhoods project into a budget vote with ballots, once;
    nothing when it already is one. Without districts (no layers) its ideation just
    runs on, followed by the later phases."""
    project = Project.objects.filter(slug=PROJECT_SLUG).first()
    if project is None or Budget.objects.filter(project=project).exists():
        return
    proposals = list(Proposal.objects.filter(project=project, district__isnull=False)
                     .select_related("category", "district").order_by("created_at", "pk"))
    planner = users["planner"]
    rng = random.Random(SEED)  # noqa: S311 - a repeatable demo, not a secret
    voting = Phase.objects.filter(project=project, kind=PhaseKind.VOTING).first()
    if voting is None:
        with transaction.atomic():
            if not proposals:
                _phases_add(project, opens=_midnight(40))
                return
            _assess(project, planner, proposals, rng)
            _phases_add(project, opens=_midnight(0))
            _ballots(project, users, planner, rng)
    else:
        # A demo loaded before it had a budget: its voting phase lies ahead. It may move
        # only while it has not opened: so voting opens the moment this transaction
        # commits (later than its `now()`), and the ballots follow in the next one.
        if (not proposals or weights_frozen(project) or connection.in_atomic_block
                or voting.starts_at <= timezone.now()):
            return
        with transaction.atomic():
            _assess(project, planner, proposals, rng)
            _phases_move(project, opens=timezone.now())
        with transaction.atomic():
            _ballots(project, users, planner, rng)
    _outcomes(project)


def _assess(project: Project, planner: User, proposals: list[Proposal],
            rng: random.Random) -> None:
    costs = {}
    for proposal in proposals:
        low, high = COSTS.get(proposal.category.slug if proposal.category else "",
                              (10_000, 100_000))
        costs[proposal.pk] = round(rng.uniform(low, high), -3)
    by_district: dict[int, list[int]] = {}
    for position, proposal in enumerate(proposals):
        if position not in UNFEASIBLE:
            by_district.setdefault(proposal.district_id, []).append(costs[proposal.pk])
    amounts = {area: max(max(found), round(sum(found) * BUDGET_SHARE, -3))
               for area, found in by_district.items()}
    budget_setup(project=project, planner=planner, method="budget", budgets=amounts,
                 min_projects=MIN_PROJECTS, max_projects=MAX_PROJECTS,
                 rule=BudgetRule.EQUAL_SHARES, currency="EUR",
                 reason="Next year's budget for small works, by district.")
    ProjectVoting.objects.filter(project=project).update(unverified_weight=UNVERIFIED_WEIGHT)
    budgets = {b.area_id: b for b in Budget.objects.filter(project=project)}
    for position, proposal in enumerate(proposals):
        reason = UNFEASIBLE.get(position)
        assessment_set(proposal=proposal, assessor=planner, cost=costs[proposal.pk],
                       feasibility=Feasibility.UNFEASIBLE if reason else Feasibility.FEASIBLE,
                       unfeasible_reason=reason or "",
                       budget=budgets.get(proposal.district_id))


def _later_phases(opens: datetime) -> list[tuple[str, datetime, datetime]]:
    ends = opens + timedelta(days=VOTING_DAYS)
    decided = ends + timedelta(days=DECISION_DAYS)
    return [(PhaseKind.VOTING, opens, ends), (PhaseKind.DECISION, ends, decided),
            (PhaseKind.IMPLEMENTATION, decided,
             decided + timedelta(days=IMPLEMENTATION_DAYS))]


def _phases_add(project: Project, *, opens: datetime) -> None:
    """Ideation closes when voting `opens`; voting, deciding and building follow."""
    Phase.objects.filter(project=project, kind=PhaseKind.IDEATION).update(ends_at=opens)
    for kind, starts, ends in _later_phases(opens):
        Phase.objects.create(project=project, kind=kind, starts_at=starts, ends_at=ends)


def _phases_move(project: Project, *, opens: datetime) -> None:
    """The same, for phases that exist: moved from the last back, so that no two
    overlap at any step."""
    Phase.objects.filter(project=project, kind=PhaseKind.IDEATION).update(ends_at=opens)
    for kind, starts, ends in _later_phases(opens):
        Phase.objects.filter(project=project, kind=kind).update(starts_at=starts,
                                                                ends_at=ends)


def _pick(options: list[Proposal], amount: int, likes: dict[str, int],
          rng: random.Random) -> list[int]:
    """A ballot: up to a few proposals drawn by what the role likes, while they fit."""
    wanted = rng.randint(MIN_PROJECTS, MAX_PROJECTS)
    pool = list(options)
    picked, spent = [], 0
    while pool and len(picked) < wanted:
        weights = [likes.get(p.category.slug if p.category else "", 1) for p in pool]
        choice = rng.choices(pool, weights=weights)[0]
        pool.remove(choice)
        if spent + choice.assessment.cost <= amount:
            picked.append(choice.pk)
            spent += choice.assessment.cost
    return picked or [min(options, key=lambda p: p.assessment.cost).pk]


def _ballots(project: Project, users: dict[str, User], planner: User,
             rng: random.Random) -> None:
    budgets = list(project_budgets(project))
    options = {b.pk: list(ballot_options(b)) for b in budgets}
    budgets = [b for b in budgets if options[b.pk]]
    # Neighbours vote in a district in proportion to its proposals.
    sizes = [len(options[b.pk]) for b in budgets]
    for username, role in PERSONA_VOTERS:
        budget = rng.choices(budgets, weights=sizes)[0]
        ballot_submit(user=users[username], budget=budget, proposal_ids=_pick(
            options[budget.pk], budget.amount, LIKES[role], rng))
    weights = project_weights(project)
    roles = {r.slug: r for r in StakeholderRole.objects.filter(
        slug__in=[slug for _, slug, _ in VOTERS])}
    now = timezone.now()
    voters = _neighbours()
    claims, ballots = [], []
    for user, slug in voters:
        role = roles[slug]
        expires = (now + timedelta(days=role.claim_validity_days)
                   if role.claim_validity_days else None)
        claims.append(RoleClaim(user=user, role=role, evidence="Demo neighbour.",
                                status=ClaimStatus.VERIFIED, decided_by=planner,
                                decided_at=now, expires_at=expires))
        budget = rng.choices(budgets, weights=sizes)[0]
        ballots.append(Ballot(budget=budget, project=project, area_id=budget.area_id,
                              user=user, role=role, weight=weights[role.pk],
                              proposals=_pick(options[budget.pk], budget.amount,
                                              LIKES[slug], rng)))
    RoleClaim.objects.bulk_create(claims)
    Ballot.objects.bulk_create(ballots, batch_size=500)


def _neighbours() -> list[tuple[User, str]]:
    """The neighbours who vote: users who exist to vote in the demo, not to log in."""
    password = make_password(None)  # unusable, as set_unusable_password makes it
    made = User.objects.bulk_create([
        User(username=f"{prefix}-{n:03d}", display_name=f"{prefix.title()} {n}",
             password=password)
        for prefix, _slug, count in VOTERS for n in range(1, count + 1)])
    slugs = [slug for _prefix, slug, count in VOTERS for _ in range(count)]
    return list(zip(made, slugs, strict=True))


def _outcomes(project: Project) -> None:
    """The provisional outcomes, as a planner's "compute now" stores them (the worker
    computes the final ones when voting closes)."""
    budget_outcomes_compute(project, final=False)
