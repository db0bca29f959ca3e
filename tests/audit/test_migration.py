"""The audit log moved from `dashboard` to its own app: an existing database keeps its
entries, its append-only trigger and who may read the log, both ways."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import ProgrammingError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from accounts.groups import PLANNER_GROUP
from audit.models import AuditEntry

BEFORE = [("dashboard", "0003_audit_layer_update"), ("audit", None)]


def migrate(targets):
    """Migrate to `targets` (None: the latest); the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor.loader.project_state([t for t in targets if t[1]]).apps if targets \
        else None


def planner_may_read(app_label: str) -> bool:
    return Group.objects.get(name=PLANNER_GROUP).permissions.filter(
        content_type__app_label=app_label, codename="view_auditentry").exists()


@pytest.mark.django_db(transaction=True)
def test_an_entry_written_before_the_move_is_read_after_it_and_back():
    Group.objects.get_or_create(name=PLANNER_GROUP)[0].permissions.add(
        *ContentType.objects.get(app_label="audit", model="auditentry").permission_set.filter(
            codename="view_auditentry"))
    old = migrate(BEFORE)
    entry = old.get_model("dashboard", "AuditEntry").objects.create(
        actor_name="planner", action="proposal.hide", target_type="proposals.proposal",
        target_id=7, target_label="Trees on Carrer Gran", reason="Insults a neighbour.")
    assert planner_may_read("dashboard") and not planner_may_read("audit")

    migrate(None)
    moved = AuditEntry.objects.get(pk=entry.pk)
    assert (moved.action, moved.target_label, moved.reason) == (
        "proposal.hide", "Trees on Carrer Gran", "Insults a neighbour.")
    assert planner_may_read("audit") and not planner_may_read("dashboard")
    assert ContentType.objects.filter(model="auditentry").count() == 1
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(reason="No.")

    back = migrate(BEFORE)
    assert back.get_model("dashboard", "AuditEntry").objects.get(pk=entry.pk).reason == (
        "Insults a neighbour.")
    assert planner_may_read("dashboard")
    migrate(None)
    assert AuditEntry.objects.filter(pk=entry.pk).exists() and planner_may_read("audit")
