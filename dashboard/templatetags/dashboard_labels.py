"""Names the dashboard shows for stored codes, in the reader's language: a phase kind
("ideation" → "Ideation: proposals open") and a layer's geometry type ("MultiPolygon" →
"Areas"). The codes stay as they are in the database and the open data."""

from django import template
from django.utils.translation import gettext_lazy as _

from proposals.templatetags.phases import phase_label

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
