from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_user_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="terms_version",
            field=models.CharField(blank=True, db_default="", default="", max_length=20,
                                   verbose_name="terms version accepted"),
        ),
        migrations.AddField(
            model_name="user",
            name="terms_accepted_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="terms accepted at"),
        ),
    ]
