"""When a planner merges a duplicate into another proposal, its followers follow the
target (docs/duplicates.md).

A listener of core/events.py, run inside the merge's transaction
(voting.merge_services.proposal_merge), so the follows move exactly when the merge
commits:

- each Follow row of the duplicate moves to the target, active or not (a row is what the
  person chose: someone who stopped following the duplicate is not made to follow the
  target), unless the person already has a row for the target, which says what they
  chose there: then the duplicate's row is dropped;
- the duplicate's author, who follows it without a row, now follows the target with
  one, unless they have a row for it or wrote it. Its voters need nothing here: their
  votes moved to the target, and voters follow what they voted on.
"""

from __future__ import annotations

from django.db import connection

from core import events

_MOVE = """
UPDATE notifications_follow f SET proposal_id = %(target)s
 WHERE f.proposal_id = %(duplicate)s
   AND NOT EXISTS (SELECT 1 FROM notifications_follow g
                    WHERE g.proposal_id = %(target)s AND g.user_id = f.user_id)
"""
_DROP = "DELETE FROM notifications_follow WHERE proposal_id = %(duplicate)s"
_AUTHOR = """
INSERT INTO notifications_follow (user_id, municipality_id, proposal_id, name, active,
                                  created_at)
SELECT d.author_id, pj.municipality_id, t.id, '', true, now()
  FROM proposals_proposal d
  JOIN proposals_proposal t ON t.id = %(target)s
  JOIN proposals_project pj ON pj.id = t.project_id
  JOIN accounts_user u ON u.id = d.author_id AND u.is_active
 WHERE d.id = %(duplicate)s AND d.author_id IS DISTINCT FROM t.author_id
ON CONFLICT DO NOTHING
"""


def follows_carry(*, duplicate_id: int, target_id: int) -> int:
    """Move the duplicate's follows to the target (see above); how many now follow it
    that did not."""
    params = {"duplicate": duplicate_id, "target": target_id}
    with connection.cursor() as cursor:
        cursor.execute(_MOVE, params)
        moved = cursor.rowcount
        cursor.execute(_DROP, params)
        cursor.execute(_AUTHOR, params)
        return moved + cursor.rowcount


def _on_event(event: events.Event) -> None:
    if event.kind == events.PROPOSAL_MERGED:
        follows_carry(duplicate_id=event.proposal_id, target_id=event.data["into"])


events.event_listener_register(_on_event)
