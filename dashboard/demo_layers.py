"""The demo's open data, imported through the same pipeline planners use.

Barcelona's districts, bike lanes and fountains become published layers of the map; in
Cambridge (Massachusetts), the FEMA 100-year flood zones become a constraint layer for
a second project, "Riverside play spaces": a citizen who draws a playground in a flood
zone is told so while drawing. Imports run in this process (`import_run_execute`, what a
worker runs) because `make run` loads the demo before it starts the workers.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from gisdata.imports import services as gis
from gisdata.models import Constraint, Dataset, Feature, Layer, Severity
from proposals.models import Category, Phase, PhaseKind, Project, Visibility

DEMO = Path(__file__).resolve().parent.parent / "demo"
BCN = "Contains data from Open Data BCN, Ajuntament de Barcelona (CC BY 4.0)"
CAMBRIDGE = "City of Cambridge GIS (ODC PDDL 1.0)"
DATASETS = [
    ("Barcelona districts", DEMO / "barcelona/districtes.zip", "CC BY 4.0", BCN),
    ("Barcelona bike lanes", DEMO / "barcelona/bike_lanes.geojson", "CC BY 4.0", BCN),
    ("Barcelona drinking fountains", DEMO / "barcelona/fountains.geojson", "CC BY 4.0", BCN),
    ("Cambridge 100-year flood zones", DEMO / "cambridge/floodplains_100yr.geojson",
     "ODC PDDL 1.0", CAMBRIDGE),
]
RIVERSIDE = "cambridge-riverside-play"


def _import(name: str, path: Path, licence: str, attribution: str) -> Layer | None:
    dataset = Dataset.objects.filter(name=name).first()
    if dataset is None:
        with open(path, "rb") as handle:
            run = gis.dataset_import(user=None, name=name,
                                     source_file=File(handle, name=path.name),
                                     licence=licence, attribution=attribution)
        gis.import_run_execute(run_id=run.pk)
        dataset = run.dataset
    layer = dataset.layers.first()
    if layer is not None and not layer.is_published:
        Layer.objects.filter(pk=layer.pk).update(is_published=True, title=name)
    return layer


def layers_load() -> None:
    """Import and publish the demo layers, once; then the Cambridge project."""
    layers = {name: _import(name, path, licence, attribution)
              for name, path, licence, attribution in DATASETS}
    districts = layers["Barcelona districts"]
    if districts is not None and not Layer.objects.filter(is_districts=True).exists():
        # Breakdowns by district start from the layer a planner marked: the demo's.
        Layer.objects.filter(pk=districts.pk).update(is_districts=True)
    flood = layers["Cambridge 100-year flood zones"]
    if flood is not None and not flood.constraints.exists():
        Constraint.objects.create(
            layer=flood, rule="intersects", severity=Severity.WARNING,
            message="This lies in the FEMA 100-year flood zone {fld_zone}: the city will "
                    "check that it can stand a flood.")
    _riverside_project()


def _riverside_project() -> None:
    if Project.objects.filter(slug=RIVERSIDE).exists():
        return
    neighbourhoods = DEMO / "cambridge/neighborhoods.geojson"
    shapes = [GEOSGeometry(json.dumps(f["geometry"]), srid=4326)
              for f in json.loads(neighbourhoods.read_text())["features"]]
    area = shapes[0]
    for shape in shapes[1:]:
        area = area.union(shape)
    area = area if area.geom_type == "MultiPolygon" else MultiPolygon(area, srid=4326)
    now = timezone.now()
    with transaction.atomic():
        project = Project.objects.create(
            slug=RIVERSIDE, title="Cambridge: riverside play spaces", area=area,
            visibility=Visibility.PUBLIC,
            description="Where should Cambridge add play spaces along the Charles River? "
                        "Draw your idea: the map tells you when a spot lies in the "
                        "100-year flood zone.")
        Category.objects.create(project=project, slug="play", name="Play", color="#e65100")
        Category.objects.create(project=project, slug="green", name="Green", color="#2e7d32")
        for kind, start, end in [(PhaseKind.IDEATION, -5, 55), (PhaseKind.VOTING, 55, 75),
                                 (PhaseKind.DECISION, 75, 105),
                                 (PhaseKind.IMPLEMENTATION, 105, 470)]:
            Phase.objects.create(project=project, kind=kind,
                                 starts_at=now + timedelta(days=start),
                                 ends_at=now + timedelta(days=end))


def flood_zone_point():
    """A point inside a Cambridge flood zone (for tests and for trying the demo)."""
    layer = Layer.objects.get(dataset__name="Cambridge 100-year flood zones")
    return Feature.objects.filter(layer=layer).first().geometry.point_on_surface
