"""The moderation logs go; what is left of `ModerationEvent` is the status e-mail outbox.

Everything they held is in the audit log (0006 copied what it lacked), and the
moderation log holds status changes only (0007). Here:
- `CommentModerationEvent` is dropped: only an admin inline read it.
- `ModerationEvent` becomes `ProposalStatusNotice` (the table renamed, so the ids that
  queued e-mail tasks carry still name their row): `detail` → `status`, `reason` →
  `answer`; `action` and `actor` go.

Undoing it gives back an empty comment log and a status-only moderation log.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("proposals", "0007_status_changes_only"),
    ]

    operations = [
        migrations.DeleteModel(name="CommentModerationEvent"),
        # The default only matters backwards: the column comes back filled in.
        migrations.AlterField(
            model_name="moderationevent", name="action",
            field=models.CharField(default="status", max_length=10, choices=[
                ("hide", "Hidden"), ("restore", "Restored"), ("status", "Status changed")]),
        ),
        migrations.RemoveField(model_name="moderationevent", name="action"),
        migrations.RemoveField(model_name="moderationevent", name="actor"),
        migrations.RenameField(model_name="moderationevent", old_name="detail",
                               new_name="status"),
        migrations.RenameField(model_name="moderationevent", old_name="reason",
                               new_name="answer"),
        migrations.RenameModel(old_name="ModerationEvent", new_name="ProposalStatusNotice"),
        migrations.AlterField(
            model_name="proposalstatusnotice", name="status",
            field=models.CharField(max_length=40),
        ),
        migrations.AlterField(
            model_name="proposalstatusnotice", name="answer",
            field=models.TextField(blank=True, max_length=5000),
        ),
        migrations.AlterField(
            model_name="proposalstatusnotice", name="proposal",
            field=models.ForeignKey(on_delete=models.deletion.CASCADE,
                                    related_name="status_notices", to="proposals.proposal"),
        ),
    ]
