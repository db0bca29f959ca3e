"""What a PV array on a roof is assumed to be when its member does not say: read from
the roof's outline (a building's footprint or a drawn roof), docs/energy.md.

- Usable area: 60% of the footprint (chimneys, skylights, edges kept clear, the
  shaded or north-facing part of a pitched roof). The footprint's area is measured on
  the spheroid (PostGIS geography), in m².
- Peak power: 0.2 kWp per usable m² (a 400 W module covers about 2 m²), at most the
  largest array a pledge may hold. A roof holds one array: on a building other members
  pledged, the default is what their arrays leave of it (energy/pledges.py).
- Azimuth: a gable roof's ridge runs along the building's longest side, so its two
  slopes face that side's two normals; the array goes on the one facing most south.
  Of sides as long as the longest (within 1%: a square footprint), the one whose
  normal faces most south. A north–south side faces east and west equally: east then.
- Tilt: 30°, a common pitch. A footprint cannot tell a flat roof from a pitched one,
  nor its pitch; the member corrects it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.geos import Polygon
from django.db import connection

from energy.models import PV_KWP_MAX

USABLE_SHARE = 0.6
KWP_PER_M2 = 0.2
DEFAULT_TILT = 30.0
LONGEST_TOLERANCE = 0.01


@dataclass(frozen=True)
class RoofDefaults:
    footprint_m2: float
    usable_m2: float
    kwp: float
    tilt: float
    azimuth: float


# Each side of the outer ring: its length in metres and its azimuth (degrees clockwise
# from north, from its first vertex to its second), both on the spheroid.
_SIDES_SQL = """
SELECT ST_Area(g::geography),
       ARRAY(SELECT ARRAY[ST_Length(s.geom::geography),
                          coalesce(degrees(ST_Azimuth(ST_StartPoint(s.geom)::geography,
                                                      ST_EndPoint(s.geom)::geography)), 0)]
             FROM ST_DumpSegments(ST_ExteriorRing(g)) s ORDER BY s.path)
FROM (SELECT ST_GeomFromEWKB(%s) AS g) roof
"""


def _facing(side_azimuth: float) -> float:
    """Of a side's two normals, the one facing most south (east on a tie)."""
    candidates = [(side_azimuth + 90) % 360, (side_azimuth - 90) % 360]
    return min(candidates, key=_southness)


def _southness(azimuth: float) -> tuple[float, float]:
    # Rounded: a side that runs north–south to within float noise is a tie, told by the
    # second key (east first).
    return round(abs(azimuth - 180), 6), azimuth


def roof_azimuth(sides: list[tuple[float, float]]) -> float:
    """The array's azimuth from the roof's sides [(length m, azimuth °), …]."""
    longest = max(length for length, _azimuth in sides)
    facings = [_facing(azimuth) for length, azimuth in sides
               if length >= longest * (1 - LONGEST_TOLERANCE)]
    return round(min(facings, key=_southness), 1)


def roof_defaults(roof: Polygon) -> RoofDefaults:
    """The array a roof holds by the rules of the module's docstring."""
    with connection.cursor() as cursor:
        cursor.execute(_SIDES_SQL, [bytes(roof.ewkb)])
        area, sides = cursor.fetchone()
    usable = area * USABLE_SHARE
    return RoofDefaults(
        footprint_m2=round(area, 1), usable_m2=round(usable, 1),
        kwp=round(min(usable * KWP_PER_M2, PV_KWP_MAX), 2), tilt=DEFAULT_TILT,
        azimuth=roof_azimuth([(length, azimuth) for length, azimuth in sides]))
