"""Constraint feedback: what the city's layers say about a geometry.

`constraints_check` takes a geometry and a project id (not a proposal: gisdata knows
nothing of proposals) and answers with one Feedback per active rule of a published layer
that the geometry meets, among the rules that speak in that project: those scoped to it
and those scoped to no project at all. Distances are in metres on the spheroid
(geography), with a bounding-box prefilter in degrees so that the spatial index still
does the first cut.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass

from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from core import tenancy
from gisdata.models import Constraint, ConstraintRule, Severity

PLACEHOLDER = re.compile(r"\{(\w{1,64})\}")
SEVERITY_ORDER = {Severity.BLOCKING: 0, Severity.WARNING: 1, Severity.INFO: 2}
METRES_PER_DEGREE = 111_320


@dataclass(frozen=True)
class Feedback:
    layer: str
    severity: str
    message: str
    matches: int

    def as_dict(self) -> dict:
        return asdict(self)


def message_render(template: str, properties: dict) -> str:
    """Replace {name} by the feature's attribute. Only plain names: no attribute access,
    indexing or format specs (str.format would allow `{x.__class__}`), so a template
    cannot reach anything but the feature's own values."""
    return PLACEHOLDER.sub(lambda m: str(properties.get(m.group(1), "") or ""), template)


def _matches(constraint: Constraint, geometry: GEOSGeometry) -> tuple[int, dict | None]:
    params = [geometry.ewkb.hex(), constraint.layer_id]
    if constraint.rule == ConstraintRule.WITHIN:
        # Degrees of longitude shrink with latitude: widen the prefilter box accordingly.
        lat = abs(geometry.centroid.y)
        margin = constraint.distance_m / METRES_PER_DEGREE / max(math.cos(math.radians(
            min(lat, 89))), 0.01)
        where = ("f.geometry && ST_Expand(g.geom, %s) AND "
                 "ST_DWithin(f.geometry::geography, g.geom::geography, %s)")
        params += [margin, constraint.distance_m]
    else:
        where = "f.geometry && g.geom AND ST_Intersects(f.geometry, g.geom)"
    sql = f"""
        WITH g AS (SELECT ST_GeomFromEWKB(decode(%s, 'hex')) AS geom)
        SELECT count(*) OVER (), f.properties FROM gisdata_feature f, g
        WHERE f.layer_id = %s AND {where}
        ORDER BY f.id LIMIT 1"""  # noqa: S608 - `where` is one of two literals above
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, None)


def constraints_for(project_id: int | None):
    """The active rules of published layers that speak in a project: the unscoped ones
    of its municipality's layers and those scoped to it. Without a project (`None`), the
    unscoped ones only (of the municipality being served, in a request)."""
    # EXISTS, not a join on `projects`: a rule scoped to two projects stays one row.
    scoped = Constraint.projects.through.objects.filter(constraint_id=OuterRef("pk"))
    scope = ~Exists(scoped)
    if project_id is not None:
        # An unscoped rule is its municipality's: it speaks in that municipality's
        # projects, not in a neighbour's. The project model is reached through the
        # relation, as this app sits below proposals.
        projects = Constraint._meta.get_field("projects").related_model._base_manager
        home = projects.filter(pk=project_id).values("municipality_id")
        scope = (scope & Q(layer__municipality_id=Subquery(home))) \
            | Exists(scoped.filter(project_id=project_id))
    elif tenancy.current_id() is not None:
        scope &= Q(layer__municipality_id=tenancy.current_id())
    return Constraint.objects.filter(scope, is_active=True, layer__is_published=True)


def constraints_check(geometry: GEOSGeometry, *, project_id: int | None) -> list[Feedback]:
    """Feedback from every active constraint of a published layer that speaks in the
    project: blocking ones first, then warnings, then information; within one severity,
    in the order the rules were added (their id). Without the explicit order PostgreSQL
    returns rows where they lie on disk, which an edit of a rule changes."""
    feedback = []
    rules = constraints_for(project_id).select_related("layer").order_by("pk")
    for constraint in rules:
        count, properties = _matches(constraint, geometry)
        if count:
            if isinstance(properties, str):  # jsonb comes back parsed or as text
                properties = json.loads(properties)
            feedback.append(Feedback(
                layer=constraint.layer.title, severity=constraint.severity,
                message=message_render(constraint.message, properties or {}), matches=count))
    return sorted(feedback, key=lambda f: SEVERITY_ORDER.get(f.severity, 9))


# What a rule does to a proposal, one whole sentence per case so that each language words
# it its own way; the legend of the drawing map shows it beside the layer's name.
_DESCRIPTIONS = {
    (ConstraintRule.INTERSECTS, Severity.INFO):
        _("Proposals inside or touching it get a note."),
    (ConstraintRule.INTERSECTS, Severity.WARNING):
        _("Proposals inside or touching it get a warning."),
    (ConstraintRule.INTERSECTS, Severity.BLOCKING):
        _("Proposals inside or touching it are refused."),
    (ConstraintRule.WITHIN, Severity.INFO):
        _("Proposals within %(distance)s m of it get a note."),
    (ConstraintRule.WITHIN, Severity.WARNING):
        _("Proposals within %(distance)s m of it get a warning."),
    (ConstraintRule.WITHIN, Severity.BLOCKING):
        _("Proposals within %(distance)s m of it are refused."),
}


def constraint_describe(constraint: Constraint) -> str:
    """The rule in one sentence for citizens ("Proposals inside or touching it get a
    warning."), without the message, which depends on the feature a drawing meets."""
    text = str(_DESCRIPTIONS[(constraint.rule, constraint.severity)])
    return text % {"distance": constraint.distance_m} if "%(" in text else text


def constraints_by_layer(layer_ids, *, project_id: int | None) -> dict[int, list[Constraint]]:
    """The rules that speak in a project (`constraints_for`), grouped by layer, for the
    layers given; strictest first, as the feedback lists them."""
    grouped: dict[int, list[Constraint]] = {}
    rules = constraints_for(project_id).filter(layer_id__in=list(layer_ids)).order_by("pk")
    for constraint in sorted(rules, key=lambda c: SEVERITY_ORDER.get(c.severity, 9)):
        grouped.setdefault(constraint.layer_id, []).append(constraint)
    return grouped
