"""An uploaded file never makes the worker fetch a URL, open another file or run SQL.

Each hostile file is made at test time and points at a local HTTP server (a thread on
127.0.0.1 that records every request); it goes through the real import, and the test
asserts that the run ended with a reason and that nothing reached the server. Each has a
twin: a legitimate file of the same format that still imports.
"""

from __future__ import annotations

import http.server
import json
import sqlite3
import struct
import threading
import zipfile
from pathlib import Path

import numpy as np
import pyogrio.raw
import pytest
from django.core.files import File
from django.db import transaction

from gisdata.imports import services
from gisdata.imports.inspection.drivers import ALLOWED_DRIVERS
from gisdata.imports.inspection.outbound import crs_file_reference
from gisdata.imports.inspection.source import inspect_source
from gisdata.models import ImportRun

pytestmark = pytest.mark.django_db

POINT = {"type": "Point", "coordinates": [2.17, 41.38]}
FEATURE = {"type": "Feature", "properties": {"name": "Plaça"}, "geometry": POINT}
WKT_4326 = ('GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,'
            '298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]')


class Listener:
    """An HTTP server on 127.0.0.1 that answers every GET and remembers it."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        requests = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                requests.append((self.path, self.headers.get("User-Agent", "")))
                body = b"+proj=longlat +datum=WGS84 +no_defs"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_HEAD = do_GET

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def listener():
    found = Listener()
    threading.Thread(target=found.server.serve_forever, daemon=True).start()
    yield found
    found.server.shutdown()
    found.server.server_close()


def run_import(path: Path, name: str | None = None) -> ImportRun:
    with open(path, "rb") as handle:
        dataset = services.dataset_create(name=path.stem,
                                          source_file=File(handle, name=name or path.name))
    run = services.import_start(dataset=dataset)
    services.import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def refused(run: ImportRun, listener: Listener, *words: str) -> None:
    assert run.status == "failed", run.message
    assert all(word in run.message for word in words), run.message
    assert not run.dataset.layers.exists()
    assert listener.requests == []


def imported(run: ImportRun, listener: Listener, count: int = 1) -> None:
    assert run.status == "succeeded", run.message
    assert run.imported_count == count
    assert listener.requests == []


def geojson(path: Path, document: dict | str) -> Path:
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


# --- GeoJSON "crs" ---------------------------------------------------------------------


@pytest.mark.quality("crs-link")
def test_a_geojson_whose_crs_links_to_a_url_is_refused_before_gdal_fetches_it(
        listener, tmp_path):
    crs = {"type": "link", "properties": {"href": f"{listener.url}/crs", "type": "proj4"}}
    path = geojson(tmp_path / "linked.geojson",
                   {"type": "FeatureCollection", "crs": crs, "features": [FEATURE]})
    run = run_import(path)
    refused(run, listener, "links to", f"{listener.url}/crs", "EPSG")


def test_a_crs_holding_a_number_too_long_for_python_is_refused_with_a_reason():
    """5,000 digits: more than Python turns into an int, a ValueError that is not a JSON
    error; the check refuses the file with its reason instead of failing."""
    import io

    from gisdata.imports.inspection.base import InspectError
    from gisdata.imports.inspection.outbound import check_geojson_crs

    data = (b'{"type": "FeatureCollection", "crs": {"type": "name", "properties": '
            b'{"name": ' + b"9" * 5000 + b'}}, "features": []}')
    with pytest.raises(InspectError, match="cannot be read"):
        check_geojson_crs(lambda: io.BytesIO(data), name="huge.geojson")


@pytest.mark.quality("crs-link")
def test_a_geojson_with_a_named_epsg_crs_still_imports(listener, tmp_path):
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25831"}}
    point = {"type": "Point", "coordinates": [430000, 4582000]}
    path = geojson(tmp_path / "named.geojson", {
        "type": "FeatureCollection", "crs": crs,
        "features": [{**FEATURE, "geometry": point}]})
    run = run_import(path)
    imported(run, listener)


@pytest.mark.parametrize("crs", [
    {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
    {"type": "name", "properties": {"name": "EPSG:4326"}},
    {"type": "name", "properties": {"name": "http://www.opengis.net/def/crs/EPSG/0/4326"}},
    {"type": "EPSG", "properties": {"code": 4326}},
    None,
])
@pytest.mark.quality("crs-link")
def test_the_crs_forms_gdal_resolves_offline_still_import(listener, tmp_path, crs):
    path = geojson(tmp_path / "ok.geojson",
                   {"type": "FeatureCollection", "crs": crs, "features": [FEATURE]})
    imported(run_import(path), listener)


def _link(url: str) -> str:
    return json.dumps({"type": "link", "properties": {"href": url}})


def collection(crs_member: str, features: str = "", *, crs_last: bool = False) -> str:
    """A FeatureCollection's text with ``crs_member`` written as given (raw JSON)."""
    features = features or json.dumps(FEATURE)
    parts = ['"type":"FeatureCollection"', '"features":[' + features + "]"]
    parts.insert(2 if crs_last else 1, crs_member)
    return "{" + ",".join(parts) + "}"


HOSTILE_CRS = {
    # GDAL matches the member name, the type and "href" without regard to case.
    "upper-case member": lambda u: collection('"CRS":' + _link(u)),
    "upper-case type": lambda u: json.dumps({
        "type": "FeatureCollection", "features": [FEATURE],
        "crs": {"type": "LINK", "properties": {"HREF": u}}}),
    "the old url type": lambda u: json.dumps({
        "type": "FeatureCollection", "features": [FEATURE],
        "crs": {"type": "url", "properties": {"url": u}}}),
    # json-c decodes escapes in member names.
    "escaped member name": lambda u: collection(
        '"\\u0063rs":{"type":"\\u006cink","properties":{"href":' + json.dumps(u) + "}}"),
    "a lone feature": lambda u: json.dumps({**FEATURE, "crs": json.loads(_link(u))}),
    # GDAL reads a crs on each geometry of a GeometryCollection, too.
    "a geometry in a collection": lambda u: json.dumps({
        "type": "FeatureCollection", "features": [{**FEATURE, "geometry": {
            "type": "GeometryCollection",
            "geometries": [{**POINT, "crs": json.loads(_link(u))}]}}]}),
    # json-c keeps the last of two equal names.
    "a second crs member": lambda u: collection(
        '"crs":{"type":"name","properties":{"name":"EPSG:4326"}},"crs":' + _link(u)),
    "a named URL": lambda u: json.dumps({
        "type": "FeatureCollection", "features": [FEATURE],
        "crs": {"type": "name", "properties": {"name": u}}}),
    "a PROJ string with a grid": lambda u: json.dumps({
        "type": "FeatureCollection", "features": [FEATURE],
        "crs": {"type": "name", "properties": {"name": f"+proj=longlat +nadgrids=@{u}"}}}),
}


@pytest.mark.parametrize("case", HOSTILE_CRS)
@pytest.mark.quality("crs-link")
def test_every_spelling_of_a_crs_link_is_refused_without_a_request(listener, tmp_path, case):
    path = geojson(tmp_path / "hostile.geojson", HOSTILE_CRS[case](f"{listener.url}/crs"))
    refused(run_import(path), listener, "crs")


@pytest.mark.quality("crs-link")
def test_a_crs_link_after_the_features_of_a_big_geojson_is_refused(listener, tmp_path):
    # Over Limits.max_json_parse_bytes (8 MB): checked from the raw bytes, not parsed.
    features = ",".join([json.dumps(FEATURE)] * 90_000)
    text = collection('"crs":' + _link(f"{listener.url}/big"), features, crs_last=True)
    path = geojson(tmp_path / "big.geojson", text)
    assert path.stat().st_size > 8 * 1024 * 1024
    refused(run_import(path), listener, "links to")


@pytest.mark.quality("crs-link")
def test_a_big_geojson_with_a_named_crs_still_imports(listener, tmp_path):
    features = ",".join([json.dumps(FEATURE)] * 90_000)
    crs = json.dumps({"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}})
    path = geojson(tmp_path / "big.geojson", collection('"crs":' + crs, features))
    imported(run_import(path), listener, count=90_000)


# --- shapefiles: grids named in the .prj -------------------------------------------------


def shapefile_zip(tmp_path: Path, prj: str) -> Path:
    folder = tmp_path / "shp"
    folder.mkdir(exist_ok=True)
    wkb = np.array([struct.pack("<BIdd", 1, 1, 2.17, 41.38)], dtype=object)
    pyogrio.raw.write(str(folder / "places.shp"), wkb, [np.array([1])], ["n"],
                      layer="places", driver="ESRI Shapefile", geometry_type="Point",
                      crs="EPSG:4326")  # its .prj is replaced by the test's own
    path = tmp_path / "places.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for ext in ("shp", "shx", "dbf"):
            archive.write(folder / f"places.{ext}", f"places.{ext}")
        archive.writestr("places.prj", prj)
    return path


@pytest.mark.parametrize("prj", [
    WKT_4326[:-1] + ',EXTENSION["PROJ4","+proj=longlat +nadgrids=@{url}/grid.tif"]]',
    WKT_4326[:-1] + ',EXTENSION["PROJ4_GRIDS","/etc/{url}"]]',
    'BOUNDCRS[SOURCECRS[GEOGCRS["x",DATUM["d",ELLIPSOID["e",6378137,298.257]],'
    'CS[ellipsoidal,2],AXIS["lat",north],AXIS["lon",east],ANGLEUNIT["degree",0.0174532925199433]'
    ']],TARGETCRS[GEOGCRS["WGS 84",DATUM["WGS 84",ELLIPSOID["WGS 84",6378137,298.257223563]],'
    'CS[ellipsoidal,2],AXIS["lat",north],AXIS["lon",east],ANGLEUNIT["degree",0.0174532925199433]'
    ']],ABRIDGEDTRANSFORMATION["t",METHOD["NTv2"],PARAMETERFILE["Latitude and longitude '
    'difference file","{url}/shift.gsb"]]]',
])
@pytest.mark.quality("datum-grid")
def test_a_prj_naming_a_grid_by_url_or_path_is_refused(listener, tmp_path, prj):
    path = shapefile_zip(tmp_path, prj.replace("{url}", listener.url))
    refused(run_import(path), listener, ".prj", "EPSG")


@pytest.mark.quality("datum-grid")
def test_a_shapefile_with_a_plain_prj_still_imports(listener, tmp_path):
    imported(run_import(shapefile_zip(tmp_path, WKT_4326)), listener)


@pytest.mark.quality("datum-grid")
def test_grids_named_without_a_path_are_only_looked_up_in_projs_own_files():
    # Old GDAL wrote Web Mercator with "+nadgrids=@null": a name, not a path.
    assert crs_file_reference('EXTENSION["PROJ4","+proj=merc +nadgrids=@null +wktext"]') is None
    assert crs_file_reference("+proj=tmerc +nadgrids=ntv2_0.gsb +init=epsg:25831") is None
    assert crs_file_reference("+proj=tmerc +nadgrids=@null,/etc/grid.gsb") == "/etc/grid.gsb"
    assert crs_file_reference("+init=/etc/proj/epsg:4326") == "/etc/proj/epsg:4326"
    assert crs_file_reference('PROJCS["x",/vsicurl/http://h/]') is not None


# --- GeoPackages: SQL stored in the file --------------------------------------------------


def geopackage(path: Path, *statements: str | tuple, schema: tuple | list = ()) -> Path:
    """A GeoPackage of one point written by GDAL (R-tree index, triggers), then altered;
    ``schema`` rows go straight into sqlite_master, as a hostile tool would write them."""
    wkb = np.array([struct.pack("<BIdd", 1, 1, 2.17, 41.38)], dtype=object)
    pyogrio.raw.write(str(path), wkb, [np.array([1])], ["n"], layer="places", driver="GPKG",
                      geometry_type="Point", crs="EPSG:4326")
    with sqlite3.connect(path) as db:
        for statement in statements:
            db.execute(*((statement,) if isinstance(statement, str) else statement))
        if schema:
            db.execute("PRAGMA writable_schema=ON")
            for name, sql in schema:
                db.execute("INSERT INTO sqlite_master VALUES ('table', ?, ?, 0, ?)",
                           (name, name, sql))
    return path


def as_layer(table: str) -> list[tuple[str, tuple]]:
    return [("INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
             "VALUES (?, 'features', ?, 4326)", (table, table)),
            ("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POINT', 4326, 0, 0)",
             (table,))]


@pytest.mark.quality("geopackage-sql")
def test_a_geopackage_with_a_view_is_refused_before_its_query_runs(listener, tmp_path):
    # Run, this view keeps the worker busy for as long as the file says.
    busy = ("CREATE VIEW busy AS SELECT fid, geom, (WITH RECURSIVE c(x) AS (SELECT 1 "
            "UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c) AS n FROM places")
    path = geopackage(tmp_path / "view.gpkg", busy, *as_layer("busy"))
    refused(run_import(path), listener, "view", "'busy'")


@pytest.mark.quality("geopackage-sql")
def test_a_geopackage_written_by_gdal_with_its_rtree_and_triggers_still_imports(
        listener, tmp_path):
    path = geopackage(tmp_path / "plain.gpkg")
    with sqlite3.connect(path) as db:
        kinds = {row[0] for row in db.execute("SELECT type FROM sqlite_master")}
        virtual = db.execute("SELECT count(*) FROM sqlite_master WHERE sql LIKE "
                             "'CREATE VIRTUAL TABLE%rtree%'").fetchone()[0]
    assert "trigger" in kinds and virtual == 1
    imported(run_import(path), listener)


@pytest.mark.quality("geopackage-sql")
def test_a_virtual_table_reading_a_file_of_the_worker_is_refused(listener, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the public\n")
    leak = ("CREATE VIEW leak AS SELECT fid, geom, (SELECT group_concat(COL001) FROM "
            "disk) AS stolen FROM places")
    path = geopackage(tmp_path / "vt.gpkg", leak, *as_layer("leak"), schema=[(
        "disk", f"CREATE VIRTUAL TABLE disk USING VirtualText('{secret}', 'UTF-8', 0, "
                "POINT, NONE, ',')")])
    run = run_import(path)
    refused(run, listener, "view", "'leak'")  # the first of the two it finds
    assert "not for the public" not in run.message


@pytest.mark.parametrize("module", ["VirtualOGR('/vsicurl/{url}/x')",
                                    "VirtualText('{secret}', 'UTF-8', 0, POINT, NONE, ',')",
                                    "VirtualShape('{folder}/places', UTF8, 4326)"])
@pytest.mark.quality("geopackage-sql")
def test_a_virtual_table_alone_is_refused_too(listener, tmp_path, module):
    (tmp_path / "secret.txt").write_text("not for the public\n")
    module = module.format(url=listener.url, secret=tmp_path / "secret.txt", folder=tmp_path)
    path = geopackage(tmp_path / "vt.gpkg", schema=[(
        "other", f"CREATE VIRTUAL TABLE other USING {module}")])
    refused(run_import(path), listener, "virtual table", module.split("(")[0])


@pytest.mark.quality("geopackage-sql")
def test_a_generated_column_is_refused(listener, tmp_path):
    path = geopackage(tmp_path / "gen.gpkg", "ALTER TABLE places ADD COLUMN v TEXT "
                      "GENERATED ALWAYS AS (spatialite_version()) VIRTUAL")
    refused(run_import(path), listener, "computed columns")


@pytest.mark.quality("datum-grid")
def test_a_crs_definition_naming_a_grid_url_is_refused(listener, tmp_path):
    definition = (WKT_4326[:-1] + f',EXTENSION["PROJ4_GRIDS","{listener.url}/g.tif"]]')
    path = geopackage(
        tmp_path / "srs.gpkg",
        ("INSERT INTO gpkg_spatial_ref_sys VALUES ('x', 99999, 'x', 99999, ?, NULL)",
         (definition,)),
        "UPDATE gpkg_contents SET srs_id = 99999",
        "UPDATE gpkg_geometry_columns SET srs_id = 99999")
    refused(run_import(path), listener, "gpkg_spatial_ref_sys", f"{listener.url}/g.tif")


@pytest.mark.quality("geopackage-sql")
def test_a_zipped_geopackage_is_checked_in_place_like_one_on_disk(listener, tmp_path):
    view = "CREATE VIEW v AS SELECT * FROM places"
    hostile = geopackage(tmp_path / "view.gpkg", view, *as_layer("v"))
    plain = geopackage(tmp_path / "plain.gpkg")
    for source, archive_name in ((hostile, "hostile.zip"), (plain, "plain.zip")):
        with zipfile.ZipFile(tmp_path / archive_name, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(source, "data/places.gpkg")
    refused(run_import(tmp_path / "hostile.zip"), listener, "view")
    imported(run_import(tmp_path / "plain.zip"), listener)


@pytest.mark.quality("geopackage-sql")
def test_a_damaged_table_of_contents_is_refused_as_damaged(tmp_path):
    path = geopackage(tmp_path / "cut.gpkg")
    data = bytearray(path.read_bytes())
    data[100] = 0x07  # page 1 is no longer a table B-tree page
    path.write_bytes(bytes(data))
    from gisdata.imports.inspection.base import InspectError

    with pytest.raises(InspectError) as caught:
        inspect_source(path, original_name="cut.gpkg")
    assert caught.value.code == "gpkg_damaged"


# --- KML, VRT and other XML -----------------------------------------------------------------


@pytest.mark.quality("kml-links")
def test_links_inside_a_kml_are_never_followed(listener, tmp_path):
    url = listener.url
    path = tmp_path / "links.kml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"'
        ' xmlns:xi="http://www.w3.org/2001/XInclude"><Document>'
        f'<NetworkLink><Link><href>{url}/network.kml</href></Link></NetworkLink>'
        f'<Style id="s"><IconStyle><Icon><href>{url}/icon.png</href></Icon></IconStyle></Style>'
        f'<xi:include href="{url}/include.xml"/>'
        f'<Placemark><name>Plaça</name><styleUrl>{url}/styles.kml#s</styleUrl>'
        f'<ExtendedData><SchemaData schemaUrl="{url}/schema.kml#x"><SimpleData name="a">1'
        '</SimpleData></SchemaData></ExtendedData>'
        '<Point><coordinates>2.17,41.38</coordinates></Point></Placemark></Document></kml>')
    run = run_import(path)
    imported(run, listener)


@pytest.mark.quality("kml-links")
def test_xml_whose_root_is_kml_only_by_its_local_name_is_refused(listener, tmp_path):
    # GDAL's GML reader took <gml:kml>: it reads and writes .gfs/.xsd files beside the
    # file and can download the schemas named in xsi:schemaLocation.
    url = listener.url
    path = tmp_path / "gml.kml"
    path.write_text(
        '<?xml version="1.0"?>\n<gml:kml xmlns:gml="http://www.opengis.net/gml" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation='
        f'"http://www.opengis.net/gml {url}/gml.xsd"><gml:featureMember><x><g><gml:Point>'
        '<gml:coordinates>2.17,41.38</gml:coordinates></gml:Point></g></x>'
        '</gml:featureMember></gml:kml>')
    refused(run_import(path), listener, "not KML")


@pytest.mark.quality("kml-links")
def test_a_kml_with_a_prefixed_kml_root_still_imports(listener, tmp_path):
    path = tmp_path / "prefixed.kml"
    path.write_text(
        '<?xml version="1.0"?>\n<k:kml xmlns:k="http://www.opengis.net/kml/2.2"><k:Document>'
        '<k:Placemark><k:name>Plaça</k:name><k:Point><k:coordinates>2.17,41.38'
        '</k:coordinates></k:Point></k:Placemark></k:Document></k:kml>')
    imported(run_import(path), listener)


@pytest.mark.quality("kml-links")
def test_a_vrt_dressed_as_kml_in_a_zip_is_refused(listener, tmp_path):
    vrt = (f'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/vsicurl/{listener.url}'
           '/x.geojson</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>')
    path = tmp_path / "vrt.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("doc.kml", vrt)
        archive.writestr("layer.vrt", vrt)
    refused(run_import(path), listener, "not KML")


@pytest.mark.quality("kml-links")
def test_a_zip_member_named_like_a_gdal_network_path_is_refused(listener, tmp_path):
    path = tmp_path / "vsicurl.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"/vsicurl/{listener.url}/x.geojson", json.dumps(FEATURE))
    refused(run_import(path), listener, "outside the archive")


@pytest.mark.quality("gdal-drivers")
def test_gdal_registers_no_driver_beyond_the_six_uploads_are_read_with():
    # A newer GDAL with a new driver fails here: add it to GDAL_SKIP (config/env.py and
    # gisdata.imports.inspection.drivers.GDAL_SKIP_FOR_UPLOADS) unless it is meant to read uploads.
    assert set(pyogrio.list_drivers()) <= ALLOWED_DRIVERS | {"MEM"}
    assert ALLOWED_DRIVERS <= set(pyogrio.list_drivers())


# --- through the real worker ----------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.quality("crs-link")
def test_the_worker_refuses_a_crs_link_without_fetching_it(worker, listener, tmp_path):
    from tests.integration.processes import wait_until

    crs = {"type": "link", "properties": {"href": f"{listener.url}/worker", "type": "proj4"}}
    path = geojson(tmp_path / "linked.geojson",
                   {"type": "FeatureCollection", "crs": crs, "features": [FEATURE]})
    with open(path, "rb") as handle, transaction.atomic():
        dataset = services.dataset_create(name="linked", source_file=File(handle,
                                                                          name=path.name))
        run = services.import_start(dataset=dataset)

    def finished():
        run.refresh_from_db()
        return run.status in ("succeeded", "failed")

    wait_until(finished, timeout=60, what="the worker to finish the import")
    refused(run, listener, "links to")
