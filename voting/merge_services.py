"""Merging a duplicate proposal into another: its supporters carried over
(docs/duplicates.md).

`proposal_merge` is the one entry point (the dashboard's merge page calls it). In one
transaction it moves the duplicate's votes and its places on budget ballots to the
target, marks the duplicate merged (proposals/merge.py), writes the audit entry with
the counts, and emits PROPOSAL_MERGED, on which the notifications app moves the
duplicate's followers (notifications/merge.py) and tells its author and voters.

What happens to the votes depends on where the project's vote stands, because the
database takes votes and ballots only while voting is open (voting 0003, 0007, 0008):

- **before voting opens** there is nothing to carry: no vote or ballot exists yet;
- **while voting is open** each vote moves to the target, except where the voter also
  voted on the target: that vote, the one they gave the target itself, is kept, and the
  one on the duplicate is dropped. Each budget ballot that picked the duplicate picks the
  target instead when the ballot's rules allow it (the target is feasible, costed, in
  the same budget and open to votes, and the ballot stays within the budget and the
  allowed count); one that already picked the target simply drops the duplicate when
  it keeps enough picks. Any other ballot is left as it is: the duplicate's pick counts
  for nothing from now on (as a hidden proposal's does), and the voter, told of the
  merge, may change their ballot while voting is open;
- **once voting has closed** the result stands: a duplicate that holds votes or ballot
  picks is not merged (it would take them out of the result); one without is.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.models import AuditAction
from audit.services import audit_record
from core import events
from proposals import rules
from proposals.merge import proposal_mark_merged, why_not_merge
from proposals.models import PhaseKind, Proposal
from voting.budget_models import Ballot
from voting.models import Vote

NOT_YET, OPEN, CLOSED = "not_yet", "open", "closed"


def voting_state(proposal: Proposal, at=None) -> str:
    """Where the vote of the proposal's project stands: not yet open (or no voting
    phase), open, or closed."""
    at = at or timezone.now()
    phase = proposal.project.phases.filter(kind=PhaseKind.VOTING).first()
    if phase is None or at < phase.starts_at:
        return NOT_YET
    return OPEN if at < phase.ends_at else CLOSED


@dataclass(frozen=True)
class MergePreview:
    """What a merge would carry, for the planner's confirmation page."""

    voting: str
    votes: int            # on the duplicate
    votes_both: int       # by voters who also voted on the target: the target's kept
    ballots: int          # budget ballots that pick the duplicate
    refusal: str | None   # why it cannot be merged, or None


def merge_preview(*, duplicate: Proposal, target: Proposal) -> MergePreview:
    state = voting_state(duplicate)
    votes = Vote.objects.filter(proposal=duplicate)
    both = votes.filter(user__isnull=False, user__in=Vote.objects.filter(
        proposal=target).values("user"))
    ballots = Ballot.objects.filter(project=duplicate.project_id,
                                    proposals__contains=[duplicate.pk])
    preview = MergePreview(voting=state, votes=votes.count(), votes_both=both.count(),
                           ballots=ballots.count(), refusal=None)
    refusal = why_not_merge(duplicate, target)
    if refusal is None and state == CLOSED and (preview.votes or preview.ballots):
        refusal = _("Voting has closed: the duplicate's votes can no longer move, and "
                    "merging it would take them out of the result.")
    return MergePreview(**{**asdict(preview), "refusal": refusal})


@dataclass(frozen=True)
class MergeResult:
    voting: str
    votes_moved: int
    votes_dropped: int     # the voter's vote on the target was kept instead
    ballots_carried: int
    ballots_left: int      # the rules did not allow the target on them


_VOTES_DROP = """
DELETE FROM voting_vote d
 WHERE d.proposal_id = %(duplicate)s AND d.user_id IS NOT NULL
   AND EXISTS (SELECT 1 FROM voting_vote t
                WHERE t.proposal_id = %(target)s AND t.user_id = d.user_id)
"""
_VOTES_MOVE = """
UPDATE voting_vote SET proposal_id = %(target)s, updated_at = %(now)s
 WHERE proposal_id = %(duplicate)s
"""
# Each ballot that picks the duplicate, with the target in its place (or, when it picks
# the target already, without the duplicate).
_BALLOT_PICKS = """
SELECT id, CASE WHEN %(target)s = ANY(proposals)
                THEN array_remove(proposals, %(duplicate)s::bigint)
                ELSE array_replace(proposals, %(duplicate)s::bigint, %(target)s::bigint) END
  FROM voting_ballot
 WHERE project_id = %(project)s AND %(duplicate)s = ANY(proposals)
 ORDER BY id
"""


def _ballots_carry(params: dict) -> int:
    """Write each ballot's new picks where the database's ballot rules take them
    (voting_ballot_checked, voting 0007: same budget, feasible and costed, open to votes,
    within the amount and the count); a ballot they refuse is left as it was. Each write
    in a savepoint of its own, so that a refused ballot does not undo the merge."""
    with connection.cursor() as cursor:
        cursor.execute(_BALLOT_PICKS, params)
        picks = cursor.fetchall()
    carried = 0
    for ballot_id, proposals in picks:
        try:
            with transaction.atomic():
                Ballot.objects.filter(pk=ballot_id).update(proposals=proposals,
                                                           updated_at=params["now"])
        except IntegrityError:  # the trigger's check_violation: the rules refuse it
            continue
        carried += 1
    return carried


def _carry(duplicate: Proposal, target: Proposal, state: str) -> MergeResult:
    params = {"duplicate": duplicate.pk, "target": target.pk,
              "project": duplicate.project_id, "now": timezone.now()}
    ballots = Ballot.objects.filter(project=duplicate.project_id,
                                    proposals__contains=[duplicate.pk]).count()
    if state != OPEN:  # nothing to carry (checked: a closed vote with some is refused)
        return MergeResult(state, 0, 0, 0, ballots)
    with connection.cursor() as cursor:
        cursor.execute(_VOTES_DROP, params)
        dropped = cursor.rowcount
        cursor.execute(_VOTES_MOVE, params)
        moved = cursor.rowcount
    carried = _ballots_carry(params)
    return MergeResult(state, moved, dropped, carried, ballots - carried)


def proposal_merge(*, planner, duplicate: Proposal, target: Proposal,
                   reason: str) -> MergeResult:
    """Merge `duplicate` into `target` (same project; the duplicate neither merged nor
    hidden, the target public), carrying its supporters over as the module says."""
    if not rules.can_answer(planner):
        raise PermissionDenied(_("Only planners can merge proposals."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why these proposals are the same.")})
    if duplicate.pk == target.pk:
        raise ValidationError(why_not_merge(duplicate, target))
    with transaction.atomic():
        # Both rows locked, in a fixed order, before anything is read about them: two
        # planners merging the same pair, or A into B and B into A, wait for each other.
        locked = {p.pk: p for p in Proposal.objects.select_for_update(of=("self",))
                  .select_related("project").filter(pk__in=[duplicate.pk, target.pk])
                  .order_by("pk")}
        if len(locked) != 2:
            raise ValidationError(_("One of these proposals changed meanwhile; reload the "
                                    "page."))
        duplicate, target = locked[duplicate.pk], locked[target.pk]
        preview = merge_preview(duplicate=duplicate, target=target)
        if preview.refusal:
            raise ValidationError(preview.refusal)
        result = _carry(duplicate, target, preview.voting)
        proposal_mark_merged(duplicate=duplicate, target=target)
        audit_record(actor=planner, action=AuditAction.PROPOSAL_MERGE, target=duplicate,
                     reason=reason, project_id=duplicate.project_id,
                     details={"duplicate": duplicate.pk, "into": target.pk,
                              "into_title": target.title, **asdict(result)})
        events.event_emit(events.PROPOSAL_MERGED, project_id=duplicate.project_id,
                          proposal_id=duplicate.pk, actor_id=planner.pk,
                          data={"into": target.pk})
    return result


def merge_summary(result: MergeResult) -> str:
    """The counts of a merge in the planner's words, for the page's message."""
    parts = [ngettext("%(n)s vote carried over", "%(n)s votes carried over",
                      result.votes_moved) % {"n": result.votes_moved}]
    if result.votes_dropped:
        parts.append(ngettext(
            "%(n)s voter had voted on both: their vote on the target was kept",
            "%(n)s voters had voted on both: their votes on the target were kept",
            result.votes_dropped) % {"n": result.votes_dropped})
    if result.ballots_carried or result.ballots_left:
        parts.append(ngettext("%(n)s budget ballot carried over",
                              "%(n)s budget ballots carried over",
                              result.ballots_carried) % {"n": result.ballots_carried})
    if result.ballots_left:
        parts.append(ngettext(
            "%(n)s ballot could not take the target and was left as it was",
            "%(n)s ballots could not take the target and were left as they were",
            result.ballots_left) % {"n": result.ballots_left})
    return "; ".join(parts) + "."
