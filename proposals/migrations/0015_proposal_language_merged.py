"""A proposal's and a comment's language (full-text search stems each in its own), and
merging a duplicate into another proposal (status "merged", `merged_into`).

Existing texts are taken to be in their municipality's first language, else English.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('municipalities', '0002_default_municipality'),
        ('proposals', '0014_project_scope_area_same_municipality'),
        ('gisdata', '0010_trigram'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='comment',
            name='language',
            field=models.CharField(choices=[('en', 'English'), ('ca', 'Català'), ('es', 'Español')], default='en', max_length=10),
        ),
        migrations.AddField(
            model_name='proposal',
            name='language',
            field=models.CharField(choices=[('en', 'English'), ('ca', 'Català'), ('es', 'Español')], default='en', max_length=10),
        ),
        migrations.AddField(
            model_name='proposal',
            name='merged_into',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='merged', to='proposals.proposal'),
        ),
        migrations.AlterField(
            model_name='proposal',
            name='status',
            field=models.CharField(choices=[('submitted', 'Submitted, awaiting moderation'), ('published', 'Published'), ('shortlisted', 'Shortlisted'), ('accepted', 'Accepted'), ('rejected', 'Rejected'), ('implemented', 'Implemented'), ('withdrawn', 'Withdrawn by its author'), ('merged', 'Merged into another proposal')], default='submitted', max_length=12),
        ),
        migrations.AddConstraint(
            model_name='proposal',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('merged_into__isnull', False), ('status', 'merged')), models.Q(models.Q(('status', 'merged'), _negated=True), ('merged_into__isnull', True)), _connector='OR'), name='proposals_merged_into_set'),
        ),
        migrations.AddConstraint(
            model_name='proposal',
            constraint=models.CheckConstraint(condition=models.Q(('merged_into__isnull', True), models.Q(('merged_into', models.F('pk')), _negated=True), _connector='OR'), name='proposals_not_merged_into_itself'),
        ),
        migrations.RunSQL(
            """
            UPDATE proposals_proposal p SET language = m.languages[1]
              FROM proposals_project pr JOIN municipalities_municipality m
                ON m.id = pr.municipality_id
             WHERE pr.id = p.project_id AND cardinality(m.languages) > 0;
            UPDATE proposals_comment c SET language = p.language
              FROM proposals_proposal p WHERE p.id = c.proposal_id;
            """,
            migrations.RunSQL.noop),
    ]
