"""Every real open data file of the suite imports with the counts, types and CRSs it must have.

The files are in tests/data/ and demo/; the expected numbers are those of
tests/data/README.md (several files there are samples of larger originals). The pipeline
runs here in the test process (`import_run_execute`, what the worker calls);
tests/gisdata/test_import_worker.py runs it through a real worker.
"""

from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core.files import File

from gisdata.imports import services
from gisdata.models import Feature, ImportRun, Layer

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"


def run_import(relative: str, *, layers=(), **fields) -> ImportRun:
    """Import tests/data/<relative>, or demo/<relative> for a path starting with demo/."""
    path = ROOT / relative if relative.startswith("demo/") else DATA / relative
    with open(path, "rb") as handle:
        dataset = services.dataset_create(name=path.stem, source_file=File(
            handle, name=path.name), **fields)
    run = services.import_start(dataset=dataset, layers=layers)
    services.import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def layer(run: ImportRun, name: str | None = None) -> Layer:
    layers = run.dataset.layers.all()
    return layers.get(name=name) if name else layers.get()


@pytest.mark.parametrize("relative, count, geometry_type", [
    ("demo/barcelona/bicing_stations.geojson", 465, "Point"),
    ("demo/barcelona/bike_lanes.geojson", 247, "LineString"),
    ("demo/barcelona/fountains.geojson", 1988, "Point"),
    ("demo/cambridge/neighborhoods.geojson", 13, "Polygon"),
    # Polygons and MultiPolygons (LineStrings and MultiLineStrings) mixed in the file:
    # the layer takes the multi type.
    ("demo/cambridge/floodplains_100yr.geojson", 21, "MultiPolygon"),
    ("cambridge/open_space.geojson", 38, "MultiPolygon"),
    ("cambridge/bike_facilities.geojson", 74, "MultiLineString"),
    ("cambridge/bike_racks.geojson", 145, "Point"),
])
def test_geojson_files(relative, count, geometry_type):
    run = run_import(relative)
    assert run.status == "succeeded", run.message
    imported = layer(run)
    assert (imported.feature_count, imported.geometry_type) == (count, geometry_type)
    assert Feature.objects.filter(layer=imported).count() == count
    assert run.imported_count + run.skipped_count == run.read_count == count


@pytest.mark.quality("wrong-crs")
def test_barcelona_districts_from_a_zipped_shapefile_in_etrs89():
    run = run_import("demo/barcelona/districtes.zip")
    assert run.status == "succeeded", run.message
    districts = layer(run)
    # Polygon and MultiPolygon mixed in the source: promoted to the multi type.
    assert (districts.feature_count, districts.geometry_type) == (10, "MultiPolygon")
    names = set(Feature.objects.filter(layer=districts).values_list("properties__NOM",
                                                                     flat=True))
    assert "Sants-Montjuïc" in names  # UTF-8 DBF without a .cpg: accents intact
    # Reprojected from EPSG:25831: Plaça de Catalunya lies in Eixample or Ciutat Vella.
    placa = Point(2.1700, 41.3870, srid=4326)
    here = Feature.objects.filter(layer=districts, geometry__intersects=placa)
    assert here.values_list("properties__NOM", flat=True).first() in {"Eixample",
                                                                      "Ciutat Vella"}


def test_census_sections_polygons_and_one_multipolygon_become_one_multi_type():
    run = run_import("barcelona/seccions_censals.zip")
    assert run.status == "succeeded", run.message
    sections = layer(run)
    assert (sections.feature_count, sections.geometry_type) == (117, "MultiPolygon")
    # Sants-Montjuïc, reprojected from EPSG:25831: Montjuïc's castle lies in one section.
    castle = Point(2.1660, 41.3636, srid=4326)
    assert Feature.objects.filter(layer=sections, geometry__intersects=castle).count() == 1


@pytest.mark.quality("wrong-crs")
def test_new_york_boroughs_in_us_survey_feet():
    run = run_import("nyc/nybb_16a.zip")
    assert run.status == "succeeded", run.message
    boroughs = layer(run)
    assert (boroughs.feature_count, boroughs.geometry_type) == (5, "MultiPolygon")
    west, south, east, north = boroughs.extent.extent
    assert -74.3 < west < -74.2 and 40.4 < south < 40.6 and -73.8 < east < -73.6
    assert 40.8 < north < 41.0


@pytest.mark.quality("incomplete-shapefile")
def test_a_geopackage_with_four_layers_all_or_some():
    run = run_import("prague/bubenec.gpkg")
    assert run.status == "succeeded", run.message
    counts = dict(run.dataset.layers.values_list("name", "feature_count"))
    assert counts == {"buildings": 144, "streets": 35, "plots": 407, "tessellation": 144}
    some = run_import("prague/bubenec.gpkg", layers=["streets"])
    assert list(some.dataset.layers.values_list("name", flat=True)) == ["streets"]
    assert layer(some).geometry_type == "LineString"


@pytest.mark.quality("incomplete-shapefile")
def test_a_missing_layer_is_named():
    run = run_import("prague/bubenec.gpkg", layers=["roads"])
    assert run.status == "failed"
    assert "no layer roads" in run.message and "buildings" in run.message


def test_reimporting_replaces_the_layers_and_bumps_the_version():
    run = run_import("demo/cambridge/neighborhoods.geojson")
    again = services.import_start(dataset=run.dataset)
    services.import_run_execute(run_id=again.pk)
    neighbourhoods = layer(run)
    assert neighbourhoods.version == 2 and neighbourhoods.feature_count == 13
    assert Feature.objects.filter(layer=neighbourhoods).count() == 13
    run.dataset.refresh_from_db()
    assert run.dataset.version == 2


@pytest.mark.quality("delivered-twice")
def test_the_same_run_executed_twice_imports_once():
    run = run_import("demo/barcelona/bicing_stations.geojson")
    assert services.import_run_execute(run_id=run.pk) == "succeeded"
    assert Feature.objects.filter(layer=layer(run)).count() == 465


@pytest.mark.quality("csv-files")
def test_a_csv_with_decimal_commas_and_a_bom():
    run = run_import("barcelona/tourist_flats.csv", source_srid=4326,
                     options={"x_field": "LONGITUD_X", "y_field": "LATITUD_Y"})
    assert run.status == "succeeded", run.message
    flats = layer(run)
    assert (flats.feature_count, flats.geometry_type) == (215, "Point")
    west, south, east, north = flats.extent.extent
    assert 2.0 < west < east < 2.3 and 41.3 < south < north < 41.5


@pytest.mark.quality("wrong-crs")
def test_a_csv_without_a_crs_asks_for_one():
    run = run_import("barcelona/tourist_flats.csv",
                     options={"x_field": "LONGITUD_X", "y_field": "LATITUD_Y"})
    assert run.status == "failed"
    assert "EPSG code" in run.message
    assert not run.dataset.layers.exists()


@pytest.mark.parametrize("column, srid", [("geometria_wgs84", 4326),
                                          ("geometria_etrs89", 25831)])
@pytest.mark.quality("wrong-crs")
def test_a_csv_with_two_wkt_columns_in_two_crss(column, srid):
    run = run_import("barcelona/barris_wkt.csv", source_srid=srid,
                     options={"wkt_field": column})
    assert run.status == "succeeded", run.message
    neighbourhoods = layer(run)
    assert (neighbourhoods.feature_count, neighbourhoods.geometry_type) == (7, "MultiPolygon")
    west, south, east, north = neighbourhoods.extent.extent
    assert 2.0 < west < east < 2.3 and 41.3 < south < north < 41.5


@pytest.mark.quality("invalid-geometry", "csv-files")
def test_a_csv_with_bad_rows_imports_nothing_and_lists_them(tmp_path):
    bad = tmp_path / "stops.csv"
    bad.write_text("name;lon;lat\nA;2,17;41,38\nB;not a number;41,39\nC;2,18;\nD;2,19;41,40\n",
                   encoding="utf-8")
    with open(bad, "rb") as handle:
        dataset = services.dataset_create(name="stops", source_file=File(handle, name="s.csv"),
                                          source_srid=4326)
    run = services.import_start(dataset=dataset)
    services.import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and "2 of 4 rows" in run.message
    assert [e["feature"] for e in run.errors] == [2, 3]
    assert not Feature.objects.exists()
    dataset.options = {"skip_bad_rows": True}
    dataset.save()
    again = services.import_start(dataset=dataset)
    services.import_run_execute(run_id=again.pk)
    again.refresh_from_db()
    assert (again.status, again.imported_count, again.skipped_count) == ("succeeded", 2, 2)


@pytest.mark.quality("content-not-extension")
def test_gdal_never_registers_the_drivers_that_open_other_files():
    import os

    import pyogrio

    from gisdata.imports.inspection.drivers import GDAL_SKIP_FOR_UPLOADS

    assert os.environ["GDAL_SKIP"] == GDAL_SKIP_FOR_UPLOADS
    drivers = pyogrio.list_drivers()
    assert "VRT" not in drivers and "OGR_VRT" not in drivers and "WFS" not in drivers
    assert {"ESRI Shapefile", "GPKG", "GeoJSON", "CSV"} <= set(drivers)
