"""A project's area as maps draw it: fetched once and cached, not inlined in every page.

An area is drawn from open data at survey precision (Barcelona's is 9,466 points, 380 KB
as the pages used to inline it), while a map outline needs about a pixel. So the pages
carry only the area's bounding box, for the first view, and the address of its shape,
`GET /api/v1/projects/{id}/area/` (`api.ProjectArea`), simplified for display and cached
by the browser. The address carries the area's `version`, a hash of the area itself, so
a changed area has a new address and a new ETag whichever way it was changed.

Only what is drawn is simplified: whether a proposal lies in the area is checked on the
full-resolution area (`services`, `geometry.py`).
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from core import geojson
from proposals.models import Project

# How far the outline may stray from the area, in degrees: 1e-5° is 1.1 m north-south
# and 0.8 m east-west at Barcelona's latitude, about a pixel at zoom 17, the closest
# view the map usually shows of a whole street. Barcelona's area keeps 3,064 of its
# 9,466 points.
TOLERANCE = 1e-5
# The shape is the same for everyone who may see the project, so one copy per version
# is kept in the cache; a new version is a new key.
CACHE_SECONDS = 24 * 3600

# PreserveTopology keeps each ring simple, but two simplified rings of a multipolygon
# may still touch; such an outline is not drawn: the full area is answered instead.
_FEATURE = geojson.feature_sql(
    id="id", geometry="ST_Multi(CASE WHEN ST_IsValid(shape) THEN shape ELSE area END)",
    properties="json_build_object('tolerance', %(tolerance)s::float8)")
_SQL = """
WITH simple AS (
  SELECT id, area, ST_SimplifyPreserveTopology(area, %(tolerance)s) AS shape
  FROM proposals_project WHERE id = %(id)s
)
SELECT FEATURE::text FROM simple
""".replace("FEATURE", _FEATURE)


def area_version(project: Project) -> str:
    """A short hash of the area (and of how it is simplified): what the area's address
    and ETag carry."""
    digest = hashlib.sha256(project.area.wkb)
    digest.update(repr(TOLERANCE).encode())
    return digest.hexdigest()[:16]


def area_feature_text(project: Project, version: str) -> str:
    """The area simplified for display, as a GeoJSON Feature's text (the kit's
    precision), from the cache when this version was built before."""
    key = f"plaza:project-area:{project.pk}:{version}"
    text = cache.get(key)
    if text is None:
        with connection.cursor() as cursor:
            cursor.execute(_SQL, {"id": project.pk, "tolerance": TOLERANCE})
            text = cursor.fetchone()[0]
        cache.set(key, text, CACHE_SECONDS)
    return text


def area_map_config(project: Project) -> dict:
    """What a page's map needs of the area: its bounding box
    `[minlon, minlat, maxlon, maxlat]` for the first view, and the address of its shape."""
    url = reverse("api:project-area", args=[project.pk])
    return {"area_bbox": list(project.area.extent),
            "area_url": f"{url}?version={area_version(project)}"}
