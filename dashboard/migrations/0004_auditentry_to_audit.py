"""The audit log now lives in the `audit` app (audit/migrations/0001_initial.py): forget
the model here, in Django's state only, so that its table and rows stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("dashboard", "0003_audit_layer_update"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEntry")],
            database_operations=[],
        ),
    ]
