"""A municipality's districts and neighbourhoods, copied from its imported layers.

`areas_import` turns the features of a districts layer (and optionally of a
neighbourhoods layer) into `municipalities.Area` rows, then places every proposal of
the municipality again. It lives here, on the proposals floor, because it reads
gisdata's layers and writes the proposals' placement: gisdata and municipalities sit
below and know nothing of it.

- An area is keyed by (municipality, level, code) and updated in place, so its id
  stays the same across imports and the projects run for it (Project.scope_area) keep
  pointing at it. Features that share a code are one area, their shapes unioned (a
  district in two parts, an island).
- An area gone from the source is deleted, unless a project runs for it: then nothing
  changes and the planner is told which. One call imports the whole hierarchy: without
  a neighbourhoods layer the city has districts only.
- A neighbourhood's district is the one whose code its `neighbourhood_parent` property
  names, or, without that property, the district that covers its point on surface.
- Each proposal's neighbourhood is the one that covers its point on surface (the lowest
  id on a border), and its district that neighbourhood's; outside every neighbourhood,
  the district that covers it. The database applies the same rule on every write of a
  proposal's geometry (proposals migration 0013); here it runs for them all at once.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from core import tenancy
from gisdata.models import Feature, Layer
from municipalities.models import Area, AreaLevel, Municipality
from proposals.models import Project

CODE_MAX = Area._meta.get_field("code").max_length
NAME_MAX = Area._meta.get_field("name").max_length

# A numeric property as a number, whether the source wrote 1200 or "1200"; else NULL.
_NUMBER = """CASE WHEN jsonb_typeof(f.properties -> %(population)s) = 'number'
                    THEN (f.properties ->> %(population)s)::numeric
                  WHEN btrim(f.properties ->> %(population)s) ~ '^[0-9]+(\\.[0-9]+)?$'
                    THEN btrim(f.properties ->> %(population)s)::numeric END"""

# One row per code of a layer: its name, its features' shapes unioned into one
# MultiPolygon (polygons only), the sum of their populations, their parent code.
_SOURCES = f"""
SELECT nullif(btrim(f.properties ->> %(code)s), '') AS code,
       min(btrim(f.properties ->> %(name)s)) AS name,
       ST_AsEWKB(ST_Multi(ST_CollectionExtract(ST_Union(f.geometry), 3))) AS geometry,
       round(sum({_NUMBER}))::bigint AS population,
       min(btrim(f.properties ->> %(parent)s)) AS parent,
       min(f.number) AS number
FROM {Feature._meta.db_table} f
WHERE f.layer_id = %(layer)s
GROUP BY 1
ORDER BY 1
"""  # noqa: S608 - constant SQL put together; every value is a parameter

_UPSERT = f"""
INSERT INTO {Area._meta.db_table}
       (municipality_id, level, code, name, parent_id, geometry, population, source_layer_id)
VALUES (%(municipality)s, %(level)s, %(code)s, %(name)s, %(parent)s,
        ST_GeomFromEWKB(%(geometry)s), %(population)s, %(layer)s)
ON CONFLICT ON CONSTRAINT municipalities_area_code_once DO UPDATE
   SET name = EXCLUDED.name, parent_id = EXCLUDED.parent_id, geometry = EXCLUDED.geometry,
       population = EXCLUDED.population, source_layer_id = EXCLUDED.source_layer_id
RETURNING id
"""  # noqa: S608 - constant SQL put together; every value is a parameter

_COVERING_DISTRICT = f"""
SELECT a.id FROM {Area._meta.db_table} a
WHERE a.id = ANY(%(districts)s)
  AND ST_Covers(a.geometry, ST_PointOnSurface(ST_GeomFromEWKB(%(geometry)s)))
ORDER BY a.id LIMIT 1
"""  # noqa: S608 - constant SQL put together; every value is a parameter

# Every proposal of the municipality's projects, placed by the rule of migration 0013
# among the areas just imported; only the rows whose placement changes are written.
_PLACE = f"""
WITH placed AS (
    SELECT p.id, n.id AS neighbourhood_id, coalesce(n.parent_id, d.id) AS district_id
    FROM proposals_proposal p
    JOIN {Project._meta.db_table} pj ON pj.id = p.project_id
    LEFT JOIN LATERAL (
        SELECT a.id, a.parent_id FROM {Area._meta.db_table} a
        WHERE a.id = ANY(%(areas)s) AND a.level = {AreaLevel.NEIGHBOURHOOD}
          AND ST_Covers(a.geometry, p.point)
        ORDER BY a.id LIMIT 1) n ON true
    LEFT JOIN LATERAL (
        SELECT a.id FROM {Area._meta.db_table} a
        WHERE n.id IS NULL AND a.id = ANY(%(areas)s) AND a.level = {AreaLevel.DISTRICT}
          AND ST_Covers(a.geometry, p.point)
        ORDER BY a.id LIMIT 1) d ON true
    WHERE pj.municipality_id = %(municipality)s
)
UPDATE proposals_proposal p
   SET neighbourhood_id = placed.neighbourhood_id, district_id = placed.district_id
  FROM placed
 WHERE placed.id = p.id
   AND (p.neighbourhood_id, p.district_id)
       IS DISTINCT FROM (placed.neighbourhood_id, placed.district_id)
"""  # noqa: S608 - constant SQL put together; every value is a parameter

_PLACED_COUNT = f"""
SELECT count(*) FROM proposals_proposal p
JOIN {Project._meta.db_table} pj ON pj.id = p.project_id
WHERE pj.municipality_id = %s AND p.district_id IS NOT NULL
"""  # noqa: S608 - constant SQL put together; every value is a parameter


def areas_import(*, planner, municipality: Municipality, districts_layer: Layer,
                 district_code: str, district_name: str,
                 neighbourhoods_layer: Layer | None = None,
                 neighbourhood_code: str | None = None,
                 neighbourhood_name: str | None = None,
                 neighbourhood_parent: str | None = None,
                 population: str | None = None) -> dict:
    """Copy the municipality's districts (and neighbourhoods) from its layers and place
    its proposals in them, in one transaction. `planner` None: the system (the demo's
    loader); else a planner of the municipality, and the import is logged.

    `*_code`, `*_name`, `neighbourhood_parent` and `population` name the features'
    properties. Returns {"districts", "neighbourhoods", "proposals" (placed in a
    district), "moved" (whose placement changed), "removed" (areas deleted)}."""
    with tenancy.working_for(municipality):
        if planner is not None and not (planner.is_authenticated
                                        and planner.has_perm("proposals.change_project")):
            raise PermissionDenied(_("Only the municipality's planners can import its "
                                     "districts and neighbourhoods."))
        _check_layers(municipality, districts_layer, neighbourhoods_layer,
                      neighbourhood_code, neighbourhood_name)
        with transaction.atomic():
            # One import of a municipality at a time: the second waits, then sees the
            # first one's areas.
            Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
            districts = _upsert(municipality, AreaLevel.DISTRICT, districts_layer,
                                code=district_code, name=district_name,
                                population=population)
            neighbourhoods = {}
            if neighbourhoods_layer is not None:
                neighbourhoods = _upsert(
                    municipality, AreaLevel.NEIGHBOURHOOD, neighbourhoods_layer,
                    code=neighbourhood_code, name=neighbourhood_name,
                    population=population, parent=neighbourhood_parent,
                    districts=districts)
            kept = [*districts.values(), *neighbourhoods.values()]
            gone = _gone(municipality, kept)
            with connection.cursor() as cursor:
                cursor.execute(_PLACE, {"areas": kept, "municipality": municipality.pk})
                moved = cursor.rowcount
                cursor.execute(_PLACED_COUNT, [municipality.pk])
                placed = cursor.fetchone()[0]
            removed = _remove(gone)
            counts = {"districts": len(districts), "neighbourhoods": len(neighbourhoods),
                      "proposals": placed, "moved": moved, "removed": removed}
            if planner is not None:
                audit_record(actor=planner, action=AuditAction.AREAS_IMPORT,
                             target=municipality, details={
                                 **counts, "districts_layer": districts_layer.pk,
                                 "neighbourhoods_layer": getattr(neighbourhoods_layer,
                                                                 "pk", None)})
    return counts


def _check_layers(municipality, districts_layer, neighbourhoods_layer, code, name) -> None:
    for layer in (districts_layer, neighbourhoods_layer):
        if layer is not None and layer.municipality_id != municipality.pk:
            raise ValidationError(_("The layer “%(layer)s” belongs to another municipality.")
                                  % {"layer": layer.title})
    if neighbourhoods_layer is not None and not (code and name):
        raise ValidationError(_("Name the properties that hold each neighbourhood's code "
                                "and name."))


def _sources(layer: Layer, *, code: str, name: str, population: str | None,
             parent: str | None) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(_SOURCES, {"layer": layer.pk, "code": code, "name": name,
                                  "population": population or "", "parent": parent or ""})
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    if not rows:
        raise ValidationError(_("The layer “%(layer)s” has no features.")
                              % {"layer": layer.title})
    for row in rows:
        where = {"layer": layer.title, "number": row["number"], "property": code}
        if row["code"] is None:
            raise ValidationError(_("Feature %(number)s of “%(layer)s” has no "
                                    "“%(property)s”.") % where)
        if len(row["code"]) > CODE_MAX:
            raise ValidationError(_("The code of feature %(number)s of “%(layer)s” is "
                                    "too long.") % where)
        if row["geometry"] is None:
            raise ValidationError(_("Feature %(number)s of “%(layer)s” is not an area.")
                                  % where)
        row["name"] = (row["name"] or row["code"])[:NAME_MAX]
        row["geometry"] = bytes(row["geometry"])
        if row["population"] is not None and row["population"] <= 0:
            row["population"] = None
    return rows


def _upsert(municipality, level: int, layer: Layer, *, code: str, name: str,
            population: str | None, parent: str | None = None,
            districts: dict[str, int] | None = None) -> dict[str, int]:
    """Write one level's areas; their ids by code."""
    ids = {}
    with connection.cursor() as cursor:
        for row in _sources(layer, code=code, name=name, population=population,
                            parent=parent):
            parent_id = None
            if districts is not None:
                parent_id = _parent(cursor, row, districts, by_property=bool(parent))
            cursor.execute(_UPSERT, {**row, "municipality": municipality.pk, "level": level,
                                     "parent": parent_id, "layer": layer.pk})
            ids[row["code"]] = cursor.fetchone()[0]
    return ids


def _parent(cursor, row: dict, districts: dict[str, int], *, by_property: bool) -> int:
    if by_property:
        found = districts.get(row["parent"] or "")
        if found is None:
            raise ValidationError(_("The neighbourhood “%(name)s” names the district "
                                    "“%(parent)s”, which is not in the districts layer.")
                                  % {"name": row["name"], "parent": row["parent"] or ""})
        return found
    cursor.execute(_COVERING_DISTRICT, {"districts": list(districts.values()),
                                        "geometry": row["geometry"]})
    found = cursor.fetchone()
    if found is None:
        raise ValidationError(_("The neighbourhood “%(name)s” lies in no district.")
                              % {"name": row["name"]})
    return found[0]


def _gone(municipality, kept: list[int]):
    """The areas no longer in the layers; refused while a project runs for one."""
    gone = Area.objects.filter(municipality=municipality).exclude(pk__in=kept)
    used = (Project._base_manager.filter(scope_area__in=gone)
            .select_related("scope_area").order_by("title"))
    if used:
        raise ValidationError(_("These areas are no longer in the layers, but projects "
                                "run for them: %(list)s. Choose another area for those "
                                "projects first.") % {"list": "; ".join(
                                    f"{p.scope_area.name} ({p.title})" for p in used)})
    return gone


def _remove(gone) -> int:
    # Neighbourhoods first: a district's deletion would cascade to them anyway. No
    # proposal points at them any more (placed before), so nothing else is written.
    removed = 0
    for level in (AreaLevel.NEIGHBOURHOOD, AreaLevel.DISTRICT):
        removed += gone.filter(level=level).delete()[1].get(Area._meta.label, 0)
    return removed
