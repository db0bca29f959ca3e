"""A phase kind's name in the reader's language, for templates that hold the stored code
(an annotation such as `current_phase_kind`): "ideation" → "Ideation: proposals open"."""

from django import template

from proposals.models import PhaseKind

register = template.Library()


@register.filter
def phase_label(kind: str | None) -> str:
    """A phase kind's name; an unknown code as it is."""
    if kind in PhaseKind.values:
        return PhaseKind(kind).label
    return kind or ""
