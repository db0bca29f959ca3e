"""Fuzzing the import pipeline with broken geometries, in every format Plaza reads.

Hypothesis draws a handful of features whose geometries are broken the ways real files
are (rings of fewer than four points, unclosed rings, bowties, spikes, NaN and infinite
coordinates, coordinates outside longitude/latitude, no geometry at all), writes them as
GeoJSON, a zipped Shapefile, a GeoPackage, KML or a CSV with WKT, and imports the file
through `import_run_execute` (what the worker runs). Whatever is drawn:

- the run ends `succeeded` or `failed` (no exception, never left `running`);
- imported plus skipped features add up to the features written, and the repaired ones
  are among the imported;
- every stored geometry is valid, 2D and inside longitude/latitude.

The GeoPackage is written with sqlite3 and the GeoJSON, KML and CSV as text, so the
broken bytes reach GDAL as written; the Shapefile goes through GDAL's writer
(tests/data/broken/make_files.py). Runs are bounded: ~30 examples per format.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import math
import struct
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from gisdata.imports import services
from gisdata.models import ImportRun, ImportStatus

EXAMPLES = 30
SPEC = importlib.util.spec_from_file_location(
    "broken_files", Path(__file__).resolve().parents[1] / "data" / "broken" / "make_files.py")
broken_files = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(broken_files)

FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])

# --- broken geometries ----------------------------------------------------------------

ordinary = st.floats(min_value=-10, max_value=10, allow_nan=False)
coordinate = st.one_of(
    ordinary, ordinary, ordinary,
    st.sampled_from([math.nan, math.inf, -math.inf, 200.0, -95.0, 1e12, 431000.0]))
point = st.tuples(coordinate, coordinate)


@st.composite
def ring(draw):
    """A ring as real files break them: short, unclosed, crossing, spiked or fine."""
    x, y = draw(ordinary), draw(ordinary)
    size = draw(st.floats(min_value=0, max_value=2))
    square = [(x, y), (x + size, y), (x + size, y + size), (x, y + size)]
    shape = draw(st.sampled_from(["closed", "unclosed", "short", "bowtie", "spike",
                                  "random", "repeated"]))
    if shape == "closed":
        return [*square, square[0]]
    if shape == "unclosed":
        return square
    if shape == "short":
        return square[:draw(st.integers(0, 2))] + [square[0]]
    if shape == "bowtie":
        return [square[0], square[2], square[1], square[3], square[0]]
    if shape == "spike":
        return [square[0], (x + 50, y), square[0], *square[1:], square[0]]
    if shape == "repeated":
        return [square[0]] * draw(st.integers(1, 5))
    return draw(st.lists(point, max_size=6))


polygon = st.lists(ring(), min_size=0, max_size=3)
geometry = st.one_of(
    st.none(),
    st.tuples(st.just("Point"), point),
    st.tuples(st.just("LineString"), st.lists(point, max_size=4)),
    st.tuples(st.just("Polygon"), polygon),
    st.tuples(st.just("MultiPolygon"), st.lists(polygon, min_size=1, max_size=3)),
)
polygons_only = st.one_of(st.none(), st.tuples(st.just("Polygon"), polygon))
SRIDS = st.sampled_from([4326, 4326, 3857, 25831])


def wkb(shape) -> bytes | None:
    if shape is None:
        return None
    kind, body = shape
    if kind == "Point":
        return struct.pack("<BIdd", 1, 1, *body)
    if kind == "LineString":
        return struct.pack("<BII", 1, 2, len(body)) + _flat(body)
    if kind == "Polygon":
        return broken_files.polygon_wkb(body)
    return struct.pack("<BII", 1, 6, len(body)) + b"".join(
        broken_files.polygon_wkb(p) for p in body)


def _flat(points) -> bytes:
    return b"".join(struct.pack("<dd", *p) for p in points)


def _number(value: float) -> str:
    return repr(value) if math.isfinite(value) else {"nan": "NaN", "inf": "Infinity",
                                                     "-inf": "-Infinity"}[repr(value)]


def wkt(shape) -> str:
    def points(ps):
        return "(" + ", ".join(f"{x!r} {y!r}" for x, y in ps) + ")" if ps else "EMPTY"

    kind, body = shape
    if kind == "Point":
        return f"POINT ({body[0]!r} {body[1]!r})"
    if kind == "LineString":
        return f"LINESTRING {points(body)}"
    if kind == "Polygon":
        return "POLYGON " + ("(" + ", ".join(points(r) for r in body) + ")" if body else "EMPTY")
    return "MULTIPOLYGON (" + ", ".join(
        "(" + ", ".join(points(r) for r in p) + ")" if p else "EMPTY" for p in body) + ")"


def geojson_geometry(shape) -> str:
    def pts(ps):
        return "[" + ",".join(f"[{_number(x)},{_number(y)}]" for x, y in ps) + "]"

    kind, body = shape
    if kind == "Point":
        coordinates = f"[{_number(body[0])},{_number(body[1])}]"
    elif kind == "LineString":
        coordinates = pts(body)
    elif kind == "Polygon":
        coordinates = "[" + ",".join(pts(r) for r in body) + "]"
    else:
        coordinates = "[" + ",".join("[" + ",".join(pts(r) for r in p) + "]"
                                     for p in body) + "]"
    return f'{{"type":"{kind}","coordinates":{coordinates}}}'


def kml_geometry(shape) -> str:
    def coords(ps):
        return "<coordinates>" + " ".join(f"{x!r},{y!r}" for x, y in ps) + "</coordinates>"

    def poly(rings):
        if not rings:
            return "<Polygon></Polygon>"
        inner = "".join(f"<innerBoundaryIs><LinearRing>{coords(r)}</LinearRing>"
                        "</innerBoundaryIs>" for r in rings[1:])
        return (f"<Polygon><outerBoundaryIs><LinearRing>{coords(rings[0])}</LinearRing>"
                f"</outerBoundaryIs>{inner}</Polygon>")

    kind, body = shape
    if kind == "Point":
        return f"<Point>{coords([body])}</Point>"
    if kind == "LineString":
        return f"<LineString>{coords(body)}</LineString>"
    if kind == "Polygon":
        return poly(body)
    return "<MultiGeometry>" + "".join(poly(p) for p in body) + "</MultiGeometry>"


# --- the files ------------------------------------------------------------------------

def as_geojson(shapes, tmp: Path) -> tuple[bytes, str]:
    features = [f'{{"type":"Feature","properties":{{"n":{i}}},"geometry":'
                f'{"null" if s is None else geojson_geometry(s)}}}'
                for i, s in enumerate(shapes, start=1)]
    text = '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"
    return text.encode(), "layer.geojson"


def as_shapefile(shapes, tmp: Path) -> tuple[bytes, str]:
    path = tmp / "layer.zip"
    path.unlink(missing_ok=True)
    broken_files.shapefile_zip(path, "layer", [wkb(s) for s in shapes],
                               {"n": [str(i) for i in range(1, len(shapes) + 1)]},
                               crs="EPSG:4326", encoding="UTF-8", geometry_type="Polygon")
    return path.read_bytes(), "layer.zip"


def as_geopackage(shapes, tmp: Path) -> tuple[bytes, str]:
    path = tmp / "layer.gpkg"
    broken_files.gpkg_write(path, "layer", 4326, "GEOMETRY", {"n": "INTEGER"},
                            [(wkb(s), i) for i, s in enumerate(shapes, start=1)])
    return path.read_bytes(), "layer.gpkg"


def as_kml(shapes, tmp: Path) -> tuple[bytes, str]:
    marks = "".join(f"<Placemark><name>{i}</name>{'' if s is None else kml_geometry(s)}"
                    "</Placemark>" for i, s in enumerate(shapes, start=1))
    text = ('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
            f"<Document><Folder><name>layer</name>{marks}</Folder></Document></kml>")
    return text.encode(), "layer.kml"


def as_csv(shapes, tmp: Path) -> tuple[bytes, str]:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["n", "wkt"])
    for i, s in enumerate(shapes, start=1):
        writer.writerow([i, "" if s is None else wkt(s)])
    return out.getvalue().encode(), "layer.csv"


# --- the property ---------------------------------------------------------------------

def import_and_check(content: bytes, name: str, written: int, srid: int | None,
                     options=None, exact_count: bool = True) -> ImportRun:
    dataset = services.dataset_create(name="Fuzz", source_file=ContentFile(content, name=name),
                                      source_srid=srid, options=options or {})
    run = services.import_start(dataset=dataset)
    services.import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED), run.status
    event(f"run {run.status}")
    event("some repaired" if run.repaired_count else "none repaired")
    event("some skipped" if run.skipped_count else "none skipped")
    if run.status == ImportStatus.FAILED:
        event(f"failed: {run.message[:40]}")
        # A reason about the data, not the catch-all for an error nobody foresaw.
        assert run.message and "unexpected error" not in run.message, run.message
        return run
    assert run.repaired_count <= run.imported_count
    counted = run.imported_count + run.skipped_count
    assert counted == written if exact_count else counted <= written, (
        counted, written, run.errors)
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*),
                   count(*) FILTER (WHERE ST_IsValid(f.geometry) AND ST_NDims(f.geometry) = 2
                                      AND f.geometry @ ST_MakeEnvelope(-180.0000001,
                                          -90.0000001, 180.0000001, 90.0000001, 4326)
                                      -- `@` lets NaN through; PostgreSQL sorts it last
                                      AND ST_XMax(f.geometry) <= 180.0000001
                                      AND ST_YMax(f.geometry) <= 90.0000001
                                      AND NOT ST_IsEmpty(f.geometry)),
                   count(*) FILTER (WHERE f.repaired)
              FROM gisdata_feature f JOIN gisdata_layer l ON l.id = f.layer_id
             WHERE l.dataset_id = %s""", [dataset.pk])
        stored, good, repaired = cursor.fetchone()
    assert stored == good == run.imported_count
    assert repaired == run.repaired_count
    return run


pytestmark = pytest.mark.django_db


@FUZZ
@given(shapes=st.lists(geometry, min_size=1, max_size=6), srid=SRIDS)
# Found by this test: PROJ turns (0, NaN) in EPSG:25831 into POINT(NaN NaN), which
# PostGIS calls valid and inside longitude/latitude; the layer's extent was NaN.
@example(shapes=[("Point", (0.0, math.nan))], srid=25831)
@pytest.mark.quality("broken-geometries")
def test_broken_geojson_imports_or_fails_cleanly(tmp_path, shapes, srid):
    content, name = as_geojson(shapes, tmp_path)
    # GDAL drops a GeoJSON feature whose geometry it cannot build at all.
    import_and_check(content, name, len(shapes), srid, exact_count=False)


@FUZZ
@given(shapes=st.lists(polygons_only, min_size=1, max_size=6), srid=SRIDS)
@pytest.mark.quality("broken-geometries")
def test_broken_shapefile_imports_or_fails_cleanly(tmp_path, shapes, srid):
    try:
        content, name = as_shapefile(shapes, tmp_path)
    except Exception:  # noqa: BLE001 - GDAL's writer refused: nothing to import
        return
    import_and_check(content, name, len(shapes), srid)


@FUZZ
@given(shapes=st.lists(geometry, min_size=1, max_size=6), srid=SRIDS)
@pytest.mark.quality("broken-geometries")
def test_broken_geopackage_imports_or_fails_cleanly(tmp_path, shapes, srid):
    content, name = as_geopackage(shapes, tmp_path)
    import_and_check(content, name, len(shapes), srid)


@FUZZ
@given(shapes=st.lists(geometry, min_size=1, max_size=6), srid=SRIDS)
@pytest.mark.quality("broken-geometries")
def test_broken_kml_imports_or_fails_cleanly(tmp_path, shapes, srid):
    content, name = as_kml(shapes, tmp_path)
    import_and_check(content, name, len(shapes), srid, exact_count=False)


@FUZZ
@given(shapes=st.lists(geometry, min_size=1, max_size=6), srid=SRIDS)
@pytest.mark.quality("invalid-geometry", "broken-geometries")
def test_broken_csv_wkt_imports_or_fails_cleanly(tmp_path, shapes, srid):
    content, name = as_csv(shapes, tmp_path)
    import_and_check(content, name, len(shapes), srid,
                     options={"wkt_field": "wkt", "skip_bad_rows": True})


@pytest.mark.parametrize(("write", "reason"), [
    (lambda shapes, tmp: as_geopackage(shapes, tmp),
     "could not be reprojected from EPSG:25831"),
    # GDAL reads a GeoJSON point with a NaN coordinate as the empty point.
    (lambda shapes, tmp: as_geojson(shapes, tmp),
     "Empty point, or a point whose coordinates are not numbers"),
], ids=["geopackage", "geojson"])
def test_a_point_that_cannot_be_reprojected_is_skipped_with_its_reason(tmp_path, write,
                                                                       reason):
    content, name = write([("Point", (0.0, math.nan)), ("Point", (431000.0, 4582000.0))],
                          tmp_path)
    dataset = services.dataset_create(name="NaN", source_srid=25831,
                                      source_file=ContentFile(content, name=name))
    run = services.import_start(dataset=dataset)
    services.import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == ImportStatus.SUCCEEDED
    assert (run.imported_count, run.skipped_count) == (1, 1)
    assert reason in run.errors[0]["message"]


def test_the_fuzzed_files_hold_the_breakage_they_claim(tmp_path):
    """The writers write what they are given: a three-point ring reaches the file."""
    short = ("Polygon", [[(0.0, 0.0), (1.0, 0.0), (0.0, 0.0)]])
    content, _name = as_geojson([short], tmp_path)
    assert json.loads(content)["features"][0]["geometry"]["coordinates"] == [
        [[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]]]
    broken_files.gpkg_write(tmp_path / "x.gpkg", "layer", 4326, "POLYGON", {}, [(wkb(short),)])
    from pyogrio.raw import read

    assert bytes(read(str(tmp_path / "x.gpkg"))[2][0]) == wkb(short)
