"""Who may vote on a proposal, beyond voting's own rules: gates that apps above proposals
add for their own proposals (an energy community's sharing options are voted on by its
members only: energy/gates.py).

Voting consults the gates when it casts a vote or a budget ballot
(voting/services.py, voting/budget_services.py); the apps that know a rule register it
from their `AppConfig.ready()`. The registry lives here, on the proposals floor, because
voting and energy share a floor and may not import each other; both may import proposals.

A gate is a function `(user, proposal) -> str | None`: the refusal, in the voter's words,
or None to let the vote through. The one-statement vote (voting's `_cast_at_once`) runs
no Python between reading the proposal and writing the vote, so a gate also says which
proposals it may refuse (`proposals_in`: a table and a column of proposal ids); that
statement leaves those to the step-by-step path, which asks the gate. A gate that names
no table is asked about every vote, and every vote then takes the step-by-step path:
slower, never wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection

Gate = Callable[[object, object], "str | None"]


@dataclass(frozen=True)
class VoteGate:
    check: Gate
    # (table, column): the ids of the proposals this gate may refuse; None: any proposal.
    proposals_in: tuple[str, str] | None


_GATES: list[VoteGate] = []


def vote_gate_register(check: Gate, *, proposals_in: tuple[str, str] | None = None) -> None:
    """Add a gate (registering the same function twice keeps one)."""
    gate = VoteGate(check=check, proposals_in=proposals_in)
    if gate not in _GATES:
        _GATES.append(gate)


def vote_gate_refusal(*, user, proposal) -> str | None:
    """The first gate's refusal of `user`'s vote on `proposal`, or None."""
    for gate in _GATES:
        reason = gate.check(user, proposal)
        if reason:
            return str(reason)
    return None


def vote_gate_refusals(*, user, proposals: Iterable) -> list[str]:
    """Every distinct refusal of `user`'s picks (a budget ballot), in the picks' order."""
    if not _GATES:
        return []
    reasons = (vote_gate_refusal(user=user, proposal=p) for p in proposals)
    return list(dict.fromkeys(r for r in reasons if r))


def vote_gates_pass_sql(proposal_id: str) -> str:
    """An SQL condition, true when no gate may refuse a vote on the proposal whose id is
    the expression `proposal_id` (a column of the caller's statement, not a value)."""
    if any(gate.proposals_in is None for gate in _GATES):
        return "FALSE"
    conditions = ["TRUE"]
    for gate in _GATES:
        table, column = (connection.ops.quote_name(name) for name in gate.proposals_in)
        # Names registered in code, quoted; no value is put in the text.
        conditions.append(f"NOT EXISTS (SELECT 1 FROM {table} "  # noqa: S608
                          f"WHERE {table}.{column} = {proposal_id})")
    return " AND ".join(conditions)
