"""The demo cities' places: Barcelona's districts and neighbourhoods, Cambridge's
neighbourhoods and streets, found by name through the API, each city its own."""

import pytest
from django.test import Client

from demo.loader import demo_load

pytestmark = pytest.mark.django_db


def found(prefix: str, search: str) -> list[tuple[str, str, str]]:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"{prefix}api/v1/places/",
                                                     {"search": search})
    assert response.status_code == 200
    return [(f["properties"]["name"], f["properties"]["kind"], f["properties"]["layer"])
            for f in response.json()["features"]]


def test_each_demo_city_finds_its_own_streets_and_districts():
    demo_load()
    # Barcelona, served at /: its districts and neighbourhoods, typed without accents.
    assert found("/", "gracia")[0] == ("Gràcia", "area", "Barcelona districts")
    assert ("la Vila de Gràcia", "area", "Barcelona neighbourhoods") in found("/", "gracia")
    assert found("/", "sant antoni")[0] == ("Sant Antoni", "area",
                                            "Barcelona neighbourhoods")
    assert found("/", "magazine") == []  # Cambridge's street is not Barcelona's
    # Cambridge: a street made of several segments is one place.
    assert found("/cambridge/", "magazine st")[0] == ("Magazine St", "line",
                                                      "Cambridge streets")
    assert found("/cambridge/", "massachusets")[0][0] == "Massachusetts Ave"
    assert found("/cambridge/", "cambridgeport")[0] == ("Cambridgeport", "area",
                                                       "Cambridge neighbourhoods")
    assert found("/cambridge/", "gracia") == []


def test_a_demo_loaded_before_names_its_neighbourhoods_by_their_own_name_again():
    from gisdata.models import Layer, Place

    demo_load()
    barris = Layer.objects.get(dataset__name="Barcelona neighbourhoods")
    assert barris.label_property == "nom_barri"
    Layer.objects.filter(pk=barris.pk).update(label_property="nom_districte")  # as once
    assert Place.objects.filter(layer=barris).count() == 10  # named by their district
    demo_load()
    assert Layer.objects.get(pk=barris.pk).label_property == "nom_barri"
    assert Place.objects.filter(layer=barris).count() == 73
