"""The buildings of a community's building layer that count in it, for the pledge
form's map and its list (energy/pledge_views.py).

A building counts where its point on surface does (energy/selectors.py's
`roof_in_community`, which the pledge service checks again): the map shows only
buildings a member may pledge, so a tap never leads to a refusal. The layer is a
published one of the city's (anyone may read it through the layers' API); this
answers only its outlines and names, never who pledged on them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.contrib.gis.geos import Polygon
from django.db import connection

from energy.models import Community, Scope
from gisdata.models import Layer
from gisdata.selectors import feature_name

# At most this many outlines per answer: a district's view at street zoom holds a few
# hundred buildings; past this the map asks the reader to zoom in.
MAP_MAX = 1500
LIST_MAX = 12
PRECISION = 7  # decimal degrees: about a centimetre

_WITHIN = {
    Scope.DISTRICT: "ST_Covers(ST_GeomFromEWKB(%(scope)s), ST_PointOnSurface(f.geometry))",
    Scope.RADIUS: "ST_DWithin(ST_GeomFromEWKB(%(scope)s)::geography, "
                  "ST_PointOnSurface(f.geometry)::geography, %(radius)s)",
}
_SQL = """
SELECT f.id, f.properties, f.number, ST_AsGeoJSON(f.geometry, {precision})
FROM gisdata_feature f
WHERE f.layer_id = %(layer)s AND ST_Dimension(f.geometry) = 2 AND {within} {extra}
ORDER BY {order} LIMIT %(limit)s
"""


@dataclass(frozen=True)
class BuildingQuery:
    """What to look for: in a bounding box, nearest a point, by name, or one by id."""

    bbox: Polygon | None = None
    near: tuple[float, float] | None = None
    name: str = ""
    id: int | None = None
    limit: int = MAP_MAX


def _params(community: Community) -> dict:
    if community.scope == Scope.RADIUS:
        return {"scope": bytes(community.anchor.ewkb), "radius": community.radius_m}
    return {"scope": bytes(community.project.area.ewkb)}


def buildings_find(community: Community, query: BuildingQuery) -> tuple[list[dict], bool]:
    """The community's buildings as GeoJSON features ({id, geometry, properties: {name}})
    and whether more matched than the limit. No layer: none."""
    if community.building_layer_id is None:
        return [], False
    layer = Layer.objects.get(pk=community.building_layer_id)
    params = {**_params(community), "layer": layer.pk, "limit": query.limit + 1}
    extra, order = [], "f.id"
    if query.id is not None:
        extra.append("AND f.id = %(id)s")
        params["id"] = query.id
    if query.bbox is not None:
        extra.append("AND f.geometry && ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326)")
        params.update(zip(("x0", "y0", "x1", "y1"), query.bbox.extent, strict=True))
    if query.name:
        if layer.label_property:
            # Any case, with or without accents, as the layers' own search finds names.
            extra.append("AND unaccent(f.properties ->> %(label)s) ILIKE "
                         "unaccent(%(pattern)s)")
            params.update(label=layer.label_property,
                          pattern="%" + _like_escape(query.name) + "%")
            order = "f.properties ->> %(label)s, f.number, f.id"
        elif query.name.isdigit():
            extra.append("AND f.number = %(number)s")
            params["number"] = int(query.name)
        else:
            return [], False
    if query.near is not None:
        order = "f.geometry <-> ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), f.id"
        params.update(lon=query.near[0], lat=query.near[1])
    sql = _SQL.format(precision=PRECISION, within=_WITHIN[community.scope],
                      extra=" ".join(extra), order=order)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = [{"type": "Feature", "id": pk, "geometry": json.loads(geometry),
              # Django's connection hands jsonb over as text.
              "properties": {"name": feature_name(layer, _json(properties), number)}}
             for pk, properties, number, geometry in rows[:query.limit]]
    return found, len(rows) > query.limit


def building_name(community: Community, building_id: int | None) -> str | None:
    """The name of one of the community's buildings, or None."""
    if building_id is None:
        return None
    found, _more = buildings_find(community, BuildingQuery(id=building_id, limit=1))
    return found[0]["properties"]["name"] if found else None


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
