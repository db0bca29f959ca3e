"""The report's budgeting section: a budget vote's budgets, what each rule funds with the
weights and with equal weights, and each budget's pabulib file, read in the report's own
snapshot (called from `snapshot.snapshot_read`, inside its transaction).

Scores and voters are counted here from the ballots, in the snapshot, not taken from the
stored outcomes: the outcomes were computed earlier (a worker at the vote's close, or a
planner's "compute now"), and the report says when and from how many ballots, so that a
reader sees whether ballots came in since. The funded lists are the stored outcomes'
(`BudgetOutcome`): the report recomputes nothing, it shows what the city will publish.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.db import connection
from django.db.models import Q

from proposals.models import Project, Proposal
from voting.budget_models import Assessment, BudgetRule, Feasibility
from voting.budget_selectors import budget_outcomes, is_budget_vote, project_budgets
from voting.models import ProjectVoting
from voting.pabulib import budget_pabulib

# Per proposal of a budget: the ballots that pick it and their weights (the weighted
# approval score every rule starts from).
SCORES_SQL = """
SELECT picked, count(*), sum(b.weight)
FROM voting_ballot b CROSS JOIN LATERAL unnest(b.proposals) AS picked
WHERE b.budget_id = %s
GROUP BY picked
"""
TOTALS_SQL = "SELECT count(*), coalesce(sum(weight), 0) FROM voting_ballot WHERE budget_id = %s"


def budgets_read(project: Project) -> tuple[list[dict], dict[int, str]]:
    """The budget section's rows, one per budget (the whole city's first), and each
    budget's pabulib text by budget id. Nothing for a project that votes for/against."""
    if not is_budget_vote(project):
        return [], {}
    rules = ProjectVoting.objects.get(project=project)
    # The official rule first, then the other, side by side.
    order = [rules.budget_rule] + [r for r in BudgetRule.values if r != rules.budget_rule]
    rows, texts = [], {}
    for budget in project_budgets(project).prefetch_related("outcomes"):
        row = _budget(budget, order)
        official = row["rules"][0]["weighted"]
        # The file's `selected` column: what the official rule funds, once computed.
        text = budget_pabulib(budget, funded=official["funded"] if official else None)
        texts[budget.pk] = text
        row["currency"] = rules.currency
        row["pabulib_sha256"] = hashlib.sha256(text.encode()).hexdigest()
        rows.append(row)
    return rows, texts


def _budget(budget, order: list[str]) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(SCORES_SQL, [budget.pk])
        scores = {pid: (voters, weight) for pid, voters, weight in cursor.fetchall()}
        cursor.execute(TOTALS_SQL, [budget.pk])
        ballots, total_weight = cursor.fetchone()
    outcomes = budget_outcomes(budget)
    funded_anywhere = {pid for o in outcomes.values() for pid in o.funded}
    # The proposals in the ballot (assessed feasible with a cost, public), and any an
    # outcome funded that has left it since (hidden later: still named, as funded).
    assessed = (Assessment.objects.filter(budget=budget)
                .filter(Q(feasibility=Feasibility.FEASIBLE, cost__isnull=False,
                          proposal__in=Proposal.objects.public())
                        | Q(proposal_id__in=funded_anywhere))
                .select_related("proposal").order_by("proposal_id"))
    proposals = []
    for a in assessed:
        voters, weight = scores.get(a.proposal_id, (0, Decimal(0)))
        proposals.append({"id": a.proposal_id, "title": a.proposal.title, "cost": a.cost,
                          "score": weight, "voters": voters,
                          "geometry": a.proposal.geometry})
    unfeasible = [{"id": a.proposal_id, "title": a.proposal.title,
                   "reason": a.unfeasible_reason}
                  for a in Assessment.objects.filter(
                      budget=budget, feasibility=Feasibility.UNFEASIBLE,
                      proposal__in=Proposal.objects.public())
                  .select_related("proposal").order_by("proposal_id")]
    return {"id": budget.pk, "district": budget.area.name if budget.area_id else None,
            "area": budget.area.geometry if budget.area_id else None,
            "amount": budget.amount, "ballots": ballots, "total_weight": total_weight,
            "proposals": proposals, "unfeasible": unfeasible,
            "rules": [_rule(rule, outcomes, official=n == 0) for n, rule in enumerate(order)]}


def _outcome(outcome) -> dict | None:
    if outcome is None:
        return None
    return {"funded": list(outcome.funded), "spent": outcome.spent,
            "ballots": outcome.ballots, "total_weight": outcome.total_weight,
            "final": outcome.final, "computed_at": outcome.computed_at}


def _rule(rule: str, outcomes: dict, *, official: bool) -> dict:
    weighted = _outcome(outcomes.get((rule, False)))
    equal = _outcome(outcomes.get((rule, True)))
    row = {"rule": rule, "official": official, "weighted": weighted, "equal": equal,
           "gained": [], "lost": []}
    if weighted and equal:
        # Funded thanks to the weights / funded only if every ballot weighed the same.
        row["gained"] = [p for p in weighted["funded"] if p not in set(equal["funded"])]
        row["lost"] = [p for p in equal["funded"] if p not in set(weighted["funded"])]
    return row
