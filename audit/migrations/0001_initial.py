"""The audit log moves from `dashboard` to its own app with its table and rows untouched.

The model is created in Django's state only (`SeparateDatabaseAndState`): its table,
`dashboard_auditentry`, exists already with its rows, indexes, constraints and the
append-only trigger (dashboard migrations 0001–0003). Dashboard's 0004 then forgets the
model from its own state. The content type is renamed in place, so the permission
`view_auditentry` and whoever holds it (the planner group, a city's own grants) follow.
"""

from django.db import migrations, models


def content_type_move(apps, schema_editor, source="dashboard", destination="audit"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label=destination, model="auditentry").exists():
        return  # a database where post_migrate already made the new one: nothing to carry
    ContentType.objects.filter(app_label=source, model="auditentry").update(
        app_label=destination)


def content_type_back(apps, schema_editor):
    content_type_move(apps, schema_editor, source="audit", destination="dashboard")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("dashboard", "0003_audit_layer_update"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('actor_id', models.BigIntegerField(blank=True, help_text="The user's id; the user may be gone.", null=True)),
                        ('actor_name', models.CharField(help_text='As it was at the time.', max_length=150)),
                        ('action', models.CharField(choices=[('proposal.hide', 'Proposal hidden'), ('proposal.restore', 'Proposal restored'), ('proposal.dismiss', 'Reports on a proposal dismissed'), ('proposal.status', 'Proposal status changed'), ('proposal.answer', 'Official answer written'), ('comment.hide', 'Comment hidden'), ('comment.restore', 'Comment restored'), ('comment.dismiss', 'Reports on a comment dismissed'), ('claim.verify', 'Role claim verified'), ('claim.reject', 'Role claim rejected'), ('claim.revoke', 'Role verification revoked'), ('claim.expiry', 'Role verification expiry changed'), ('weights.set', 'Voting weights set'), ('project.create', 'Project created'), ('project.update', 'Project changed'), ('layer.publish', 'Layer published'), ('layer.unpublish', 'Layer unpublished'), ('layer.style', 'Layer style changed'), ('layer.update', 'Layer title or labels changed'), ('constraint.create', 'Constraint added'), ('constraint.update', 'Constraint changed'), ('constraint.delete', 'Constraint removed')], max_length=24)),
                        ('target_type', models.CharField(help_text='e.g. proposals.proposal', max_length=40)),
                        ('target_id', models.BigIntegerField(blank=True, null=True)),
                        ('target_label', models.CharField(blank=True, max_length=300)),
                        ('project_id', models.BigIntegerField(blank=True, db_index=True, null=True)),
                        ('reason', models.TextField(blank=True, max_length=5000)),
                        ('details', models.JSONField(blank=True, default=dict, help_text='What changed: before and after values.')),
                    ],
                    options={
                        'verbose_name': 'audit entry',
                        'verbose_name_plural': 'audit log',
                        'db_table': 'dashboard_auditentry',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(fields=['target_type', 'target_id'], name='dashboard_a_target__f7cd8c_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('action', ''), _negated=True), name='dashboard_audit_action'), models.CheckConstraint(condition=models.Q(('actor_name', ''), _negated=True), name='dashboard_audit_actor')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_move, content_type_back, elidable=False),
    ]
