"""Names the dashboard shows for stored codes, in the reader's language: a phase kind
("ideation" → "Ideation: proposals open") and a layer's geometry type ("MultiPolygon" →
"Areas"), an amount of money, and what a participatory budget's audit entry changed.
The codes stay as they are in the database and the open data."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from audit.models import AuditAction
from proposals.templatetags.phases import phase_label
from voting.budget_models import BudgetRule, Feasibility, VotingMethod
from voting.budget_services import money as money_text

register = template.Library()
register.filter("phase_label", phase_label)

GEOMETRY_LABELS = {
    "Point": _("Points"), "MultiPoint": _("Points"),
    "LineString": _("Lines"), "MultiLineString": _("Lines"),
    "Polygon": _("Areas"), "MultiPolygon": _("Areas"),
    "Geometry": _("Mixed (points, lines and areas)"),
}


@register.filter
def geometry_label(geometry_type: str | None) -> str:
    return GEOMETRY_LABELS.get(geometry_type or "", geometry_type or "")


@register.filter
def money(amount, currency: str = "") -> str:
    """An amount in whole currency units as people read it ("12,500 EUR")."""
    if amount is None or amount == "":
        return "—"
    return money_text(int(amount), currency)


@register.filter
def audit_summary(entry) -> str:
    """What a participatory budget's entry changed, in a few words, from its details:
    the log's "what" says which action, this says to what."""
    details = entry.details or {}
    after = details.get("after") or {}
    if entry.action == AuditAction.PROPOSAL_ASSESS:
        before = details.get("before") or {}
        parts = []
        if after.get("cost") != before.get("cost"):
            cost = after.get("cost")
            parts.append(_("cost %(cost)s") % {
                "cost": "—" if cost is None else number_format(cost, force_grouping=True)})
        if after.get("feasibility") != before.get("feasibility") and after.get("feasibility"):
            parts.append(str(Feasibility(after["feasibility"]).label))
        if after.get("budget") != before.get("budget"):
            parts.append(str(_("budget changed")))
        return "; ".join(parts)
    if entry.action == AuditAction.BUDGET_SET and after:
        method = after.get("method")
        parts = [str(VotingMethod(method).label)] if method in VotingMethod.values else []
        if method == VotingMethod.BUDGET:
            parts.append(ngettext("%(n)s budget", "%(n)s budgets", len(after.get("budgets", {})))
                         % {"n": len(after.get("budgets", {}))})
            if after.get("rule") in BudgetRule.values:
                parts.append(str(BudgetRule(after["rule"]).label))
        return "; ".join(parts)
    if entry.action == AuditAction.BUDGET_ASSESSORS:
        names = (details.get("assessors") or [[], []])[-1]
        return ", ".join(names) if names else str(_("no assessors"))
    return ""
