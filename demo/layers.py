"""The demo's open data, imported through the same pipeline planners use.

Barcelona's districts, neighbourhoods, bike lanes and fountains become published layers
of its map; in Cambridge (Massachusetts), the neighbourhoods, the streets of Cambridgeport
and Central Square, and the FEMA 100-year flood zones, a constraint layer of the
riverside project (`demo/riverside.py`). The districts, neighbourhoods and streets are
named (their label property, guessed at import), so the maps' place search finds them. Each
city's layers are imported while it is being served (`core.tenancy.working_for`), so
they are its own. Imports run in this process
(`import_run_execute`, what a worker runs) because `make run` loads the demo before it
starts the workers.
"""

from __future__ import annotations

from pathlib import Path

from django.core.files import File

from gisdata.credits import credits_forget
from gisdata.imports import services as gis
from gisdata.models import Constraint, Dataset, Feature, Layer, Severity

DEMO = Path(__file__).resolve().parent
BCN = "Contains data from Open Data BCN, Ajuntament de Barcelona (CC BY 4.0)"
CAMBRIDGE = "City of Cambridge GIS (ODC PDDL 1.0)"
DISTRICTS = "Barcelona districts"
NEIGHBOURHOODS = "Barcelona neighbourhoods"
FLOOD_ZONES = "Cambridge 100-year flood zones"
CAMBRIDGE_NEIGHBOURHOODS = "Cambridge neighbourhoods"
# Its streets, found by name in the maps' place search (a part of the city: the file's
# attribution says which).
CAMBRIDGE_STREETS = "Cambridge streets"
# The neighbourhoods' CSV has two WKT columns: the one in longitude and latitude is read.
BARRIS = {"wkt_field": "geometria_wgs84"}
# (name, file, licence, attribution, options of a CSV and its EPSG code)
BARCELONA_DATASETS = [
    (DISTRICTS, DEMO / "barcelona/districtes.zip", "CC BY 4.0", BCN, None),
    (NEIGHBOURHOODS, DEMO / "barcelona/barris_wkt.csv", "CC BY 4.0", BCN, (BARRIS, 4326)),
    ("Barcelona bike lanes", DEMO / "barcelona/bike_lanes.geojson", "CC BY 4.0", BCN, None),
    ("Barcelona drinking fountains", DEMO / "barcelona/fountains.geojson", "CC BY 4.0", BCN,
     None),
]
CAMBRIDGE_DATASETS = [
    (CAMBRIDGE_NEIGHBOURHOODS, DEMO / "cambridge/neighborhoods.geojson", "ODC PDDL 1.0",
     CAMBRIDGE, None),
    (FLOOD_ZONES, DEMO / "cambridge/floodplains_100yr.geojson", "ODC PDDL 1.0", CAMBRIDGE,
     None),
    (CAMBRIDGE_STREETS, DEMO / "cambridge/street_centerlines.geojson", "ODC PDDL 1.0",
     CAMBRIDGE, None),
]

DATASETS = BARCELONA_DATASETS + CAMBRIDGE_DATASETS


def layer_import(name: str, path: Path, licence: str, attribution: str,
                 csv: tuple[dict, int] | None = None) -> Layer | None:
    """The file's layer, imported and published under the dataset's name, once, for the
    municipality being served; None if the import failed."""
    dataset = Dataset.objects.filter(name=name).first()
    if dataset is None:
        options, srid = csv or (None, None)
        with open(path, "rb") as handle:
            run = gis.dataset_import(user=None, name=name,
                                     source_file=File(handle, name=path.name),
                                     licence=licence, attribution=attribution,
                                     options=options, source_srid=srid)
        gis.import_run_execute(run_id=run.pk)
        dataset = run.dataset
    layer = dataset.layers.first()
    if layer is not None and not layer.is_published:
        Layer.objects.filter(pk=layer.pk).update(is_published=True, title=name)
        credits_forget()  # an UPDATE sends no signal: the footer must credit it now
    return layer


def _districts_mark(districts: Layer | None) -> None:
    """Breakdowns by district start from the layer a planner marked: the demo's, unless
    a layer of the municipality is marked already."""
    if districts is not None and not Layer.objects.filter(is_districts=True).exists():
        Layer.objects.filter(pk=districts.pk).update(is_districts=True)


def _flood_constraint(flood: Layer | None) -> None:
    if flood is not None and not flood.constraints.exists():
        Constraint.objects.create(
            layer=flood, rule="intersects", severity=Severity.WARNING,
            message="This lies in the FEMA 100-year flood zone {fld_zone}: the city will "
                    "check that it can stand a flood.")


def barcelona_layers_load() -> dict[str, Layer | None]:
    """Import and publish Barcelona's layers and mark its districts, each once; the
    layers by name. Run while Barcelona is being served."""
    layers = {row[0]: layer_import(*row) for row in BARCELONA_DATASETS}
    _districts_mark(layers[DISTRICTS])
    _neighbourhoods_named(layers[NEIGHBOURHOODS])
    return layers


def _neighbourhoods_named(layer: Layer | None) -> None:
    """The neighbourhoods by their own name: an import made before the guess preferred
    `nom_barri` named them by their district (the database then rebuilds the places)."""
    if layer is not None and layer.label_property == "nom_districte":
        Layer.objects.filter(pk=layer.pk).update(label_property="nom_barri")
        layer.label_property = "nom_barri"


def cambridge_layers_load() -> dict[str, Layer | None]:
    """Import and publish Cambridge's layers, mark its neighbourhoods as its districts
    (its breakdowns are by neighbourhood) and give the flood zones their constraint,
    each once; the layers by name. Run while Cambridge is being served."""
    layers = {row[0]: layer_import(*row) for row in CAMBRIDGE_DATASETS}
    _districts_mark(layers[CAMBRIDGE_NEIGHBOURHOODS])
    _flood_constraint(layers[FLOOD_ZONES])
    return layers


def flood_zone_point():
    """A point inside a Cambridge flood zone (for tests and for trying the demo)."""
    layer = Layer.objects.get(dataset__name=FLOOD_ZONES)
    return Feature.objects.filter(layer=layer).first().geometry.point_on_surface
