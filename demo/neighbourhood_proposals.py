"""The Barcelona demo project's area and proposals, built on the city's open data.

Each proposal is an idea a neighbour could really have (shade, benches, a safer bike
lane) placed on a real feature of `demo/barcelona/`: a drinking fountain, a Bicing
station or a bike lane, named as the city names it, so the demo map shows the city as
it is. A fixed seed makes the demo the same on every machine. Proposals go through
`proposal_create`, the same service as the site, so the demo cannot hold anything the
site would refuse.
"""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.contrib.gis.gdal import CoordTransform, DataSource, SpatialReference
from django.contrib.gis.geos import (
    GeometryCollection,
    GEOSGeometry,
    LineString,
    MultiPolygon,
    Point,
    Polygon,
)
from django.core.exceptions import ValidationError
from django.utils import timezone

from proposals.models import Project, Proposal
from proposals.services import proposal_create

SEED = 2026
METRIC_SRID = 25831  # ETRS89 / UTM 31N: the city's own CRS, in metres
# A longer lane would cross half the city: a proposal is about one stretch of street.
LANE_METRES = (150, 2500)
MAX_VERTICES = 200
TITLE_MAX = 140  # Proposal.title; the service does not check the length, the column does
_TO_METRIC = CoordTransform(SpatialReference(4326), SpatialReference(METRIC_SRID))
_TO_WGS84 = CoordTransform(SpatialReference(METRIC_SRID), SpatialReference(4326))


def districts_read(path: Path) -> list[tuple[str, GEOSGeometry]]:
    """The ten districts as (NOM, geometry in EPSG:4326), from the zipped Shapefile."""
    # The DBF is UTF-8 but has no .cpg and no code page byte: GDAL passes its bytes on
    # unchanged and they are decoded here as UTF-8, so 'Sants-Montjuïc' keeps its ï.
    source = DataSource(f"/vsizip/{path}", encoding="utf-8")
    districts = []
    for feature in source[0]:
        geometry = feature.geom.geos
        geometry.srid = METRIC_SRID  # the .prj is ESRI WKT; the city publishes 25831
        geometry.transform(_TO_WGS84)
        geometry.srid = 4326
        districts.append((_unmangled(feature.get("NOM")), geometry))
    return districts


def _unmangled(text: str) -> str:
    """Undo a Latin-1 reading of UTF-8 ('MontjuÃ¯c'), should GDAL be told to recode
    (SHAPE_ENCODING); a name read right does not survive the round trip and is kept."""
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return text


def _polygons(geometry: GEOSGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry]
    if isinstance(geometry, GeometryCollection):  # MultiPolygon too
        return [polygon for part in geometry for polygon in _polygons(part)]
    return []  # a line or point left over by make_valid has no area


def area_union(geometries: list[GEOSGeometry]) -> MultiPolygon:
    """One valid MultiPolygon covering all the geometries (the project's area)."""
    parts = [polygon for geometry in geometries for polygon in _polygons(geometry)]
    union = GeometryCollection(*parts, srid=4326).unary_union
    if not union.valid:  # the districts share borders exactly today; a new edition may not
        union = union.make_valid()
    return MultiPolygon(*_polygons(union), srid=4326)


@dataclass(frozen=True)
class Site:
    """A real place a proposal is put on: its name as the city writes it, and where."""

    place: str
    district: str
    geometry: GEOSGeometry  # EPSG:4326 Point or LineString


# The fountain inventory abbreviates street types, in capitals ("PL CORTS").
STREET_TYPES = {"C": "Carrer", "PL": "Plaça", "AV": "Avinguda", "PG": "Passeig",
                "RBLA": "Rambla", "G.V.": "Gran Via de les", "PTGE": "Passatge", "RDA": "Ronda",
                "JARD": "Jardins", "PARC": "Parc", "VIA": "Via", "PLTA": "Placeta",
                "CAMI": "Camí", "TVRA": "Travessera"}
PARTICLES = {"de", "del", "dels", "la", "les", "el", "els", "i", "en", "na"}


def _title_case(words: str) -> str:
    """'COMTE D'URGELL' -> "Comte d'Urgell"; accents are kept as the city wrote them."""
    out = []
    for word in words.lower().replace("' ", "'").split():
        if word in PARTICLES:
            out.append(word)
        elif re.match(r"^[dl]'", word):
            out.append(word[:2] + word[2:].capitalize())
        else:
            out.append(word.capitalize())
    return " ".join(out)


def _fountain_place(street: str | None) -> str | None:
    kind, _, rest = (street or "").partition(" ")
    if kind not in STREET_TYPES or not rest or not rest.isupper():
        return None
    return f"{STREET_TYPES[kind]} {_title_case(rest)}"


LANE_ABBREVIATIONS = [(r"^(Av\.?|av) ", "Avinguda "), (r"^(Pg\.?|pg) ", "Passeig "),
                      (r"^(Pl|pl) ", "Plaça "), (r"^Rbla ", "Rambla "),
                      (r"^(C|carrer) ", "Carrer "), (r"^Gran via ", "Gran Via "),
                      (r"Traball", "Treball")]  # the last one is a typo in the dataset
# Joins between two lanes ('Casp - Glòries'), notes ('en sentit contrari', 'vorera') and
# initials ('M Cinto V') make poor titles.
LANE_SKIP = re.compile(r"[-()<>,.`]|^del |\b(tram|enllaç|connexió|rotonda|accés|creuament|"
                       r"carril|sentit|vorera|sta|pas|eix)\b", re.IGNORECASE)
INITIAL = re.compile(r"\b[A-Z]\b")


def _lane_place(tooltip: str) -> str | None:
    """'Carril Bici Av. de Vilanova' -> 'Avinguda de Vilanova'; None for a link or a ramp."""
    name = re.sub(r"^Carril Bici\s+", "", tooltip.strip())
    name = re.sub(r"^(bidireccional|unidireccional)\s+", "", name, flags=re.IGNORECASE)
    # '2', 'mar', 'Besós': which of two lanes, or which side of the street it runs on
    name = re.sub(r"(\s+(\d+|mar|muntanya|est|Besós|Llobregat))+$", "", name)
    for pattern, replacement in LANE_ABBREVIATIONS:
        name = re.sub(pattern, replacement, name)
    if LANE_SKIP.search(name) or INITIAL.search(name):
        return None
    return name if len(name) >= 4 and name[0].isupper() else None


def _features(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def _sites(data_dir: Path, districts) -> dict[str, list[Site]]:
    """Candidate sites by source, each tagged with the district it lies in."""
    prepared = [(name, geometry.prepared) for name, geometry in districts]

    def district_of(point) -> str | None:
        return next((name for name, area in prepared if area.covers(point)), None)

    found = {"fountain": [], "station": [], "lane": []}
    for feature in _features(data_dir / "fountains.geojson"):
        properties = feature["properties"]
        place = _fountain_place(properties.get("INVENTARI_CARRER"))
        if properties.get("INVENTARI_TIPUS") == "Font de beure" and place:
            found["fountain"].append((place, Point(feature["geometry"]["coordinates"][:2])))
    for feature in _features(data_dir / "bicing_stations.geojson"):
        street = (feature["properties"].get("streetName") or "").replace(", s/n", "")
        place = " / ".join(part.strip() for part in street.split("/") if part.strip())
        if place and feature["properties"].get("status") == "OPN":
            found["station"].append((place, Point(feature["geometry"]["coordinates"][:2])))
    seen = set()
    for feature in _features(data_dir / "bike_lanes.geojson"):
        place = _lane_place(feature["properties"].get("TOOLTIP") or "")
        line = LineString(feature["geometry"]["coordinates"], srid=4326)
        metres = line.transform(_TO_METRIC, clone=True).length
        if place and place not in seen and LANE_METRES[0] <= metres <= LANE_METRES[1]:
            seen.add(place)
            if line.num_points > MAX_VERTICES:
                line = line.simplify(0.00001, preserve_topology=True)  # about a metre
            found["lane"].append((place, line))
    sites = {}
    for source, candidates in found.items():
        sites[source] = []
        for place, geometry in candidates:
            geometry.srid = 4326
            anchor = geometry if geometry.geom_type == "Point" else \
                geometry.interpolate_normalized(0.5)
            district = district_of(anchor)
            if district:
                sites[source].append(Site(place, district, geometry))
    return sites


def _rounded(coords):
    """GeoJSON coordinates to 7 decimals (about a centimetre), as a map client sends them."""
    if isinstance(coords[0], int | float):
        return [round(coords[0], 7), round(coords[1], 7)]
    return [_rounded(item) for item in coords]


def _shape(site: Site, kind: str, rng: random.Random) -> dict:
    """The GeoJSON of a proposal on a site: the point, the lane, or a small area around."""
    if kind != "Polygon":
        return {"type": site.geometry.geom_type, "coordinates": _rounded(site.geometry.coords)}
    # About 40 m across, drawn in metres so it is a true hexagon or square on the ground.
    centre = site.geometry.transform(_TO_METRIC, clone=True)
    sides, radius, turn = rng.choice((4, 6)), rng.uniform(18, 26), rng.uniform(0, math.pi)
    ring = [(centre.x + radius * math.cos(turn + 2 * math.pi * i / sides),
             centre.y + radius * math.sin(turn + 2 * math.pi * i / sides))
            for i in range(sides)]
    polygon = Polygon([*ring, ring[0]], srid=METRIC_SRID)
    polygon.transform(_TO_WGS84)
    return {"type": "Polygon", "coordinates": _rounded(polygon.coords)}


# (geometry, category, source, author, title, body); {place} is the site's real name.
IDEAS = [
    ("Point", "green-space", "fountain", "resident", "Shade over the fountain on {place}",
     "In July nobody can stand at this fountain after midday. A tree or a simple pergola "
     "would make it usable all summer, especially for older neighbours."),
    ("Point", "mobility", "station", "citizen", "Bike stands next to the Bicing on {place}",
     "Private bikes end up locked to the Bicing docks because there is nowhere else. A row "
     "of stands right beside the station would free the docks."),
    ("Point", "public-space", "fountain", "citizen", "Two benches by the fountain on {place}",
     "People stop here to fill their bottles and there is nowhere to sit. Two benches "
     "facing each other would turn this corner into a small meeting point."),
    ("Point", "play", "fountain", "resident", "A lower tap for children on {place}",
     "Kids can't reach this fountain without being lifted. A second, lower spout (and a "
     "bowl for dogs) would help the families who use it every day."),
    ("Point", "culture", "station", "business", "Community noticeboard at {place}",
     "Shops and associations around here tape posters to lampposts. A proper noticeboard "
     "next to the station would keep the street tidy and people informed."),
    ("Point", "mobility", "station", "expert", "Safer exit from the Bicing on {place}",
     "Cyclists leaving the station ride across the pavement to reach the road. A short "
     "ramp and a marked crossing would keep them away from people walking."),
    ("Point", "green-space", "station", "business", "Planters instead of parking on {place}",
     "Next to the station there is a car space that is mostly used for double parking. "
     "Two big planters with trees would cool the corner and look much better."),
    ("Point", "public-space", "fountain", "resident", "Fix the fountain on {place}",
     "This fountain has been dripping for months and the drain is blocked, so there is "
     "always a puddle. Please repair it and clean the grate."),
    ("Point", "mobility", "fountain", "citizen", "More room to walk past {place}",
     "Between the fountain, a bin and a lamppost there is less than a metre left. "
     "Pushchairs and wheelchairs have to go out onto the road."),
    ("Point", "culture", "fountain", "expert", "Tell the story of {place}",
     "A small plaque with old photos and a few lines of history would show neighbours and "
     "visitors what this street used to be."),
    ("Point", "play", "station", "citizen", "Ping-pong table near {place}",
     "The pavement is wide enough here for a concrete table tennis table. Teenagers in "
     "the area have nowhere to meet that isn't a bar terrace."),
    ("Point", "mobility", "station", "resident", "More docks at the Bicing on {place}",
     "Every morning the station is empty by 8:30 and in the evening there is never a free "
     "dock. Ten more docks would make a real difference."),
    ("Point", "green-space", "fountain", "expert", "Rain garden by the fountain on {place}",
     "The fountain's overflow and the rain from the street could water a small planted "
     "bed instead of going straight into the sewer."),
    ("Point", "public-space", "station", "business", "Drinking water at the Bicing on {place}",
     "Cyclists and delivery riders stop here all day in summer. A fountain next to the "
     "station would be used constantly."),
    ("LineString", "mobility", "lane", "expert", "Protect the bike lane on {place}",
     "Cars and vans stop on the lane every day. A low kerb or bollards along this stretch "
     "would keep it clear without taking any more space."),
    ("LineString", "green-space", "lane", "resident", "Trees along the bike lane on {place}",
     "This stretch has no shade at all. A line of trees between the lane and the traffic "
     "would cool it down and make it feel safer too."),
    ("LineString", "public-space", "lane", "citizen", "Better lighting on {place}",
     "After dark this stretch is badly lit and you can't see the potholes. Lights at "
     "cyclist height would help a lot in winter."),
    ("LineString", "mobility", "lane", "business", "Loading bays off the lane on {place}",
     "I run a shop here and see vans stopping on the bike lane because there is nowhere "
     "else. Short-stay loading bays would solve it for everyone."),
    ("LineString", "play", "lane", "citizen", "Learn-to-ride Sundays on {place}",
     "Close this stretch to cars on Sunday mornings so children can learn to ride safely "
     "next to the existing lane."),
    ("LineString", "mobility", "lane", "resident", "Resurface the bike lane on {place}",
     "The paint is worn out and there are cracks and loose drain covers. Resurfacing would "
     "make it much safer, especially for scooters."),
    ("LineString", "culture", "lane", "expert", "A cultural route along {place}",
     "The lane passes libraries, civic centres and a market. Simple signs with walking and "
     "cycling times would turn it into a route people use at weekends."),
    ("LineString", "green-space", "lane", "expert", "A green strip along {place}",
     "Replace the painted buffer between the lane and the traffic with a planted strip. "
     "It soaks up rain, cools the street and separates cyclists properly."),
    ("LineString", "mobility", "lane", "citizen", "Make the lane on {place} two-way",
     "To ride back you have to go round three blocks, so people ride against the traffic. "
     "A two-way lane on this stretch would fix that."),
    ("LineString", "public-space", "lane", "resident", "Slow the traffic on {place}",
     "Cars go far too fast next to the lane. Raised crossings at each junction on this "
     "stretch would slow them down and help people on foot."),
    ("LineString", "mobility", "lane", "business", "A green wave for bikes on {place}",
     "Time the traffic lights for 20 km/h along this stretch so cyclists don't have to "
     "stop at every junction."),
    ("LineString", "play", "lane", "resident", "Distance markers for runners on {place}",
     "Lots of people jog next to this lane. Markers every 100 m and a water point would "
     "make it a proper running route."),
    ("LineString", "culture", "lane", "citizen", "Murals on the walls along {place}",
     "The walls on this stretch are grey and covered in tags. Inviting local artists to "
     "paint murals would change how the whole street feels."),
    ("Polygon", "green-space", "fountain", "resident", "A pocket park on {place}",
     "This bit of leftover pavement could be a small garden with trees and benches. "
     "There is no green space within five minutes' walk."),
    ("Polygon", "play", "station", "resident", "Small playground near {place}",
     "Families with toddlers have to walk a long way to the nearest playground. A small "
     "fenced area with sand and a slide would fit here."),
    ("Polygon", "public-space", "fountain", "expert", "Turn this corner of {place} into a square",
     "Remove the parking, raise the road to pavement level and add seating: the corner "
     "would become a real square for the block."),
    ("Polygon", "culture", "station", "citizen", "Open-air stage near {place}",
     "A low platform with power points for concerts, theatre and street parties in "
     "summer. The neighbourhood groups would take care of the programme."),
    ("Polygon", "play", "fountain", "citizen", "Basketball hoops on {place}",
     "Teenagers already play here with a portable hoop. Two fixed hoops and some court "
     "markings would give them a proper place."),
    ("Polygon", "green-space", "fountain", "expert", "Community garden on {place}",
     "Raised beds run by neighbours, watered from the fountain next to it. A garden like "
     "this brings people together and teaches kids where food comes from."),
    ("Polygon", "public-space", "station", "business", "Free public tables near {place}",
     "All the seats around here belong to terraces. Some public benches and tables in the "
     "shade, for people who don't want to pay for a drink."),
    ("Polygon", "mobility", "station", "business", "Secure bike parking near {place}",
     "Flats here have no room for bikes, so they end up on balconies. A locked parking "
     "area with space for cargo bikes would get more people cycling."),
    ("Polygon", "culture", "fountain", "resident", "Reading corner on {place}",
     "A weatherproof bookcase for swapping books, a few chairs and some shade. It works "
     "in other neighbourhoods and costs almost nothing."),
    ("Polygon", "green-space", "station", "citizen", "Take up the asphalt near {place}",
     "This is all asphalt and it gives off heat until midnight in summer. Take some of it "
     "up and plant trees and shrubs."),
    ("Polygon", "play", "fountain", "expert", "Outdoor fitness area on {place}",
     "Simple exercise equipment for all ages, including older neighbours who want to keep "
     "active, next to the fountain."),
    ("Polygon", "public-space", "fountain", "resident", "A shaded meeting point on {place}",
     "A pergola with climbing plants and a few benches where neighbours can stop and talk, "
     "out of the sun."),
    ("Polygon", "culture", "station", "business", "Space for a weekend market near {place}",
     "Mark out stalls and add power points for a monthly market of local makers, "
     "producers and the shops of the street."),
]


def proposals_create(*, project: Project, authors: dict, districts, data_dir: Path,
                     since: datetime) -> list[Proposal]:
    """Put each idea on a real site, turning through the districts so all have some."""
    rng = random.Random(SEED)  # noqa: S311 - a repeatable demo layout, not a secret
    sites = _sites(data_dir, districts)
    names = [name for name, _ in districts]
    pools = {(source, name): [s for s in found if s.district == name]
             for source, found in sites.items() for name in names}
    for pool in pools.values():
        rng.shuffle(pool)
    used, created = set(), []
    for index, (kind, category, source, author, title, body) in enumerate(IDEAS):
        # Its own district first; if nothing there works, the next ones in turn.
        order = names[index % len(names):] + names[:index % len(names)]
        candidates = (site for name in order for site in pools[(source, name)])
        for site in candidates:
            text = title.format(place=site.place)
            if site.place in used or len(text) > TITLE_MAX:
                continue
            try:
                proposal = proposal_create(
                    project=project, author=authors[author], title=text, body=body,
                    category=category, geometry=_shape(site, kind, rng),
                )
            except ValidationError:
                continue  # e.g. a site on the edge of the area; the next one will do
            used.add(site.place)
            created.append(proposal)
            break
    # Spread over the days ideation has been open, as if neighbours wrote them one by one.
    span = (timezone.now() - since).total_seconds()
    for proposal in created:
        moment = since + timedelta(seconds=rng.uniform(0, span))
        Proposal.objects.filter(pk=proposal.pk).update(created_at=moment)
    return created
