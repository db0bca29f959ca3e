"""A report remembers when voting was to close if it was still open at its snapshot: it is
provisional, and its card on the project page says so however the phases move later.
Reports compiled before this are read against their project's voting phase as it is."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    DecisionReport = apps.get_model("reports", "DecisionReport")
    Phase = apps.get_model("proposals", "Phase")
    for report in DecisionReport.objects.exclude(snapshot_at=None).iterator():
        phase = Phase.objects.filter(project_id=report.project_id, kind="voting",
                                     starts_at__lte=report.snapshot_at,
                                     ends_at__gt=report.snapshot_at).first()
        if phase is not None:
            DecisionReport.objects.filter(pk=report.pk).update(voting_open_until=phase.ends_at)


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0001_initial"),
        ("proposals", "0004_project_link_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="decisionreport",
            name="voting_open_until",
            field=models.DateTimeField(
                blank=True, null=True, help_text="When voting was to close, if it was still "
                "open at the snapshot: the report is provisional."),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
