"""A proposal's and a comment's language defaults to English in the database too, so
that rows written by plain SQL (bulk loads, the benchmarks' seeds) need not name it."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('proposals', '0016_search'),
    ]

    operations = [
        migrations.AlterField(
            model_name='comment',
            name='language',
            field=models.CharField(choices=[('en', 'English'), ('ca', 'Català'), ('es', 'Español')], db_default='en', default='en', max_length=10),
        ),
        migrations.AlterField(
            model_name='proposal',
            name='language',
            field=models.CharField(choices=[('en', 'English'), ('ca', 'Català'), ('es', 'Español')], db_default='en', default='en', max_length=10),
        ),
    ]
