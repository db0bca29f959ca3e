"""Where the Barcelona ideas can go: real places from the city's open data.

A site is a drinking fountain, an open Bicing station or a stretch of bike lane, under
the name the city gives it and tagged with the district it lies in. Reading them is kept
apart from the proposals so that the choice of what counts as a good site (a named
street, an open station, a lane of one stretch) reads in one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.contrib.gis.geos import GEOSGeometry, LineString, Point

from demo.districts import TO_METRIC
from demo.place_names import fountain_place, lane_place, station_place

# A longer lane would cross half the city: a proposal is about one stretch of street.
LANE_METRES = (150, 2500)
MAX_VERTICES = 200


@dataclass(frozen=True)
class Site:
    """A real place a proposal is put on: its name as the city writes it, and where."""

    place: str
    district: str
    geometry: GEOSGeometry  # EPSG:4326 Point or LineString


def _features(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def _point(feature: dict) -> Point:
    return Point(feature["geometry"]["coordinates"][:2], srid=4326)


def _fountains(path: Path) -> list[tuple[str, GEOSGeometry]]:
    """Drinking fountains (not ornamental ones) on a street whose name can be read."""
    found = []
    for feature in _features(path):
        properties = feature["properties"]
        place = fountain_place(properties.get("INVENTARI_CARRER"))
        if properties.get("INVENTARI_TIPUS") == "Font de beure" and place:
            found.append((place, _point(feature)))
    return found


def _stations(path: Path) -> list[tuple[str, GEOSGeometry]]:
    """Bicing stations in service ('OPN'), named by their street corner."""
    found = []
    for feature in _features(path):
        place = station_place(feature["properties"].get("streetName"))
        if place and feature["properties"].get("status") == "OPN":
            found.append((place, _point(feature)))
    return found


def _lanes(path: Path) -> list[tuple[str, GEOSGeometry]]:
    """One stretch of bike lane per street name, of a length a proposal can be about."""
    found, seen = [], set()
    for feature in _features(path):
        place = lane_place(feature["properties"].get("TOOLTIP") or "")
        line = LineString(feature["geometry"]["coordinates"], srid=4326)
        if not place or place in seen:
            continue
        metres = line.transform(TO_METRIC, clone=True).length
        if LANE_METRES[0] <= metres <= LANE_METRES[1]:
            seen.add(place)
            if line.num_points > MAX_VERTICES:
                line = line.simplify(0.00001, preserve_topology=True)  # about a metre
            line.srid = 4326
            found.append((place, line))
    return found


def _in_districts(candidates, districts) -> list[Site]:
    """The candidates that lie in a district (a lane by its midpoint), tagged with it."""
    prepared = [(name, geometry.prepared) for name, geometry in districts]
    sites = []
    for place, geometry in candidates:
        anchor = geometry if geometry.geom_type == "Point" else \
            geometry.interpolate_normalized(0.5)
        district = next((name for name, area in prepared if area.covers(anchor)), None)
        if district:
            sites.append(Site(place, district, geometry))
    return sites


def sites_find(data_dir: Path, districts) -> dict[str, list[Site]]:
    """Candidate sites by source ('fountain', 'station', 'lane'), in the files' order."""
    found = {"fountain": _fountains(data_dir / "fountains.geojson"),
             "station": _stations(data_dir / "bicing_stations.geojson"),
             "lane": _lanes(data_dir / "bike_lanes.geojson")}
    return {source: _in_districts(candidates, districts)
            for source, candidates in found.items()}
