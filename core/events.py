"""What happens on the platform, told to whoever listens, without the teller knowing them.

The apps low in the house (proposals, voting) emit an event when something a participant
may want to hear of happens: a proposal is published, its status changes, a comment is
posted, a phase starts, results are published, a duplicate is merged. The apps above
(notifications) register a listener from their `AppConfig.ready()`; the lower apps never
import them (docs/architecture.md, "One-way layers").

Listeners run synchronously, inside the caller's transaction: what they write (an event
row) commits or rolls back with the action itself, so an action is never told without
having happened, nor happens without being told. A listener must be quick and must not
send anything itself: it records, and a worker delivers after the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

PROPOSAL_PUBLISHED = "proposal_published"  # a new proposal everyone may now see
PROPOSAL_STATUS = "proposal_status"        # a planner changed its status or answered it
COMMENT_POSTED = "comment_posted"          # a new comment or reply
PHASE_STARTED = "phase_started"            # ideation, voting… opened (by the clock)
RESULTS_PUBLISHED = "results_published"    # a project's results became public
PROPOSAL_MERGED = "proposal_merged"        # a duplicate was merged into another proposal

KINDS = (PROPOSAL_PUBLISHED, PROPOSAL_STATUS, COMMENT_POSTED, PHASE_STARTED,
         RESULTS_PUBLISHED, PROPOSAL_MERGED)


@dataclass(frozen=True)
class Event:
    """One thing that happened. `project_id` always; the rest as the kind needs:
    `proposal_id` (all but phase and results), `comment_id` (comment_posted), `phase_id`
    (phase_started), `actor_id` (who did it: never told of their own act), `data`
    (JSON-able details: the new status, the proposal merged into…)."""

    kind: str
    project_id: int
    proposal_id: int | None = None
    comment_id: int | None = None
    phase_id: int | None = None
    actor_id: int | None = None
    data: dict = field(default_factory=dict)


_listeners: list[Callable[[Event], None]] = []


def event_listener_register(listener: Callable[[Event], None]) -> None:
    """Add a listener (once: registering the same function again does nothing)."""
    if listener not in _listeners:
        _listeners.append(listener)


def event_emit(kind: str, *, project_id: int, **fields) -> Event:
    """Tell every listener that `kind` happened; call it inside the action's transaction."""
    if kind not in KINDS:
        raise ValueError(f"Unknown event kind {kind!r}.")
    event = Event(kind=kind, project_id=project_id, **fields)
    for listener in _listeners:
        listener(event)
    return event
