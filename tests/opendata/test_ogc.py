"""OGC API – Features at /ogc/: the documents, links and media types of Part 1, items
built by PostGIS, paging, filters, and errors a client can act on."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from opendata.ogc_params import CRS84

pytestmark = pytest.mark.django_db

GEOJSON = "application/geo+json"


@pytest.fixture
def client():
    return Client()


def get_json(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return response, json.loads(response.content)


def rels(doc) -> dict:
    return {(link["rel"], link["type"]): link["href"] for link in doc["links"]}


def test_the_landing_page_links_everything_a_client_needs(client, city):
    for path in ("/ogc", "/ogc/"):
        response, doc = get_json(client, path)
        assert response["Content-Type"] == "application/json"
        links = rels(doc)
        assert links[("self", "application/json")].startswith("http://testserver/ogc/")
        assert ("alternate", "text/html") in links
        assert links[("service-desc", "application/vnd.oai.openapi+json;version=3.0")] \
            == "http://testserver/ogc/api"
        assert ("service-doc", "text/html") in links
        assert links[("conformance", "application/json")] == "http://testserver/ogc/conformance"
        assert links[("data", "application/json")] == "http://testserver/ogc/collections"


def test_conformance_names_core_geojson_html_and_openapi(client, db):
    _, doc = get_json(client, "/ogc/conformance")
    base = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
    assert {base + c for c in ("core", "geojson", "oas30", "html")} <= set(doc["conformsTo"])


def test_the_service_desc_is_openapi_3_0_with_the_ogc_paths(client, db):
    response = client.get("/ogc/api")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.oai.openapi+json;version=3.0"
    doc = json.loads(response.content)
    assert doc["openapi"].startswith("3.0")
    assert doc["servers"] == [{"url": "http://testserver/ogc"}]  # + "/collections" …
    assert {"/", "/conformance", "/collections", "/collections/{collection_id}",
            "/collections/{collection_id}/items",
            "/collections/{collection_id}/items/{feature_id}"} <= set(doc["paths"])
    names = {p["name"] for p in doc["paths"]["/collections/{collection_id}/items"]["get"][
        "parameters"]}
    assert {"bbox", "limit", "datetime", "offset", "f"} <= names


def test_the_service_doc_is_served_from_plaza_itself(client, db):
    response = client.get("/ogc/api.html")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()


def test_collections_are_the_published_layers_and_the_public_projects(client, city):
    _, doc = get_json(client, "/ogc/collections")
    ids = [c["id"] for c in doc["collections"]]
    assert ids == ["proposals-open-city", "ds-fountains-fountains"]
    layer = doc["collections"][1]
    assert layer["title"] == "Fountains"
    assert layer["license"] == "CC BY 4.0"
    assert layer["attribution"] == "City of Barcelona <Open Data>"
    assert layer["extent"]["spatial"]["crs"] == CRS84
    assert layer["extent"]["spatial"]["bbox"] == [[2.15, 41.38, 2.159, 41.382]]
    assert ("items", GEOJSON) in rels(layer)
    assert rels(doc)[("self", "application/json")].startswith("http://testserver/ogc/collections")


def test_a_proposals_collection_has_a_temporal_extent(client, city):
    _, doc = get_json(client, "/ogc/collections/proposals-open-city")
    start, end = doc["extent"]["temporal"]["interval"][0]
    assert start <= end and start.endswith("Z")
    assert doc["extent"]["spatial"]["bbox"] == [[2.10, 41.35, 2.22, 41.45]]
    assert doc["license"].startswith("https://creativecommons.org/")
    assert ("license", "text/html") in rels(doc)
    assert rels(doc)[("self", "application/json")].startswith(
        "http://testserver/ogc/collections/proposals-open-city")


def test_drafts_and_unpublished_layers_are_not_collections(client, city):
    for cid in ("proposals-secret-draft", "ds-unpublished-unpublished", "nothing"):
        assert client.get(f"/ogc/collections/{cid}").status_code == 404
        assert client.get(f"/ogc/collections/{cid}/items").status_code == 404


def test_items_page_with_next_and_prev_links_and_counts(client, city):
    url = "/ogc/collections/ds-fountains-fountains/items"
    response, doc = get_json(client, url, limit=10)  # what GDAL 3.6 asks for
    assert response["Content-Type"] == GEOJSON
    assert response["Content-Crs"] == f"<{CRS84}>"
    assert doc["type"] == "FeatureCollection"
    assert (doc["numberMatched"], doc["numberReturned"]) == (25, 10)
    assert [f["properties"]["n"] for f in doc["features"]] == list(range(10))
    assert doc["features"][0]["geometry"] == {"type": "Point", "coordinates": [2.15, 41.38]}
    seen, pages, href = [], 0, rels(doc)[("self", GEOJSON)]
    while href:
        _, page = get_json(client, href)
        seen += [f["id"] for f in page["features"]]
        links = rels(page)
        assert links[("collection", "application/json")].endswith(
            "/ogc/collections/ds-fountains-fountains")
        assert (("prev", GEOJSON) in links) == (pages > 0)
        href, pages = links.get(("next", GEOJSON)), pages + 1
    assert pages == 3 and len(seen) == len(set(seen)) == 25


def test_items_by_bbox_count_only_what_matches(client, city):
    url = "/ogc/collections/ds-fountains-fountains/items"
    # The first row of the grid: x 2.150–2.159 at y 41.380; a bbox taking x ≤ 2.1535.
    _, doc = get_json(client, url, bbox="2.1495,41.3795,2.1535,41.3805", limit=2)
    assert doc["numberMatched"] == 4 and doc["numberReturned"] == 2
    assert [f["properties"]["n"] for f in doc["features"]] == [0, 1]
    _, doc = get_json(client, url, bbox="2.1495,41.3795,0,2.1535,41.3805,10", limit=100)
    assert doc["numberMatched"] == 4  # six numbers: heights are not filtered
    _, doc = get_json(client, url, bbox="10,0,11,1")
    assert (doc["numberMatched"], doc["features"]) == (0, [])


def test_a_bbox_takes_what_intersects_it_not_what_its_box_meets(client, db):
    from django.contrib.gis.geos import LineString

    from gisdata.models import Feature
    from tests.opendata.conftest import layer_make

    # 41.3910043 is 4.3e-6° (half a metre) north of the bbox: inside it for the index's
    # single-precision boxes, outside it for OGC API's filter.
    layer = layer_make("edges", points=[(2.1691651, 41.3910043), (2.17, 41.385)])
    # A diagonal whose box covers the bbox's corner, the line itself passing outside it.
    Feature.objects.create(layer=layer, properties={"n": 2}, geometry=LineString(
        (2.174, 41.40), (2.19, 41.389), srid=4326))
    _, doc = get_json(client, "/ogc/collections/ds-edges-edges/items",
                      bbox="2.16,41.38,2.175,41.391")
    assert [f["properties"]["n"] for f in doc["features"]] == [1]
    assert doc["numberMatched"] == 1


def test_a_bbox_across_the_antimeridian_takes_both_sides(client, db):
    from tests.opendata.conftest import layer_make

    layer_make("dateline", points=[(179.5, 0), (-179.5, 0), (0, 0)])
    _, doc = get_json(client, "/ogc/collections/ds-dateline-dateline/items",
                      bbox="179,-1,-179,1")
    assert sorted(f["geometry"]["coordinates"][0] for f in doc["features"]) == [-179.5, 179.5]


def test_a_single_item_and_its_links(client, city):
    feature = city["layer"].features.order_by("pk")[3]
    url = f"/ogc/collections/ds-fountains-fountains/items/{feature.pk}"
    response, doc = get_json(client, url)
    assert response["Content-Type"] == GEOJSON
    assert doc["id"] == feature.pk and doc["properties"] == {"name": "F3", "n": 3}
    assert ("collection", "application/json") in rels(doc)
    other = city["hidden_layer"].features.first()
    assert client.get(f"/ogc/collections/ds-fountains-fountains/items/{other.pk}"
                      ).status_code == 404
    assert client.get("/ogc/collections/ds-fountains-fountains/items/99999999999999999999"
                      ).status_code == 404


def test_proposals_items_are_public_ones_with_results_and_no_author(client, city):
    _, doc = get_json(client, "/ogc/collections/proposals-open-city/items", limit=100)
    assert sorted(f["id"] for f in doc["features"]) == sorted(p.pk for p in city["public"])
    first = next(f for f in doc["features"] if f["id"] == city["public"][0].pk)
    props = first["properties"]
    assert (props["supporters"], props["opponents"], props["abstentions"]) == (2, 1, 0)
    assert (props["support_weight"], props["oppose_weight"]) == (3.0, 3.0)
    assert props["score_weighted"] == 0 and props["score_equal"] == 1
    assert "author" not in props and "hidden_reason" not in props
    assert props["title"] == "Idea 0" and props["category"] == "mobility"


def test_proposals_results_stay_out_until_the_project_publishes_them(client, city):
    city["project"].voting.results_public = False
    city["project"].voting.save()
    _, doc = get_json(client, "/ogc/collections/proposals-open-city/items")
    assert doc["features"] and all("supporters" not in f["properties"]
                                   for f in doc["features"])


def test_proposals_filter_by_category_status_and_datetime(client, city):
    url = "/ogc/collections/proposals-open-city/items"
    _, doc = get_json(client, url, category="green")
    assert {f["properties"]["category"] for f in doc["features"]} == {"green"}
    assert doc["numberMatched"] == 2
    _, doc = get_json(client, url, status="shortlisted")
    assert doc["numberMatched"] == 0
    _, doc = get_json(client, url, datetime="2000-01-01T00:00:00Z/..")
    assert doc["numberMatched"] == 4
    _, doc = get_json(client, url, datetime="../2000-01-01")
    assert doc["numberMatched"] == 0


@pytest.mark.parametrize("params", [
    {"limit": "0"}, {"limit": "10001"}, {"limit": "ten"}, {"offset": "-1"},
    {"bbox": "1,2,3"}, {"bbox": "a,b,c,d"}, {"bbox": "0,50,1,40"}, {"bbox": "0,0,200,1"},
    {"bbox": "nan,0,1,1"}, {"datetime": "yesterday"}, {"datetime": "2026-02-30"},
    {"datetime": "2026-03-02/2026-03-01"}, {"datetime": "../.."[:2]}, {"f": "xml"},
    {"crs": "http://www.opengis.net/def/crs/EPSG/0/3857"}, {"colour": "red"},
    {"category": "green"},  # a proposals parameter, on a layer
])
@pytest.mark.quality("query-abuse", "invalid-geometry")
def test_bad_parameters_answer_400_naming_them(client, city, params):
    response = client.get("/ogc/collections/ds-fountains-fountains/items", params)
    assert response.status_code == 400
    assert set(json.loads(response.content)) == set(params)


@pytest.mark.quality("query-abuse")
def test_unknown_parameters_are_refused_on_every_document(client, city):
    for url in ("/ogc/", "/ogc/conformance", "/ogc/collections",
                "/ogc/collections/ds-fountains-fountains"):
        assert client.get(url, {"foo": "1"}).status_code == 400


@pytest.mark.quality("stored-xss")
def test_f_html_and_a_browser_get_html_with_escaped_text(client, city):
    city["layer"].title = "<script>alert(1)</script>"
    city["layer"].save()
    for url, kwargs in (("/ogc/collections?f=html", {}),
                        ("/ogc/collections", {"HTTP_ACCEPT": "text/html,*/*;q=0.8"})):
        response = client.get(url, **kwargs)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        body = response.content.decode()
        assert "<script>alert(1)</script>" not in body
        assert "&lt;script&gt;" in body
    for url in ("/ogc/?f=html", "/ogc/conformance?f=html",
                "/ogc/collections/ds-fountains-fountains?f=html",
                "/ogc/collections/ds-fountains-fountains/items?f=html&limit=3",
                f"/ogc/collections/ds-fountains-fountains/items/"
                f"{city['layer'].features.first().pk}?f=html"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html")


def test_f_json_wins_over_a_browser_accept_header(client, city):
    response = client.get("/ogc/collections?f=json", HTTP_ACCEPT="text/html")
    assert response["Content-Type"] == "application/json"
