# Decision reports (reports/models.py).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import accounts.storage


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('gisdata', '0002_constraint'),
        ('proposals', '0003_constraint_feedback'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DecisionReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('succeeded', 'Succeeded'), ('failed', 'Failed')], default='queued', max_length=10)),
                ('attempt', models.PositiveSmallIntegerField(default=0, help_text='Deliveries of the task so far: a worker that died is retried.')),
                ('progress_done', models.PositiveIntegerField(default=0)),
                ('progress_total', models.PositiveIntegerField(default=0)),
                ('message', models.TextField(blank=True, help_text='Why it failed, for the planner.')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('snapshot_at', models.DateTimeField(blank=True, help_text='The moment of the data every number comes from.', null=True)),
                ('weights', models.JSONField(blank=True, default=list, help_text='The role weights used: [{role, name, weight}, …].')),
                ('checksum', models.CharField(blank=True, help_text='SHA-256 of the data the report was built from.', max_length=64)),
                ('summary', models.JSONField(blank=True, default=dict, help_text='Headline numbers: participants, proposals, votes…')),
                ('pdf', models.FileField(blank=True, editable=False, help_text='The report for the council.', max_length=300, storage=accounts.storage.private_storage, upload_to='')),
                ('csv', models.FileField(blank=True, editable=False, help_text='The ranking, one row per proposal.', max_length=300, storage=accounts.storage.private_storage, upload_to='')),
                ('geojson', models.FileField(blank=True, editable=False, help_text='The proposals with their results.', max_length=300, storage=accounts.storage.private_storage, upload_to='')),
                ('is_published', models.BooleanField(default=False)),
                ('published_at', models.DateTimeField(blank=True, null=True)),
                ('district_layer', models.ForeignKey(blank=True, help_text="Polygons to count participation in (e.g. the city's districts).", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='gisdata.layer')),
                ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reports', to='proposals.project')),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-pk'],
                'permissions': [('publish_decisionreport', "Can publish a project's final report")],
                'constraints': [models.CheckConstraint(condition=models.Q(('progress_done__lte', models.F('progress_total')), ('progress_total', 0), _connector='OR'), name='reports_progress'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'failed'), _negated=True), models.Q(('message', ''), _negated=True), _connector='OR'), name='reports_failure_explained'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'succeeded'), _negated=True), models.Q(models.Q(('pdf', ''), _negated=True), models.Q(('csv', ''), _negated=True), models.Q(('geojson', ''), _negated=True), ('checksum__regex', '^[0-9a-f]{64}$'), ('snapshot_at__isnull', False), ('finished_at__isnull', False)), _connector='OR'), name='reports_success_complete'), models.CheckConstraint(condition=models.Q(models.Q(('is_published', True), _negated=True), ('status', 'succeeded'), _connector='OR'), name='reports_published_succeeded'), models.UniqueConstraint(condition=models.Q(('is_published', True)), fields=('project',), name='reports_one_published_per_project')],
            },
        ),
    ]
