"""The demo's three municipalities, Barcelona, Cambridge (Massachusetts) and Prague, in
one region.

Barcelona is the default municipality (it answers at /), Cambridge answers at
/cambridge/, Prague at /prague/ (in English: Plaza does not speak Czech). The
deployment's default municipality, made by the migrations under the site's name,
becomes Barcelona on the first load; a reload leaves each as a planner may have edited
it. Each city's area is the union of its own layer: Barcelona's ten
districts, Cambridge's thirteen neighbourhoods; Prague's is the one district the demo
holds of it, Bubeneč (`demo/energy_bubenec.py`).
"""

from __future__ import annotations

from django.contrib.gis.db.models import Union
from django.db import transaction

from demo.districts import area_union
from demo.layers import CAMBRIDGE_DATASETS
from demo.riverside import RIVERSIDE
from gisdata.models import Dataset, Feature, Layer
from municipalities import resolver
from municipalities.models import Municipality, Region
from municipalities.selectors import municipality_default
from proposals.models import Project

REGION_SLUG, REGION_NAME = "demo-region", "Demo region"
BARCELONA = {
    "slug": "barcelona", "name": "Barcelona", "languages": ["ca", "es", "en"],
    # Idescat, official population figures of the municipalities, 1 January 2023
    # (https://www.idescat.cat/pub/?id=pmh).
    "population": 1_655_956,
    "colour": "#b3202a",
    "tagline": "La ciutat que fem entre tots",  # its own words, in its first language
}
CAMBRIDGE = {
    "slug": "cambridge", "name": "Cambridge", "languages": ["en"],
    # US Census Bureau, 2020 Census, Cambridge city, Massachusetts
    # (https://data.census.gov/, table P1).
    "population": 118_403,
    "colour": "#1f6f5c",
    "tagline": "Cambridge, Massachusetts: shape your riverfront",
}
PRAGUE = {
    "slug": "prague", "name": "Prague", "languages": ["en"],
    # Czech Statistical Office (ČSÚ), population of the municipalities, 1 January 2024.
    "population": 1_384_732,
    "colour": "#5b3f8c",
    "tagline": "Prague: share the sun over Bubeneč's roofs",
}


def municipalities_ensure() -> tuple[Municipality, Municipality]:
    """The region, Barcelona (the default municipality), Cambridge and Prague, each
    made or turned into the demo's once; Barcelona and Cambridge returned."""
    with transaction.atomic():
        region, _ = Region.objects.get_or_create(slug=REGION_SLUG,
                                                 defaults={"name": REGION_NAME})
        barcelona = municipality_default()
        if barcelona.region_id is None:  # the deployment's own, not yet the demo's
            for field, value in BARCELONA.items():
                setattr(barcelona, field, value)
            barcelona.region = region
            barcelona.save()
        cambridge, _ = Municipality.objects.get_or_create(
            slug=CAMBRIDGE["slug"], defaults={**CAMBRIDGE, "region": region})
        Municipality.objects.get_or_create(slug=PRAGUE["slug"],
                                           defaults={**PRAGUE, "region": region})
    resolver.forget()  # this process serves /cambridge/ at once (`make run`'s checks)
    return barcelona, cambridge


def prague() -> Municipality:
    """Prague, made by `municipalities_ensure`."""
    return Municipality.objects.get(slug=PRAGUE["slug"])


def municipality_area_from(municipality: Municipality, layer: Layer | None) -> None:
    """The municipality's area: the union of the layer's shapes, once."""
    if layer is None or municipality.area is not None:
        return
    union = Feature.objects.filter(layer=layer).aggregate(area=Union("geometry"))["area"]
    if union is None:
        return
    municipality.area = area_union([union])
    Municipality.objects.filter(pk=municipality.pk).update(area=municipality.area)


def cambridge_adopt(barcelona: Municipality, cambridge: Municipality) -> None:
    """A demo loaded before municipalities holds Cambridge's project and layers in the
    default municipality, now Barcelona: they move to Cambridge (the project's phases
    and proposals, the layers and their rule with them) instead of being made there a
    second time. Nothing to do on a demo loaded since."""
    with transaction.atomic():
        if not Project.objects.filter(municipality=cambridge, slug=RIVERSIDE).exists():
            Project.objects.filter(municipality=barcelona, slug=RIVERSIDE).update(
                municipality=cambridge)
        names = [row[0] for row in CAMBRIDGE_DATASETS]
        taken = Dataset.objects.filter(municipality=cambridge, name__in=names)
        # The database moves each dataset's layers with it (gisdata 0009).
        Dataset.objects.filter(municipality=barcelona, name__in=names).exclude(
            name__in=taken.values("name")).update(municipality=cambridge)
