"""What one layer's loading has seen, and where a loaded feature may be placed.

`Loading` gathers what the batches of a layer show as they load (geometry types, the
features skipped, the suspects to check); the fast path (gisdata/imports/load.py), the
repair path (gisdata/imports/repair.py) and the check after loading
(gisdata/imports/background.py) all add to it or read it. `PLACED` is the SQL test a
feature's geometry must pass to be imported (not empty, numbers, within longitude and
latitude), `why` says in words why one did not, and `errors_json` caps the run's list of
the features left out.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

MAX_LISTED_ERRORS = 1000

# Longitude and latitude: a feature reprojected outside them is misplaced, not imported.
# The margin (~1 cm) keeps a polygon that touches the antimeridian and comes back from
# PROJ at 180.00000000000003.
LONLAT = "ST_MakeEnvelope(-180.0000001, -90.0000001, 180.0000001, 90.0000001, 4326)"
# `@` compares the boxes in C, where every comparison with NaN is false, so a point PROJ
# could not reproject (POINT(NaN NaN), which PostGIS also calls valid) would pass it.
# PostgreSQL orders NaN above every number: these two comparisons turn it away.
FINITE = "ST_XMax({g}) <= 180.0000001 AND ST_YMax({g}) <= 90.0000001"
PLACED = ("COALESCE(NOT ST_IsEmpty({g}) AND {g} @ " + LONLAT + " AND " + FINITE + ", false)")


@dataclass
class Loading:
    """What the batches of one layer have shown so far."""
    name: str
    table: str
    layer_id: int
    srid: int
    types: dict[str, set[bool]] = field(default_factory=dict)
    read: int = 0
    with_geometry: int = 0
    sample: list = field(default_factory=list)  # the first geometries, for messages
    skipped: list[dict] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)  # GeometryType of the loaded features
    # Features let in by the fast path whose coordinates may not be numbers or may lie
    # outside longitude/latitude: checked one by one after loading (background.checked).
    suspects: list[int] = field(default_factory=list)

    @property
    def promote(self) -> bool:
        """Mixed single and multi of one type: every feature becomes multi."""
        return len(self.types) == 1 and next(iter(self.types.values())) == {False, True}


def why(srid: int, empty: str | None, reason: str | None, nothing: bool, box: list) -> str:
    """Why a feature was left out; `empty` is the type of an empty geometry."""
    if empty == "POINT":
        # GDAL's Arrow stream writes a point with a coordinate that is not a number
        # (which a GeoJSON can hold) as the empty point, POINT(NaN NaN).
        return "Empty point, or a point whose coordinates are not numbers: skipped."
    if empty:
        return "Empty geometry: skipped."
    if nothing:
        return f"Invalid ({reason}), and nothing was left once repaired: skipped."
    if any(v is None or math.isnan(v) for v in box):
        return (f"Its coordinates could not be reprojected from EPSG:{srid} (they "
                "are not numbers once reprojected): skipped.")
    xmin, ymin, xmax, ymax = box
    return ("Outside longitude -180…180 / latitude -90…90 once reprojected from "
            f"EPSG:{srid} (x {xmin:g} to {xmax:g}, y {ymin:g} to {ymax:g}): skipped.")


def errors_json(errors: list[dict]) -> list[dict]:
    """At most MAX_LISTED_ERRORS, so a broken million-row file does not bloat the run row."""
    listed = errors[:MAX_LISTED_ERRORS]
    if len(errors) > len(listed):
        listed.append({"feature": None,
                       "message": f"… and {len(errors) - len(listed)} more."})
    return json.loads(json.dumps(listed))
