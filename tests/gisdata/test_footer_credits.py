"""Every page's footer credits the data the site publishes: the attribution of each
dataset a published layer comes from (gisdata/credits.py), escaped, linked to its
source, and nothing for data no map shows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gisdata.layer_services import layer_publish
from gisdata.models import Dataset, Layer

pytestmark = pytest.mark.django_db

BCN = "Contains data from Open Data BCN, Ajuntament de Barcelona (CC BY 4.0)"


def layer_make(name: str, attribution: str, *, published: bool,
               source_url: str = "https://example.org/x.geojson") -> Layer:
    dataset = Dataset.objects.create(name=name, slug=name, source_url=source_url,
                                     source_file="" if source_url else f"{name}.geojson",
                                     attribution=attribution)
    return Layer.objects.create(dataset=dataset, name=name, title=name,
                                geometry_type="Point", is_published=published)


def footer(client) -> str:
    page = client.get(reverse("proposals:home")).content.decode()
    return page[page.index('<footer class="site-footer">'):]


@pytest.mark.quality("credit-of-another-city")
def test_it_credits_published_layers_and_not_unpublished_ones(client):
    layer_make("districts", BCN, published=True,
               source_url="https://opendata-ajuntament.barcelona.cat/districtes.zip")
    layer_make("survey", "Private survey, not for the public", published=False)
    html = footer(client)
    assert (f'<a href="https://opendata-ajuntament.barcelona.cat/districtes.zip">{BCN}</a>'
            in html)
    assert "Private survey" not in html


@pytest.mark.quality("credit-of-another-city")
def test_an_attribution_is_shown_as_text_never_as_markup(client):
    layer_make("hostile", '<script>alert("credit")</script> City & Co', published=True,
               source_url="")
    html = footer(client)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;credit&quot;)&lt;/script&gt; City &amp; Co" in html


def test_a_shared_credit_appears_once_and_a_source_that_is_no_web_address_is_not_linked(
        client):
    layer_make("fountains", BCN, published=True, source_url="")
    layer_make("lanes", BCN, published=True, source_url="")
    layer_make("odd", "Odd source", published=True, source_url="javascript:alert(1)")
    html = footer(client)
    assert html.count(BCN) == 1
    assert "Odd source" in html and "javascript:" not in html


@pytest.mark.quality("credit-of-another-city")
def test_no_published_data_no_credits(client):
    layer_make("survey", BCN, published=False)
    html = footer(client)
    assert 'class="data-credits"' not in html and "Open Data BCN" not in html


def test_the_cached_credits_follow_publishing_and_the_datasets_attribution(
        client, planner, django_capture_on_commit_callbacks):
    layer = layer_make("districts", BCN, published=False)
    assert BCN not in footer(client)  # cached: no credits
    with django_capture_on_commit_callbacks(execute=True):
        layer_publish(layer=layer, user=planner, published=True)
    assert BCN in footer(client)
    with django_capture_on_commit_callbacks(execute=True):
        dataset = layer.dataset
        dataset.attribution = "City of Cambridge GIS (ODC PDDL 1.0)"
        dataset.save()
    html = footer(client)
    assert "City of Cambridge GIS" in html and BCN not in html
    with django_capture_on_commit_callbacks(execute=True):
        layer_publish(layer=layer, user=planner, published=False)
    assert "City of Cambridge GIS" not in footer(client)
