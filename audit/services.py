"""`audit_record`: the one way to write the audit log (see audit/models.py).

The `audit` app is the ground floor every app stands on (only `core` is below it), so
the services of every app, accounts and gisdata included, call this inside their own
transactions without an import running back up. The log is one, not one per app,
because planners read one log, in one order.
"""

from __future__ import annotations

from django.db import transaction

from audit.models import AuditAction, AuditEntry
from core import tenancy

LABEL_MAX = 300


def _label(target) -> str:
    text = " ".join(str(target).split())
    return text if len(text) <= LABEL_MAX else text[:LABEL_MAX - 1] + "…"


# Where each kind of target keeps its municipality (this app imports none of them): its
# own column, or its project's, proposal's project's, role's, layer's or dataset's.
_MUNICIPALITY_PATHS = (("municipality_id",), ("project", "municipality_id"),
                       ("proposal", "project", "municipality_id"),
                       ("role", "municipality_id"), ("layer", "municipality_id"),
                       ("dataset", "municipality_id"))


def _municipality_id(target) -> int | None:
    """The target's municipality: found outside a request too (a task, the shell),
    where nothing is being served, so that the entry shows in that municipality's log."""
    for path in _MUNICIPALITY_PATHS:
        found = target
        for name in path:
            found = getattr(found, name, None)
            if found is None:
                break
        if found is not None:
            return found
    return None


def audit_record(*, actor, action: AuditAction, target, reason: str = "",
                 project_id: int | None = None, details: dict | None = None) -> AuditEntry:
    """Write one entry about `actor` doing `action` to `target` (a model instance).

    Call it inside the transaction that makes the change, after the change: if the
    change rolls back, so does the entry; if the entry cannot be written, the change
    does not happen either.
    """
    if not transaction.get_connection().in_atomic_block:
        # Outside a transaction the change and its entry could part ways.
        raise RuntimeError("audit_record must run inside the change's transaction.")
    name = getattr(actor, "public_name", None) or getattr(actor, "username", "") or "system"
    if getattr(actor, "username", "") and name != actor.username:
        name = f"{name} ({actor.username})"
    return AuditEntry.objects.create(
        actor_id=getattr(actor, "pk", None), actor_name=name[:150], action=action,
        target_type=target._meta.label_lower, target_id=target.pk,
        target_label=_label(target), project_id=project_id,
        # The target's own municipality, else the one being served: a planner reads
        # their municipality's log only.
        municipality_id=_municipality_id(target) or tenancy.current_id(),
        reason=(reason or "").strip(), details=details or {})
