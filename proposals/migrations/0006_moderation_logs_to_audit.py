"""Copy into the audit log every moderation event it lacks, before 0007 drops them.

Since the audit log exists, every service that wrote a `ModerationEvent` (a proposal
hidden, restored or given a status) or a `CommentModerationEvent` (a comment hidden or
restored) wrote an `AuditEntry` in the same transaction. Events from before then, or
from any path that skipped the log, have none: each event without an entry of the same
target and action, created within two seconds of it, is copied into the log with its own
time, actor, reason and target, marked `{"copied_from": …}` in its details. Entries are
appended with SQL because the log's `created_at` is set on insert by the ORM, and the
log refuses UPDATE (dashboard's migration 0002).

Undoing it removes nothing: the log is append-only, and the events stay where they are
until 0007.
"""

import json
from datetime import timedelta

from django.db import migrations

WINDOW = timedelta(seconds=2)
INSERT = """
    INSERT INTO dashboard_auditentry (created_at, actor_id, actor_name, action, target_type,
                                      target_id, target_label, project_id, reason, details)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb)
"""


def _actor_name(actor) -> str:
    """As `audit.services.audit_record` names an actor, or who it was when erased."""
    if actor is None:
        return "(erased account)"
    name = actor.display_name or actor.username
    return (f"{name} ({actor.username})" if name != actor.username else name)[:150]


def _label(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= 300 else text[:299] + "…"


def _copy_missing(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    ModerationEvent = apps.get_model("proposals", "ModerationEvent")
    CommentModerationEvent = apps.get_model("proposals", "CommentModerationEvent")
    rows = []
    for event in ModerationEvent.objects.select_related("proposal", "actor").order_by("pk"):
        details = {"copied_from": "proposals.moderationevent"}
        reason = event.reason
        if event.action == "status":
            details["status"] = event.detail
            if reason == f"Now {event.detail}.":  # written for want of an answer
                reason = ""
        rows.append((event, f"proposal.{event.action}", "proposals.proposal",
                     event.proposal_id, _label(event.proposal.title),
                     event.proposal.project_id, reason, details))
    for event in CommentModerationEvent.objects.select_related(
            "comment__proposal", "actor").order_by("pk"):
        comment = event.comment
        rows.append((event, f"comment.{event.action}", "proposals.comment", comment.pk,
                     f"Comment {comment.pk} on proposal {comment.proposal_id}",
                     comment.proposal.project_id, event.reason,
                     {"copied_from": "proposals.commentmoderationevent",
                      "proposal_id": comment.proposal_id}))
    with schema_editor.connection.cursor() as cursor:
        for event, action, target_type, target_id, label, project_id, reason, details in rows:
            if AuditEntry.objects.filter(
                    target_type=target_type, target_id=target_id, action=action,
                    created_at__range=(event.created_at - WINDOW,
                                       event.created_at + WINDOW)).exists():
                continue
            cursor.execute(INSERT, [event.created_at, event.actor_id,
                                    _actor_name(event.actor), action, target_type,
                                    target_id, label, project_id, reason,
                                    json.dumps(details)])


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
        ("proposals", "0005_project_category_translations"),
    ]

    operations = [
        migrations.RunPython(_copy_missing, migrations.RunPython.noop, elidable=False),
    ]
