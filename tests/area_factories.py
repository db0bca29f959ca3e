"""Layers of districts and neighbourhoods on a grid, for the tests of areas and roll-ups.

The grid covers tests.factories.AREA_BBOX (2.10–2.22 E, 41.35–41.45 N): `columns`
districts side by side, each cut into `rows` neighbourhoods from south to north.
District codes are D1…, neighbourhood codes N<district>-<row>.
"""

from __future__ import annotations

from django.contrib.gis.geos import MultiPolygon, Polygon

from gisdata.models import Dataset, Feature, Layer
from tests.factories import AREA_BBOX

WEST, SOUTH, EAST, NORTH = AREA_BBOX


def box(west, south, east, north) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox((west, south, east, north)), srid=4326)


def grid_cells(columns: int, rows: int):
    """[(district_code, [(neighbourhood_code, (w, s, e, n)), …], (w, s, e, n)), …]."""
    width, height = (EAST - WEST) / columns, (NORTH - SOUTH) / rows
    cells = []
    for c in range(columns):
        w, e = WEST + c * width, WEST + (c + 1) * width
        cells.append((f"D{c + 1}", [(f"N{c + 1}-{r + 1}", (w, SOUTH + r * height, e,
                                                            SOUTH + (r + 1) * height))
                                    for r in range(rows)], (w, SOUTH, e, NORTH)))
    return cells


def layer_of(name: str, features: list[tuple[dict, MultiPolygon]], *,
             municipality=None) -> Layer:
    dataset = Dataset.objects.create(
        name=f"Dataset {name}", slug=f"ds-{name}", source_url="https://example.org/a.json",
        **({"municipality": municipality} if municipality is not None else {}))
    layer = Layer.objects.create(dataset=dataset, name=name, title=name.title(),
                                 geometry_type="MultiPolygon")
    Feature.objects.bulk_create([
        Feature(layer=layer, geometry=geometry, properties=properties, number=i)
        for i, (properties, geometry) in enumerate(features, start=1)])
    layer.refresh_from_db()  # its municipality, from the dataset's (a trigger)
    return layer


def grid_layers(columns: int = 2, rows: int = 2, *, municipality=None, population=None,
                with_parent: bool = False) -> tuple[Layer, Layer]:
    """A districts layer and a neighbourhoods layer on the grid."""
    population = population or (lambda code: None)
    districts, neighbourhoods = [], []
    for district, cells, bounds in grid_cells(columns, rows):
        districts.append(({"CODI": district, "NOM": f"District {district}"}, box(*bounds)))
        for code, cell in cells:
            properties = {"CODI": code, "NOM": f"Neighbourhood {code}"}
            if population(code) is not None:
                properties["POB"] = population(code)
            if with_parent:
                properties["DISTRICTE"] = district
            neighbourhoods.append((properties, box(*cell)))
    suffix = f"{columns}x{rows}-{Layer.objects.count()}"
    return (layer_of(f"districts-{suffix}", districts, municipality=municipality),
            layer_of(f"neighbourhoods-{suffix}", neighbourhoods, municipality=municipality))


def grid_import(columns: int = 2, rows: int = 2, *, municipality=None, planner=None,
                **kwargs) -> dict:
    from municipalities.selectors import municipality_default
    from proposals.areas import areas_import

    municipality = municipality or municipality_default()
    districts, neighbourhoods = grid_layers(columns, rows, municipality=municipality,
                                            **kwargs)
    return areas_import(planner=planner, municipality=municipality,
                        districts_layer=districts, district_code="CODI",
                        district_name="NOM", neighbourhoods_layer=neighbourhoods,
                        neighbourhood_code="CODI", neighbourhood_name="NOM",
                        population="POB")
