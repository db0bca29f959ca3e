"""Each project gets a random key for its link (an unlisted project opens only with it).

In three steps, so that every existing project gets a key of its own: a column default
is computed once, and the keys must be unique."""

import secrets

from django.db import migrations, models

import proposals.models


def fill_keys(apps, schema_editor):
    Project = apps.get_model("proposals", "Project")
    for project in Project.objects.filter(link_key__isnull=True).only("pk"):
        Project.objects.filter(pk=project.pk).update(link_key=secrets.token_urlsafe(18))


class Migration(migrations.Migration):

    dependencies = [
        ("proposals", "0003_constraint_feedback"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="link_key",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="project",
            name="link_key",
            field=models.CharField(default=proposals.models.link_key_new, editable=False,
                                   max_length=32, unique=True),
        ),
    ]
