from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="language",
            field=models.CharField(blank=True, choices=settings.LANGUAGES, default="",
                                   db_default="",
                                   help_text="The language of the e-mails Plaza sends you.",
                                   max_length=10, verbose_name="language"),
        ),
    ]
