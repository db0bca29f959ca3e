"""A budget vote as a pabulib file (https://pabulib.org, format of arXiv:2305.11035): the
projects with their costs, and every ballot, anonymous, with its weight.

Anyone can read it with pabutools (`parse_pabulib_from_string`) and compute the outcome
again; docs/budgeting.md shows how. What the file holds is exactly what Plaza's outcome
is computed from (`budget_profile`):

- PROJECTS: the budget's ballot options as they stand (voting.budget_selectors
  .ballot_options); `project_id` is the proposal's id in Plaza, so a row links back to
  `/api/v1/proposals/<id>/`.
- VOTES: one row per ballot, in the order they were first cast, numbered from 1 — no
  account, no role, no time. A proposal hidden by a moderator after the ballot was cast
  is no longer an option, and leaves the ballot; a ballot left with nothing is left
  out, as a voter who picked nothing. `weight` is the weight of the voter's verified
  role in the project, snapshotted when the ballot was cast.
- META: the budget, the count rules, the official rule (`greedy` or `equalshares`),
  the voting dates, the currency; the district's name for a district's budget.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from proposals.models import PhaseKind
from voting.budget_models import Ballot, Budget
from voting.budget_selectors import ballot_options
from voting.selectors import voting_rules


@dataclass
class Profile:
    """What an outcome is computed from: costs by proposal id, and (weight, ids) per
    ballot that still picks something, in ballot order."""

    budget: Budget
    costs: dict[int, int]
    ballots: list[tuple[Decimal, list[int]]]
    proposals: dict  # id → Proposal (with its assessment)


def budget_profile(budget: Budget) -> Profile:
    options = {p.pk: p for p in ballot_options(budget)}
    ballots = []
    # Only the two columns: a city's 100,000 ballots are read as arrays, not models.
    for weight, picked in (Ballot.objects.filter(budget=budget).order_by("pk")
                           .values_list("weight", "proposals").iterator(chunk_size=5000)):
        kept = [pk for pk in picked if pk in options]
        if kept:
            ballots.append((weight, kept))
    return Profile(budget=budget, costs={pk: p.assessment.cost for pk, p in options.items()},
                   ballots=ballots, proposals=options)


def _number(value: Decimal) -> str:
    """1.500 → 1.5, 2.000 → 2: the weight as a plain decimal number."""
    return format(value.normalize(), "f")


def _day(moment) -> str:
    return f"{moment:%d.%m.%Y}" if moment else ""


def budget_pabulib(budget: Budget, *, funded: list[int] | None = None) -> str:
    """The pabulib text of one budget. `funded`: the ids the official rule funds, to fill
    the PROJECTS' `selected` column (left out when no outcome is known)."""
    project = budget.project
    rules = voting_rules(project)
    profile = budget_profile(budget)
    phase = project.phases.filter(kind=PhaseKind.VOTING).first()
    voters = {pk: 0 for pk in profile.costs}
    scores = {pk: Decimal("0") for pk in profile.costs}
    for weight, picked in profile.ballots:
        for pk in picked:
            voters[pk] += 1
            scores[pk] += weight
    out = io.StringIO()
    write = csv.writer(out, delimiter=";", lineterminator="\n").writerow
    municipality = project.municipality
    meta = [
        ("description", f"{project.title} — {budget}"),
        ("country", getattr(settings, "PLAZA_COUNTRY", "")),
        ("unit", municipality.name),
        ("instance", f"{project.slug}-{_day(phase.starts_at)[-4:] if phase else ''}"
                     .rstrip("-")),
        ("num_projects", len(profile.costs)),
        ("num_votes", len(profile.ballots)),
        ("budget", budget.amount),
        ("vote_type", "approval"),
        ("rule", rules.budget_rule),
        ("date_begin", _day(phase.starts_at) if phase else ""),
        ("date_end", _day(phase.ends_at) if phase else ""),
        ("min_length", rules.min_projects),
    ]
    if rules.max_projects is not None:
        meta.append(("max_length", rules.max_projects))
    if budget.area_id:
        meta += [("subunit", budget.area.name), ("district", budget.area.name)]
    meta += [("currency", rules.currency),
             ("comment", "Plaza budget vote. project_id is the proposal's id in Plaza; "
                         "each ballot counts with its weight (VOTES, column weight), the "
                         "weight of the voter's verified role in the project.")]
    write(["META"])
    write(["key", "value"])
    for key, value in meta:
        write([key, value])
    write(["PROJECTS"])
    columns = ["project_id", "cost", "votes", "score", "name", "category", "latitude",
               "longitude"]
    if funded is not None:
        columns.append("selected")
    write(columns)
    chosen = set(funded or ())
    for pk in sorted(profile.costs):
        proposal = profile.proposals[pk]
        point = proposal.point or proposal.geometry.point_on_surface
        row = [pk, profile.costs[pk], voters[pk], _number(scores[pk]) if scores[pk] else 0,
               proposal.title.replace("\n", " "), proposal.category.slug,
               f"{point.y:.6f}", f"{point.x:.6f}"]
        if funded is not None:
            row.append(1 if pk in chosen else 0)
        write(row)
    write(["VOTES"])
    write(["voter_id", "vote", "weight"])
    for number, (weight, picked) in enumerate(profile.ballots, start=1):
        write([number, ",".join(str(pk) for pk in picked), _number(weight)])
    return out.getvalue()

