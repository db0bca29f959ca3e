"""Reads of the audit log (the dashboard's page, a project's overview, the answer e-mails)."""

from __future__ import annotations

from audit.models import AuditAction, AuditEntry, AuditEntryQuerySet


def audit_entries(*, project_id: int | None = None, action: str = "") -> AuditEntryQuerySet:
    """The log newest first, for one project and/or one action when given; an action the
    log does not know is ignored rather than matching nothing."""
    entries = AuditEntry.objects.all()
    if project_id is not None:
        entries = entries.for_project(project_id)
    if action in AuditAction.values:
        entries = entries.filter(action=action)
    return entries


def audit_entry_latest(*, target_type: str, target_id: int, action: str) -> AuditEntry:
    """The newest entry of `action` on one target (raises DoesNotExist when none)."""
    return AuditEntry.objects.filter(target_type=target_type, target_id=target_id,
                                     action=action).latest("pk")


def audit_entry_get(entry_id: int) -> AuditEntry:
    return AuditEntry.objects.get(pk=entry_id)
