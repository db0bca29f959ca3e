"""Real-world broken files (tests/data/broken/, see its README) through the real import.

Each file is imported with `import_run_execute`, what the worker runs, and must end as a
planner would want: repaired and counted, skipped with a reason per feature, or failed
with a message that says what to do. Never an exception, never a run left `running`.
"""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from gisdata.imports import services
from gisdata.imports.reader import read_vector
from gisdata.models import Feature, ImportRun, Layer

BROKEN = Path(__file__).resolve().parents[1] / "data" / "broken"


def run_file(name: str, **dataset) -> ImportRun:
    created = services.dataset_create(
        name=name, source_file=ContentFile((BROKEN / name).read_bytes(), name=name), **dataset)
    run = services.import_start(dataset=created)
    services.import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def point(x, y):
    return {"type": "Point", "coordinates": [x, y]}


def geojson_file(features) -> ContentFile:
    import json

    return ContentFile(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": g, "properties": p} for g, p in features]}).encode(),
        name="places.geojson")


@pytest.mark.django_db
@pytest.mark.quality("broken-geometries")
def test_osm_buildings_with_degenerate_rings_are_repaired_or_skipped_each_with_why():
    run = run_file("osm_buildings_degenerate.gpkg")
    assert run.status == "succeeded", run.message
    # 17 features: 8 intact, 1 without geometry, 8 damaged (see make_files.py).
    assert run.read_count == 17
    assert run.imported_count + run.skipped_count == 17
    reasons = {e["feature"]: e["message"] for e in run.errors}
    unreadable = ("Nothing was left once the unreadable parts (Polygon must have at least "
                  "four points in each ring) were taken out: skipped.")
    assert reasons.pop(3) == reasons.pop(16) == unreadable  # three nodes; two nodes
    assert reasons.pop(17) == "No geometry: skipped."
    # There and back along a wall: no area, so nothing is left once repaired.
    zero_area = reasons.pop(7)
    assert zero_area.startswith("Invalid (Self-intersection[14.40")
    assert zero_area.endswith("), and nothing was left once repaired: skipped.")
    assert reasons == {}
    # Repaired: the unclosed ring (5), the bowtie (9), the spike (11), the NaN node (13)
    # and the three-node courtyard (15).
    features = Feature.objects.filter(layer__dataset=run.dataset)
    assert sorted(features.filter(repaired=True).values_list("number", flat=True)) == [
        5, 9, 11, 13, 15]
    assert run.repaired_count == 5
    assert all(f.geometry.valid and not f.geometry.hasz for f in features)
    assert all(-180 <= c <= 180 for f in features for c in f.geometry.extent[::2])
    assert Layer.objects.get(dataset=run.dataset).feature_count == 13
    assert features.get(number=1).properties["osm_id"] > 1_000_000_000


@pytest.mark.django_db
@pytest.mark.quality("latin1-shapefile")
def test_a_latin1_shapefile_without_cpg_is_read_with_its_accents_and_says_so():
    run = run_file("latin1_no_cpg.zip")
    assert run.status == "succeeded", run.message
    names = list(Feature.objects.order_by("number").values_list("properties__NOM", flat=True))
    assert names[2] == "Sants-Montjuïc" and names[9] == "Sant Martí"
    layer = read_vector("/vsizip/" + str(BROKEN / "latin1_no_cpg.zip"), layer=None,
                        encoding=None)
    list(layer.batches(1000))  # the layer is read as it is loaded; the note comes then
    assert layer.notes and "Windows-1252" in layer.notes[0]


@pytest.mark.django_db
@pytest.mark.quality("latin1-shapefile")
def test_a_utf8_shapefile_without_cpg_is_read_as_utf8_with_no_note():
    path = Path(__file__).resolve().parents[1] / "data" / "barcelona" / "seccions_censals.zip"
    layer = read_vector("/vsizip/" + str(path), layer=None, encoding=None)
    values = [v for batch in layer.batches(1000) for c in batch.columns
              if c.name == "CONJ_DESCR" for v in c.values]
    assert layer.notes == []
    assert "Secció censal" in values


@pytest.mark.django_db
@pytest.mark.quality("encoding-typed")
def test_an_encoding_typed_latin_1_is_saved_as_gdal_names_it_and_reads_the_accents():
    run = run_file("latin1_no_cpg.zip", encoding="latin-1")
    assert run.dataset.encoding == "ISO-8859-1"
    assert run.status == "succeeded", run.message
    assert Feature.objects.filter(properties__NOM="Gràcia").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["no-such-encoding", "rot13", "base64"])
@pytest.mark.quality("encoding-typed")
def test_an_unknown_encoding_is_refused_at_dataset_creation(encoding):
    with pytest.raises(ValidationError) as refused:
        services.dataset_create(name="Bad", source_file=ContentFile(b"x", name="a.csv"),
                                encoding=encoding)
    assert "encoding" in refused.value.message_dict


@pytest.mark.django_db
@pytest.mark.quality("big-integers")
def test_integers_past_64_bits_and_nulls_are_kept_as_json_numbers():
    run = run_file("big_integers.geojson")
    assert run.status == "succeeded", run.message
    ids = list(Feature.objects.order_by("number").values_list("properties__osm_id",
                                                              flat=True))
    # GDAL reads a 64-bit column with nulls as floats and clamps to the int64 range:
    # numbers up to 2**53 are exact, larger ones the nearest float; nulls stay null.
    assert ids[:3] == [1, None, 2**53] or ids[:3] == [1, None, 2**53 + 1]
    assert ids[4] is None
    assert float(ids[3]) == 2.0**63 and float(ids[5]) == -(2.0**63)
    assert len(ids) == 7


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["99999", "EPSG:0000", "0000"])
@pytest.mark.quality("unknown-epsg")
def test_an_epsg_code_postgis_does_not_know_is_refused(code):
    with pytest.raises(ValidationError) as refused:
        services.epsg_parse(code)
    assert "not a coordinate reference system" in refused.value.messages[0]
    with pytest.raises(ValidationError):
        services.dataset_create(name="Bad", source_file=ContentFile(b"x", name="a.csv"),
                                source_srid=int(code.removeprefix("EPSG:")))


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["25831", "EPSG:4326", "epsg:3857"])
@pytest.mark.quality("unknown-epsg")
def test_a_known_epsg_code_is_accepted(code):
    assert services.epsg_parse(code) == int(code.split(":")[-1])


@pytest.mark.django_db
@pytest.mark.quality("unknown-epsg")
def test_a_prj_naming_an_unknown_epsg_code_fails_the_run_saying_so():
    run = run_file("bogus_epsg_prj.zip")
    assert run.status == "failed"
    assert "EPSG:99999" in run.message


@pytest.mark.django_db
@pytest.mark.quality("outside-longitude-latitude")
def test_metres_in_a_file_said_to_be_degrees_fail_the_run_explaining_why():
    run = run_file("metres_said_degrees.geojson")
    assert run.status == "failed"
    assert run.message.startswith("0 of 12 features of the layer metres_said_degrees "
                                  "could be placed")
    assert "look like metres" in run.message and "EPSG:4326" in run.message
    assert run.skipped_count == 12 and len(run.errors) == 12
    assert all(e["message"].startswith("Outside longitude") for e in run.errors)
    assert not Feature.objects.exists()


@pytest.mark.django_db
@pytest.mark.quality("outside-longitude-latitude")
def test_the_same_file_given_its_real_epsg_code_imports():
    run = run_file("metres_said_degrees.geojson", source_srid=25831)
    assert run.status == "succeeded", run.message
    assert run.imported_count == 12


@pytest.mark.django_db
@pytest.mark.quality("outside-longitude-latitude")
def test_a_feature_outside_longitude_and_latitude_is_skipped_the_others_imported():
    dataset = services.dataset_create(name="Places", source_file=geojson_file([
        (point(2.17, 41.38), {"n": 1}), (point(200, 95), {"n": 2}),
        (point(-180, -90), {"n": 3})]))
    run = services.import_start(dataset=dataset)
    services.import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "succeeded", run.message
    assert (run.imported_count, run.skipped_count) == (2, 1)
    assert run.errors[0]["feature"] == 2
    assert run.errors[0]["message"].startswith("Outside longitude -180…180 / latitude -90…90")


@pytest.mark.django_db
@pytest.mark.quality("csv-line-breaks")
def test_line_breaks_inside_quoted_csv_cells_are_kept():
    run = run_file("quoted_line_breaks.csv", source_srid=4326)
    assert run.status == "succeeded", run.message
    addresses = list(Feature.objects.order_by("number").values_list("properties__adreca",
                                                                    flat=True))
    assert addresses == ["La Rambla, 131\nCiutat Vella", "Plaça Reial\r\n(centre)",
                         "Passeig de Santa Madrona"]
    assert Feature.objects.get(number=3).properties["nom"] == 'Font "del Gat"'
