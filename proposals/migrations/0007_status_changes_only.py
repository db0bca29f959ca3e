"""Keep only the status changes of the moderation log, as the e-mail outbox they become
in 0008 (0006 copied the rest into the audit log).

A planner's own proposal gets no notice any more: an unsent one (its task never ran) is
marked as settled, as the task would have done, so that no e-mail leaves for it after
this. "Now <status>.", which the service wrote for want of an answer, becomes blank.
A migration of its own: PostgreSQL alters no table with row changes still pending in the
same transaction.
"""

from django.db import migrations
from django.db.models import F


def _keep_status_changes(apps, schema_editor):
    ModerationEvent = apps.get_model("proposals", "ModerationEvent")
    ModerationEvent.objects.exclude(action="status").delete()
    ModerationEvent.objects.filter(notified_at__isnull=True,
                                   actor_id=F("proposal__author_id")).update(
        notified_at=F("created_at"))
    for event in ModerationEvent.objects.filter(reason__startswith="Now "):
        if event.reason == f"Now {event.detail}.":
            ModerationEvent.objects.filter(pk=event.pk).update(reason="")


def _reasons_back(apps, schema_editor):
    ModerationEvent = apps.get_model("proposals", "ModerationEvent")
    for event in ModerationEvent.objects.filter(reason=""):
        ModerationEvent.objects.filter(pk=event.pk).update(reason=f"Now {event.detail}.")


class Migration(migrations.Migration):

    dependencies = [
        ("proposals", "0006_moderation_logs_to_audit"),
    ]

    operations = [
        migrations.RunPython(_keep_status_changes, _reasons_back),
    ]
