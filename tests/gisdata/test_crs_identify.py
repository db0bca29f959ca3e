"""A CRS that a source describes without naming: read with a stated interpretation, or
refused with the closest EPSG codes (gisdata/imports/crs_identify.py).

The `.prj` texts are those real tools write: ESRI names, an unnamed datum ("D_unknown")
on GRS 1980, another ellipsoid. The shapefiles are written at test time by pyogrio, the
`.prj` replaced by the text under test, and imported by the real pipeline.
"""

import io
import struct
import zipfile
from pathlib import Path

import numpy as np
import pyogrio.raw
import pytest
from django.core.files.base import ContentFile
from pyproj import CRS

from gisdata.imports import services
from gisdata.imports.crs_identify import CrsUnknown, crs_identify
from gisdata.models import Feature, ImportStatus

GRS80_UNNAMED_LONLAT = (
    'GEOGCS["GRS 1980(IUGG, 1980)",DATUM["D_unknown",SPHEROID["GRS80",6378137,'
    '298.257222101]],PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]]')
GRS80_UNNAMED_UTM31 = (
    'PROJCS["UTM 31N",GEOGCS["GRS 1980(IUGG, 1980)",DATUM["D_unknown",SPHEROID["GRS80",'
    '6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]],'
    'PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],'
    'PARAMETER["central_meridian",3],PARAMETER["scale_factor",0.9996],'
    'PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["Meter",1]]')
BESSEL_UNNAMED = (
    'GEOGCS["Bessel",DATUM["D_unknown",SPHEROID["Bessel 1841",6377397.155,299.1528128]],'
    'PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]]')
PARIS_MERIDIAN = (
    'GEOGCS["Paris",DATUM["D_unknown",SPHEROID["GRS80",6378137,298.257222101]],'
    'PRIMEM["Paris",2.33722917],UNIT["Degree",0.017453292519943295]]')
# Plaça de Catalunya, Barcelona: lon/lat, and the same place in ETRS89 / UTM zone 31N.
PLACA = (2.1700, 41.3870)
PLACA_UTM31 = (430_605.31, 4_582_051.51)


def unnamed(epsg: int, datum: str, geographic: str) -> str:
    """EPSG's definition as ESRI WKT, with its datum's name taken out, as some tools do."""
    return (CRS.from_epsg(epsg).to_wkt("WKT1_ESRI")
            .replace(f"D_{datum}", "D_unknown").replace(f"GCS_{geographic}", "GCS_unknown"))


# ------------------------------------------------------------------- identification


def test_an_epsg_code_is_taken_as_it_is_and_no_crs_is_none():
    assert crs_identify("EPSG:25831", layer="l").srid == 25831
    assert crs_identify("EPSG:25831", layer="l").note == ""
    assert crs_identify(None, layer="l") is None
    assert crs_identify("  ", layer="l") is None


def test_lon_lat_on_grs80_with_an_unknown_datum_is_read_as_wgs84_and_says_so():
    reading = crs_identify(GRS80_UNNAMED_LONLAT, layer="parcels")
    assert reading.srid == 4326
    assert "parcels" in reading.note
    assert "unknown datum" in reading.note and "WGS 84 (EPSG:4326)" in reading.note
    assert "2 m" in reading.note


def test_an_esri_named_crs_is_identified_with_proj_s_confidence():
    reading = crs_identify(CRS.from_epsg(25831).to_wkt("WKT1_ESRI"), layer="l")
    assert reading.srid == 25831
    assert "EPSG:25831" in reading.note and "100%" in reading.note


def test_utm_on_an_unknown_datum_is_read_on_wgs84_and_names_the_etrs89_alternative():
    reading = crs_identify(GRS80_UNNAMED_UTM31, layer="l")
    assert reading.srid == 32631
    assert reading.alternatives == [25831]
    assert "25831 (ETRS89 / UTM zone 31N)" in reading.note


def test_a_projection_that_exists_on_one_datum_only_is_read_on_that_datum():
    reading = crs_identify(unnamed(2249, "North_American_1983", "North_American_1983"),
                           layer="l")
    assert reading.srid == 2249
    assert reading.alternatives == []


@pytest.mark.quality("prj-without-epsg")
def test_another_ellipsoid_with_an_unknown_datum_is_refused_with_the_closest_codes():
    with pytest.raises(CrsUnknown) as refused:
        crs_identify(BESSEL_UNNAMED, layer="old survey")
    assert refused.value.candidates, "the closest EPSG codes are listed"
    srid, confidence = refused.value.candidates[0]
    assert f"EPSG:{srid}" in str(refused.value) and f"{confidence}%" in str(refused.value)
    assert "old survey" in str(refused.value)
    assert "Give the EPSG code" in str(refused.value)


def test_a_prime_meridian_other_than_greenwich_is_not_taken_for_wgs84():
    with pytest.raises(CrsUnknown):
        crs_identify(PARIS_MERIDIAN, layer="l")


@pytest.mark.quality("prj-without-epsg")
def test_text_that_is_not_wkt_is_refused_without_being_interpreted():
    for text in ['GEOGCS["x",DATUM[', "+proj=longlat +nadgrids=@http://127.0.0.1:9/g.tif",
                 "x" * 30_000]:
        with pytest.raises(CrsUnknown) as refused:
            crs_identify(text, layer="l")
        assert "Give its EPSG code" in str(refused.value)


# ------------------------------------------------------------------- whole imports


def shapefile_zip(tmp_path: Path, prj: str, point: tuple[float, float]) -> bytes:
    geometries = np.array([struct.pack("<BIdd", 1, 1, *point)], dtype=object)  # WKB point
    pyogrio.raw.write(str(tmp_path / "places.shp"), geometry=geometries,
                      field_data=[np.array(["Plaça de Catalunya"], dtype=object)],
                      fields=["name"], geometry_type="Point", crs="EPSG:4326",
                      driver="ESRI Shapefile", encoding="UTF-8")
    (tmp_path / "places.prj").write_text(prj)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in ("shp", "shx", "dbf", "prj", "cpg"):
            if (tmp_path / f"places.{part}").exists():
                archive.write(tmp_path / f"places.{part}", f"places.{part}")
    return buffer.getvalue()


def import_zip(content: bytes, *, source_srid=None):
    dataset = services.dataset_create(name="Places", source_srid=source_srid,
                                      source_file=ContentFile(content, name="places.zip"))
    run = services.import_start(dataset=dataset)
    services.import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


@pytest.mark.django_db
@pytest.mark.quality("prj-without-epsg")
def test_a_shapefile_with_an_unnamed_grs80_prj_imports_and_the_run_says_how(tmp_path):
    run = import_zip(shapefile_zip(tmp_path, GRS80_UNNAMED_LONLAT, PLACA))
    assert run.status == ImportStatus.SUCCEEDED, run.message
    assert run.imported_count == 1
    assert [n["layer"] for n in run.notes] == ["places"]
    assert "read as WGS 84 (EPSG:4326)" in run.notes[0]["message"]
    point = Feature.objects.get(layer__dataset=run.dataset).geometry
    assert (round(point.x, 4), round(point.y, 4)) == PLACA


@pytest.mark.django_db
@pytest.mark.quality("prj-without-epsg")
def test_a_utm_prj_on_an_unknown_datum_lands_where_the_etrs89_one_does(tmp_path):
    run = import_zip(shapefile_zip(tmp_path, GRS80_UNNAMED_UTM31, PLACA_UTM31))
    assert run.status == ImportStatus.SUCCEEDED, run.message
    assert "EPSG:32631" in run.notes[0]["message"]
    point = Feature.objects.get(layer__dataset=run.dataset).geometry
    # WGS 84 and ETRS89 differ here by well under a metre: 1e-5 degrees is about 1 m.
    assert abs(point.x - PLACA[0]) < 1e-4 and abs(point.y - PLACA[1]) < 1e-4


@pytest.mark.django_db
@pytest.mark.quality("prj-without-epsg")
def test_a_prj_that_cannot_be_named_fails_the_run_with_the_closest_codes(tmp_path):
    run = import_zip(shapefile_zip(tmp_path, BESSEL_UNNAMED, PLACA))
    assert run.status == ImportStatus.FAILED
    assert "closest" in run.message and "EPSG:" in run.message
    assert not Feature.objects.filter(layer__dataset=run.dataset).exists()


@pytest.mark.django_db
@pytest.mark.quality("prj-without-epsg")
def test_the_planner_s_epsg_code_wins_over_the_interpretation(tmp_path):
    run = import_zip(shapefile_zip(tmp_path, BESSEL_UNNAMED, PLACA), source_srid=4326)
    assert run.status == ImportStatus.SUCCEEDED, run.message
    assert run.notes == []
