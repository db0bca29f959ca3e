"""The import pipeline's front door (gisdata.imports.inspection): real open data, and
hostile files.

Real files come from tests/data and the demo city's demo/ (tests/data/README.md says what
a correct import yields); every hostile archive is generated in tmp_path at test time,
never committed. No database.
"""

from __future__ import annotations

import io
import json
import stat
import struct
import zipfile
from pathlib import Path

import pyogrio
import pytest

from gisdata.imports.inspection.base import InspectError, Limits, Source
from gisdata.imports.inspection.csv_columns import parse_coordinate
from gisdata.imports.inspection.drivers import ALLOWED_DRIVERS, check_driver
from gisdata.imports.inspection.shapefile import cpg_to_encoding
from gisdata.imports.inspection.source import inspect_source

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
DEMO = ROOT / "demo"
DISTRICTES = DEMO / "barcelona" / "districtes.zip"
STEM = "0301040100_Districtes_UNITATS_ADM"


def snapshot(path: Path) -> tuple[set[Path], set[Path]]:
    """Every file beside ``path`` and below, and the folder one level up."""
    return set(path.parent.rglob("*")), set(path.parent.parent.iterdir())


def inspect(path: Path, **kwargs) -> Source:
    """inspect_source, asserting that it wrote nothing to disk (no extraction)."""
    before = snapshot(path)
    try:
        return inspect_source(path, **kwargs)
    finally:
        assert snapshot(path) == before, "inspection wrote files"


def refused(path: Path, code: str, *words: str, **kwargs) -> InspectError:
    with pytest.raises(InspectError) as caught:
        inspect(path, **kwargs)
    error = caught.value
    assert error.code == code, error.message
    for word in words:
        assert word.lower() in error.message.lower(), error.message
    return error


def make_zip(path: Path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return path


def districtes_part(ext: str) -> bytes:
    with zipfile.ZipFile(DISTRICTES) as archive:
        return archive.read(f"{STEM}.{ext}")


def shapefile_members(stem: str, exts=("shp", "shx", "dbf", "prj"), upper=False) -> dict:
    return {f"{stem}.{ext.upper() if upper else ext}": districtes_part(ext) for ext in exts}


def latin1_dbf(dbf: bytes) -> bytes:
    """The same dBASE table with its text fields re-encoded from UTF-8 to Latin-1."""
    header_length, record_length = struct.unpack("<HH", dbf[8:12])
    widths, at = [], 32
    while dbf[at] != 0x0D:
        widths.append((dbf[at + 11 : at + 12], dbf[at + 16]))
        at += 32
    out = bytearray(dbf[:header_length])
    for start in range(header_length, len(dbf) - record_length + 1, record_length):
        record, pos = dbf[start : start + record_length], 1
        out += record[:1]
        for kind, width in widths:
            value = record[pos : pos + width]
            if kind == b"C":
                value = value.decode().rstrip().encode("latin-1").ljust(width)
            out += value
            pos += width
    return bytes(out + dbf[len(out) :])


def read_count(source: Source, layer: str | None = None) -> int:
    """Features GDAL finds through the Source, checking the reader's contract on the way:
    ``gdal_path`` lists exactly ``layers`` (a superset for a shapefile folder)."""
    layer = layer or source.layers[0]
    listed = [str(name) for name, _ in pyogrio.list_layers(source.gdal_path)]
    if source.kind == "shapefile":
        assert set(source.layers) <= set(listed)
    else:
        assert listed == source.layers
    info = pyogrio.read_info(source.gdal_path, layer=layer, encoding=source.encoding)
    check_driver(info["driver"])
    return info["features"]


# --- the real open data ---------------------------------------------------------------

# Paths below tests/data, or below the repository for the demo city's files (demo/...).
REAL = [
    ("demo/barcelona/districtes.zip", "shapefile", True, 10),
    ("barcelona/seccions_censals.zip", "shapefile", True, 117),
    ("barcelona/barris_wkt.csv", "csv", False, 7),
    ("barcelona/tourist_flats.csv", "csv", False, 215),
    ("demo/barcelona/bicing_stations.geojson", "geojson", True, 465),
    ("demo/barcelona/bike_lanes.geojson", "geojson", True, 247),
    ("demo/barcelona/fountains.geojson", "geojson", True, 1988),
    ("demo/cambridge/neighborhoods.geojson", "geojson", True, 13),
    ("demo/cambridge/floodplains_100yr.geojson", "geojson", True, 21),
    ("cambridge/open_space.geojson", "geojson", True, 38),
    ("cambridge/bike_facilities.geojson", "geojson", True, 74),
    ("cambridge/bike_racks.geojson", "geojson", True, 145),
    ("nyc/nybb_16a.zip", "shapefile", True, 5),
]
# Beside the data: how it was made, and the damaged files another module tests.
NOT_DATA = {"README.md", "make_samples.py"}


def real(name: str) -> Path:
    return ROOT / name if name.startswith("demo/") else DATA / name


@pytest.mark.parametrize(("name", "kind", "has_crs", "count"), REAL)
def test_real_files_inspect_and_their_gdal_path_reads_every_feature(name, kind, has_crs, count):
    source = inspect(real(name))
    assert (source.kind, source.has_crs, len(source.layers)) == (kind, has_crs, 1)
    assert source.encoding is None  # no .cpg anywhere: the caller reads UTF-8
    assert read_count(source) == count


def data_files() -> set[str]:
    """Every file of tests/data but its README, its maker, the broken/ folder and the
    database from before municipalities (a dump, not GIS data: its own README)."""
    return {str(p.relative_to(DATA)) for p in DATA.rglob("*")
            if p.is_file() and p.name not in NOT_DATA
            and p.relative_to(DATA).parts[0] not in ("broken", "before_municipalities")
            and "__pycache__" not in p.parts}


def test_real_files_cover_the_whole_data_folder_and_its_readme_lists_each():
    listed = {name for name, *_ in REAL} | {"prague/bubenec.gpkg"}
    assert data_files() == {name for name in listed if not name.startswith("demo/")}
    readme = (DATA / "README.md").read_text()
    missing = [name for name in listed if f"`{name}`" not in readme]
    assert not missing, f"tests/data/README.md does not describe {missing}"


@pytest.mark.quality("zip-slip-and-bomb")
def test_districtes_zip_is_read_in_place_with_its_etrs89_prj_and_utf8_names():
    source = inspect(DISTRICTES, original_name="districtes.zip")
    assert source.gdal_path == f"/vsizip/{{{DISTRICTES}}}/{STEM}.shp"
    assert source.layers == [STEM]
    assert source.warnings == [] and source.suggested_encoding is None
    assert source.encoding is None  # no .cpg: the reader reads UTF-8 first
    assert pyogrio.read_info(source.gdal_path)["crs"] == "EPSG:25831"
    _meta, _fids, _geometry, fields = pyogrio.raw.read(
        source.gdal_path, encoding="UTF-8", columns=["NOM"], read_geometry=False
    )
    assert "Sants-Montjuïc" in list(fields[0])


def test_nybb_ignores_its_shp_xml_metadata():
    source = inspect(DATA / "nyc" / "nybb_16a.zip")
    assert source.layers == ["nybb"] and source.warnings == []
    assert source.shapefiles[0].has_prj


def test_bubenec_geopackage_has_four_layers_each_readable():
    source = inspect(DATA / "prague" / "bubenec.gpkg")
    assert source.kind == "geopackage" and source.has_crs
    assert sorted(source.layers) == ["buildings", "plots", "streets", "tessellation"]
    counts = {layer: read_count(source, layer) for layer in source.layers}
    assert counts == {"buildings": 144, "streets": 35, "plots": 407, "tessellation": 144}


def test_geopackage_stored_under_another_name_is_still_recognised(tmp_path):
    stored = tmp_path / "upload-1234"
    stored.write_bytes((DATA / "prague" / "bubenec.gpkg").read_bytes())
    source = inspect(stored, original_name="bubenec.gpkg")
    assert source.kind == "geopackage" and len(source.layers) == 4


@pytest.mark.quality("csv-files")
def test_tourist_flats_csv_bom_delimiter_and_decimal_comma_coordinates():
    source = inspect(DATA / "barcelona" / "tourist_flats.csv")
    info = source.csv
    assert info is not None and not source.has_crs
    assert (info.bom, info.encoding, info.delimiter, info.rows) == (True, "UTF-8", ",", 215)
    assert info.columns[0] == "N_EXPEDIENT"  # the BOM is not part of the first name
    assert info.coordinate_pair == ("LONGITUD_X", "LATITUD_Y")
    assert info.decimal_comma_columns == ["LONGITUD_X", "LATITUD_Y"]
    assert info.wkt_columns == []
    assert any("decimals with a comma" in w for w in source.warnings)
    # read as text, the values convert one by one
    _meta, _fids, _geometry, fields = pyogrio.raw.read(
        source.gdal_path, columns=["LONGITUD_X"], read_geometry=False, max_features=5
    )
    assert all(2.0 < parse_coordinate(value) < 2.3 for value in fields[0])


def test_barris_csv_has_two_wkt_columns_and_gdal_reads_the_chosen_one():
    source = inspect(DATA / "barcelona" / "barris_wkt.csv")
    info = source.csv
    assert info.wkt_columns == ["geometria_etrs89", "geometria_wgs84"]
    assert info.coordinate_pair is None and info.rows == 7 and not info.bom
    assert not any("No coordinate columns" in w for w in source.warnings)


# --- content, not extension -----------------------------------------------------------


def test_empty_file(tmp_path):
    path = tmp_path / "empty.geojson"
    path.write_bytes(b"")
    refused(path, "empty", "empty")


@pytest.mark.quality("content-not-extension")
def test_geojson_that_is_really_a_png(tmp_path):
    path = tmp_path / "map.geojson"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    refused(path, "wrong_extension", "map.geojson", "GeoJSON", "PNG image")


@pytest.mark.quality("content-not-extension")
def test_zip_that_is_really_text(tmp_path):
    path = tmp_path / "data.zip"
    path.write_text("hello, this is not an archive\n")
    refused(path, "wrong_extension", "data.zip", "zip archive", "plain text")


@pytest.mark.quality("content-not-extension")
def test_an_html_error_page_downloaded_as_geojson(tmp_path):
    path = tmp_path / "layer.geojson"
    path.write_text("<!DOCTYPE html><html><body>502 Bad Gateway</body></html>")
    refused(path, "wrong_extension", "GeoJSON", "HTML")


def test_original_name_decides_the_extension_check(tmp_path):
    stored = tmp_path / "upload-1"
    stored.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    refused(stored, "wrong_extension", "roads.csv", original_name="roads.csv")


@pytest.mark.parametrize(
    ("content", "label"),
    [
        (b"%PDF-1.7\n", "PDF"),
        (b"\x00\x01\x02binary", "binary"),
        (b"Lorem ipsum dolor sit amet\nconsectetur adipiscing elit\n", "plain text"),
        ("﻿id,name\n1,a\n".encode("utf-16"), "UTF-16"),
        (b"\x1f\x8b\x08\x00", "gzip"),
    ],
)
@pytest.mark.quality("xml-entities")
def test_unknown_content_is_refused_naming_the_supported_formats(tmp_path, content, label):
    path = tmp_path / "upload"
    path.write_bytes(content)
    error = refused(path, "unsupported_format", "Plaza reads zipped Shapefiles", label)
    assert "none of them" in error.message


@pytest.mark.quality("incomplete-shapefile")
def test_a_bare_shp_asks_for_the_zip(tmp_path):
    path = tmp_path / "roads.shp"
    path.write_bytes(b"\x00\x00\x27\x0a" + b"\x00" * 96)
    refused(path, "shapefile_not_zipped", "zip them together")


def test_file_over_the_size_limit(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("x,y\n1,2\n" * 100)
    refused(path, "too_big", "at most", limits=Limits(max_file_bytes=100))


# --- GeoJSON --------------------------------------------------------------------------


def geojson(features=1, **top) -> bytes:
    feature = {
        "type": "Feature",
        "properties": {"name": "Plaça"},
        "geometry": {"type": "Point", "coordinates": [2.17, 41.38]},
    }
    return json.dumps(
        {"type": "FeatureCollection", "features": [feature] * features, **top}
    ).encode()


def test_geojson_without_extension_and_its_layer(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(geojson(3, name="places"))
    source = inspect(path, original_name="places.json")
    assert (source.kind, source.layers, source.has_crs) == ("geojson", ["places"], True)
    assert source.gdal_path == f"GeoJSON:{path}"
    assert read_count(source) == 3
    path.write_bytes(json.dumps(json.loads(geojson())["features"][0]).encode())
    source = inspect(path, original_name="one.geojson")
    assert source.layers == ["upload"]  # GDAL names the layer after the stored file
    assert read_count(source) == 1


def test_big_geojson_is_judged_from_its_ends_without_parsing(tmp_path):
    body = json.dumps({"features": [json.loads(geojson())["features"][0]] * 2000})
    path = tmp_path / "late_type.geojson"
    path.write_text(body[:-1] + ', "type": "FeatureCollection"}')
    source = inspect(path, limits=Limits(max_json_parse_bytes=1000))
    assert source.kind == "geojson" and read_count(source) == 2000


@pytest.mark.parametrize(
    ("content", "code", "word"),
    [
        (geojson(2)[:-30], "bad_json", "line 1"),
        (b'{"type": "Topology", "objects": {}}', "unsupported_format", "TopoJSON"),
        (b'[{"type": "Feature"}]', "unsupported_format", "list"),
        (b'{"geometryType": "esriGeometryPoint", "features": []}', "unsupported_format", "Esri"),
        (b'{"hello": "world"}', "unsupported_format", "not GeoJSON"),
    ],
)
def test_json_that_is_not_usable_geojson(tmp_path, content, code, word):
    path = tmp_path / "x.geojson"
    path.write_bytes(content)
    refused(path, code, word)


# --- KML and KMZ ----------------------------------------------------------------------

KML = b"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>Doc</name>
<Folder><name>Trees</name><Placemark><name>T1</name><Point><coordinates>2.17,41.38</coordinates>
</Point></Placemark></Folder>
<Folder><name>Benches</name><Placemark><name>B1</name><Point><coordinates>2.18,41.39</coordinates>
</Point></Placemark></Folder></Document></kml>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>&lol9;</name></Document></kml>"""

XXE = b"""<?xml version="1.0"?>
<!doctype kml [<!entity xxe SYSTEM "file:///etc/passwd">]>
<kml><Document><name>&xxe;</name></Document></kml>"""


def test_kml_layers_are_its_folders(tmp_path):
    path = tmp_path / "park.kml"
    path.write_bytes(KML)
    source = inspect(path)
    assert (source.kind, source.layers, source.has_crs) == ("kml", ["Trees", "Benches"], True)
    assert read_count(source, "Benches") == 1


@pytest.mark.parametrize("content", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
@pytest.mark.quality("xml-entities")
def test_kml_with_doctype_or_entity_is_refused_without_expanding(tmp_path, content,
                                                                 monkeypatch):
    path = tmp_path / "evil.kml"
    path.write_bytes(content)
    # Nothing that could expand an entity may see the file: neither GDAL (its KML driver
    # parses with expat) nor any of Python's XML parsers.
    parsed = []

    def parser(name):
        def opened(*args, **kwargs):
            parsed.append(name)
            raise AssertionError(f"{name} opened the file")
        return opened

    import xml.parsers.expat

    for name in ("list_layers", "read_info", "read_bounds", "read_arrow", "open_arrow"):
        monkeypatch.setattr(pyogrio, name, parser(f"pyogrio.{name}"))
    monkeypatch.setattr(pyogrio.raw, "read", parser("pyogrio.raw.read"))
    monkeypatch.setattr(xml.parsers.expat, "ParserCreate", parser("expat"))
    refused(path, "xml_dtd", "DOCTYPE", "ENTITY")
    assert parsed == []


@pytest.mark.quality("xml-entities")
def test_entity_declaration_across_a_chunk_boundary_is_found(tmp_path):
    padding = b"<!--" + b"x" * (1024 * 1024 - 10) + b"-->"
    path = tmp_path / "late.kml"
    path.write_bytes(b'<?xml version="1.0"?>\n' + padding + b"<!ENTITY a 'b'>" + KML[40:])
    refused(path, "xml_dtd", "ENTITY")


@pytest.mark.quality("xml-entities")
def test_xml_in_an_encoding_that_could_hide_a_doctype(tmp_path):
    path = tmp_path / "seven.kml"
    path.write_bytes(b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE x+AD4-<kml/>')
    refused(path, "xml_encoding", "UTF-7")


@pytest.mark.quality("content-not-extension")
def test_a_vrt_named_kml_is_refused_before_gdal_sees_it(tmp_path):
    path = tmp_path / "trap.kml"
    path.write_bytes(
        b'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>'
        b"/etc/passwd</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"
    )
    refused(path, "unsupported_format", "not KML", "OGRVRTDataSource")


def test_kmz_reads_its_doc_kml_in_place(tmp_path):
    path = make_zip(tmp_path / "park.kmz", {"doc.kml": KML, "files/icon.png": b"\x89PNG"})
    source = inspect(path)
    assert source.kind == "kmz" and source.layers == ["Trees", "Benches"]
    assert source.gdal_path == f"/vsizip/{{{path}}}/doc.kml"
    assert read_count(source, "Trees") == 1


@pytest.mark.quality("xml-entities")
def test_kmz_with_a_doctype_inside(tmp_path):
    path = make_zip(tmp_path / "evil.kmz", {"doc.kml": BILLION_LAUGHS})
    refused(path, "xml_dtd", "DOCTYPE")


@pytest.mark.quality("xml-entities")
def test_kml_network_links_are_reported_not_fetched(tmp_path):
    path = tmp_path / "linked.kml"
    path.write_bytes(
        KML.replace(
            b"</Document>",
            b"<NetworkLink><Link><href>http://example.org/"
            b"x.kml</href></Link></NetworkLink></Document>",
        )
    )
    source = inspect(path)
    assert any("never fetches" in w for w in source.warnings)


# --- zip: hostile archives ------------------------------------------------------------


@pytest.mark.parametrize(
    "member",
    [
        "../evil.shp",
        "data/../../evil.shp",
        "/etc/x",
        "C:/Windows/evil.dll",
        "..\\evil.shp",
        "__MACOSX/../../evil",
    ],
)
@pytest.mark.quality("zip-slip-and-bomb")
def test_zip_slip_members_are_refused(tmp_path, member):
    path = make_zip(tmp_path / "slip.zip", {member: b"x", "ok.csv": b"a,b\n1,2\n"})
    assert zipfile.ZipFile(path).infolist()[0].orig_filename == member
    refused(path, "zip_slip", member.split("/")[-1].split("\\")[-1])
    assert not (tmp_path.parent / "evil.shp").exists()


@pytest.mark.quality("zip-slip-and-bomb")
def test_symlink_member_is_refused(tmp_path):
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as archive:
        link = zipfile.ZipInfo("roads.dbf")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    refused(path, "zip_symlink", "symbolic link")


@pytest.mark.quality("zip-slip-and-bomb")
def test_zip_bomb_by_ratio_with_the_default_limits(tmp_path):
    path = make_zip(tmp_path / "bomb.zip", {"big.csv": b"\x00" * (2 * 1024 * 1024)})
    refused(path, "zip_bomb", "zip bomb", "big.csv")


def test_zip_bomb_by_ratio_with_lowered_limits(tmp_path):
    path = make_zip(tmp_path / "bomb.zip", {"zeros.dbf": b"\x00" * 200_000})
    limits = Limits(max_ratio=10, ratio_min_bytes=100_000)
    refused(path, "zip_bomb", "expands", limits=limits)


@pytest.mark.quality("zip-slip-and-bomb")
def test_zip_bomb_by_total_size(tmp_path):
    members = {f"part{i}.txt": b"\x00" * 400_000 for i in range(3)}
    path = make_zip(tmp_path / "total.zip", members, compression=zipfile.ZIP_STORED)
    refused(path, "zip_bomb", "expand", limits=Limits(max_total_uncompressed=1_000_000))


@pytest.mark.quality("zip-slip-and-bomb")
def test_too_many_members(tmp_path):
    path = make_zip(tmp_path / "many.zip", {f"f{i}.txt": b"x" for i in range(11)})
    refused(path, "zip_too_many", "11 files", "at most 10", limits=Limits(max_members=10))


@pytest.mark.quality("zip-slip-and-bomb")
def test_nested_zip(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("a.csv", "x,y\n1,2\n")
    path = make_zip(tmp_path / "outer.zip", {"inner/data.zip": inner.getvalue()})
    refused(path, "zip_nested", "another archive", "inner/data.zip")


def test_encrypted_member(tmp_path):
    path = tmp_path / "secret.zip"
    make_zip(path, {"a.csv": b"x,y\n1,2\n"})
    data = bytearray(path.read_bytes())  # zipfile cannot encrypt: set the flag by hand
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + offset] |= 0x1
    path.write_bytes(bytes(data))
    refused(path, "zip_encrypted", "password")


def test_compression_gdal_cannot_read(tmp_path):
    path = make_zip(tmp_path / "bz.zip", {"a.csv": b"x,y\n1,2\n"}, zipfile.ZIP_BZIP2)
    refused(path, "zip_compression", "deflate")


def test_duplicate_names_differing_in_case(tmp_path):
    path = make_zip(tmp_path / "dup.zip", {"a.csv": b"x,y\n1,2\n", "A.CSV": b"x,y\n3,4\n"})
    refused(path, "zip_duplicate", "ambiguous")


def test_damaged_zip(tmp_path):
    good = make_zip(tmp_path / "good.zip", {"a.csv": b"x,y\n1,2\n" * 100})
    cut = tmp_path / "cut.zip"
    cut.write_bytes(good.read_bytes()[:60])
    refused(cut, "zip_damaged", "damaged")


def test_empty_zip(tmp_path):
    path = make_zip(tmp_path / "empty.zip", {})
    refused(path, "wrong_extension", "empty zip")


# --- zip: shapefiles ------------------------------------------------------------------


@pytest.mark.quality("incomplete-shapefile")
def test_missing_dbf_says_what_to_add(tmp_path):
    path = make_zip(tmp_path / "roads.zip", shapefile_members("roads", ("shp", "shx", "prj")))
    error = refused(path, "shapefile_incomplete")
    assert error.message == (
        "The zip has roads.shp but no roads.dbf: add the .dbf, which holds the attributes."
    )


@pytest.mark.quality("incomplete-shapefile")
def test_missing_shx(tmp_path):
    path = make_zip(tmp_path / "roads.zip", shapefile_members("roads", ("shp", "dbf")))
    refused(path, "shapefile_incomplete", "no roads.shx", "index of the shapes")


def test_dbf_without_shp(tmp_path):
    path = make_zip(tmp_path / "roads.zip", shapefile_members("roads", ("dbf", "shx")))
    refused(path, "shapefile_incomplete", "no roads.shp")


@pytest.mark.quality("incomplete-shapefile")
def test_upper_case_extensions_in_a_subfolder_are_accepted(tmp_path):
    members = shapefile_members("Data/Sub/ROADS", upper=True)
    members["__MACOSX/Data/Sub/._ROADS.SHP"] = b"\x00\x05\x16\x07"
    members["Data/Sub/ROADS.SHP.XML"] = b"<metadata/>"
    path = make_zip(tmp_path / "upper.zip", members)
    source = inspect(path)
    assert source.kind == "shapefile" and source.has_crs
    assert source.layers == ["ROADS"]
    assert source.shapefiles[0].member == "Data/Sub/ROADS.SHP"
    assert source.gdal_path == f"/vsizip/{{{path}}}/Data/Sub/ROADS.SHP"
    assert source.warnings == []
    info = pyogrio.read_info(source.gdal_path, encoding="UTF-8")
    assert info["features"] == 10 and "NOM" in list(info["fields"])
    assert info["crs"] == "EPSG:25831"


def test_parts_whose_names_differ_in_case_are_refused(tmp_path):
    members = shapefile_members("roads", ("shp", "shx"))
    members["Roads.dbf"] = districtes_part("dbf")
    path = make_zip(tmp_path / "mixed.zip", members)
    refused(path, "shapefile_case", "Roads.dbf", "roads.dbf", "upper/lower case")


@pytest.mark.quality("incomplete-shapefile")
def test_several_shapefiles_are_layers_of_their_folder_and_a_missing_prj_is_said(tmp_path):
    members = shapefile_members("data/roads") | shapefile_members(
        "data/parks", ("shp", "shx", "dbf")
    )
    members["data/parks.cpg"] = b"UTF-8"
    members["data/lookup.dbf"] = districtes_part("dbf")  # GDAL lists it; we do not
    members["README.pdf"] = b"%PDF"
    path = make_zip(tmp_path / "two.zip", members)
    source = inspect(path)
    assert source.layers == ["roads", "parks"]
    assert source.gdal_path == f"/vsizip/{{{path}}}/data"
    assert not source.has_crs  # data/parks has no .prj: the caller asks for an EPSG code
    assert any("data/parks.shp" in w and "EPSG" in w for w in source.warnings)
    assert any("README.pdf" in w and "lookup.dbf" in w for w in source.warnings)
    assert [s.encoding for s in source.shapefiles] == [None, "UTF-8"]
    assert read_count(source, "roads") == read_count(source, "parks") == 10


def test_shapefiles_at_the_top_of_the_zip_are_layers_of_the_zip(tmp_path):
    members = shapefile_members("roads") | shapefile_members("parks")
    source = inspect(make_zip(tmp_path / "top.zip", members))
    assert source.gdal_path == f"/vsizip/{{{tmp_path / 'top.zip'}}}" and source.has_crs
    assert read_count(source, "parks") == 10


def test_shapefiles_in_several_folders_are_refused(tmp_path):
    members = shapefile_members("a/roads") | shapefile_members("b/parks")
    refused(make_zip(tmp_path / "two.zip", members), "shapefile_folders", "a/", "b/", "one folder")


@pytest.mark.quality("content-not-extension")
def test_a_shp_member_that_is_really_a_vrt_is_refused(tmp_path):
    members = shapefile_members("roads")
    members["roads.shp"] = b"<OGRVRTDataSource><OGRVRTLayer name='x'/></OGRVRTDataSource>"
    path = make_zip(tmp_path / "vrt.zip", members)
    refused(path, "shapefile_damaged", "roads.shp")


@pytest.mark.quality("incomplete-shapefile")
def test_cpg_sets_the_encoding_and_a_latin1_dbf_without_cpg_is_flagged(tmp_path):
    dbf = districtes_part("dbf")
    assert "Sants-Montjuïc".encode() in dbf
    latin = latin1_dbf(dbf)
    assert "Sants-Montjuïc".encode("latin-1") in latin and len(latin) == len(dbf)
    members = shapefile_members("roads", ("shp", "shx", "prj")) | {"roads.dbf": latin}
    source = inspect(make_zip(tmp_path / "latin.zip", members))
    assert source.encoding is None and source.suggested_encoding == "CP1252"
    assert any("not UTF-8" in w for w in source.warnings)
    members["roads.cpg"] = b"1252"
    source = inspect(make_zip(tmp_path / "cpg.zip", members))
    assert source.encoding == "CP1252" and source.suggested_encoding is None
    _meta, _fids, _geometry, fields = pyogrio.raw.read(
        source.gdal_path, encoding=source.encoding, columns=["NOM"], read_geometry=False
    )
    assert "Sants-Montjuïc" in list(fields[0])


@pytest.mark.parametrize(
    ("cpg", "expected"),
    [
        ("UTF-8", "UTF-8"),
        ("utf8", "UTF-8"),
        ("65001", "UTF-8"),
        ("1252", "CP1252"),
        ("ANSI 1252", "CP1252"),
        ("ISO-8859-1", "ISO-8859-1"),
        ("88591", "ISO-8859-1"),
        ("8859_15", "ISO-8859-15"),
        ("latin1", "ISO-8859-1"),
        ("CP850", "CP850"),
        ("nonsense", None),
    ],
)
def test_cpg_values(cpg, expected):
    assert cpg_to_encoding(cpg) == expected


# --- zip: one zipped file of another format -------------------------------------------


def test_zip_with_one_geojson_is_read_in_place(tmp_path):
    data = (DEMO / "barcelona" / "fountains.geojson").read_bytes()
    path = make_zip(tmp_path / "fountains.zip", {"export/fountains.geojson": data})
    source = inspect(path)
    assert source.kind == "geojson" and source.layers == ["fountains"]
    assert source.gdal_path == f"GeoJSON:/vsizip/{{{path}}}/export/fountains.geojson"
    assert read_count(source) == 1988


def test_zip_with_one_csv_or_geopackage(tmp_path):
    csv_zip = make_zip(
        tmp_path / "flats.zip",
        {"flats.csv": (DATA / "barcelona" / "tourist_flats.csv").read_bytes()},
    )
    source = inspect(csv_zip)
    assert source.kind == "csv" and source.csv.rows == 215 and read_count(source) == 215
    gpkg_zip = make_zip(
        tmp_path / "gpkg.zip", {"b.gpkg": (DATA / "prague" / "bubenec.gpkg").read_bytes()}
    )
    source = inspect(gpkg_zip)
    assert source.kind == "geopackage" and len(source.layers) == 4


def test_zip_with_one_kml_is_kind_kml(tmp_path):
    source = inspect(make_zip(tmp_path / "k.zip", {"park.kml": KML}))
    assert source.kind == "kml" and source.layers == ["Trees", "Benches"]


def test_zipped_text_that_does_not_split_into_columns_is_a_bad_csv(tmp_path):
    path = make_zip(tmp_path / "x.zip", {"a.csv": b"Dear planner\nplease find attached\n"})
    refused(path, "not_delimited", "a.csv", "does not read as CSV")


def test_zipped_geojson_that_is_really_a_png(tmp_path):
    path = make_zip(tmp_path / "x.zip", {"map.geojson": b"\x89PNG\r\n\x1a\n\x00\x00"})
    refused(path, "wrong_extension", "map.geojson", "PNG")


def test_zip_with_several_data_files(tmp_path):
    path = make_zip(tmp_path / "x.zip", {"a.csv": b"x,y\n1,2\n", "b.geojson": geojson()})
    refused(path, "zip_several_files", "a.csv", "b.geojson")


def test_zip_without_data(tmp_path):
    path = make_zip(tmp_path / "x.zip", {"notes.txt": b"hi", "photo.jpg": b"\xff\xd8\xff"})
    refused(path, "unsupported_format", "notes.txt", "photo.jpg")


# --- GeoPackage -----------------------------------------------------------------------


@pytest.mark.quality("content-not-extension")
def test_sqlite_that_is_not_a_geopackage(tmp_path):
    import sqlite3

    path = tmp_path / "plain.gpkg"
    with sqlite3.connect(path) as db:
        db.execute("create table t (a)")
    db.close()
    refused(path, "wrong_extension", "GeoPackage", "SQLite")


def test_geopackage_tables_without_geometry_are_not_layers(tmp_path):
    import sqlite3

    path = tmp_path / "b.gpkg"
    path.write_bytes((DATA / "prague" / "bubenec.gpkg").read_bytes())
    with sqlite3.connect(path) as db:
        db.execute("create table notes (id integer primary key, text text)")
        db.execute(
            "insert into gpkg_contents (table_name, data_type, identifier) "
            "values ('notes', 'attributes', 'notes')"
        )
    db.close()
    source = inspect(path)
    assert len(source.layers) == 4 and "notes" not in source.layers
    assert any("notes" in w for w in source.warnings)


def test_truncated_geopackage(tmp_path):
    path = tmp_path / "cut.gpkg"
    whole = (DATA / "prague" / "bubenec.gpkg").read_bytes()
    path.write_bytes(whole[: len(whole) * 2 // 3])
    refused(path, "truncated", "incomplete")


def test_geopackage_header_is_checked_by_content(tmp_path):
    header = bytearray(b"SQLite format 3\x00" + b"\x00" * 84)
    header[68:72] = b"GPKG"
    path = tmp_path / "fake.csv"
    path.write_bytes(bytes(header))
    refused(path, "wrong_extension", "CSV", "GeoPackage")


# --- CSV ------------------------------------------------------------------------------


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.quality("csv-files")
def test_semicolon_csv_with_unquoted_decimal_commas(tmp_path):
    path = write(
        tmp_path / "trees.csv", "id;Longitud;Latitud;name\n1;2,17;41,38;Plaça\n2;2,18;41,39;Born\n"
    )
    info = inspect(path).csv
    assert (info.delimiter, info.rows, info.coordinate_pair) == (";", 2, ("Longitud", "Latitud"))
    assert info.decimal_comma_columns == ["Longitud", "Latitud"]


@pytest.mark.parametrize(
    ("header", "pair"),
    [
        ("lon\tlat", ("lon", "lat")),
        ("LNG\tLAT", ("LNG", "LAT")),
        ("X\tY", ("X", "Y")),
        ("coord_x\tcoord_y", ("coord_x", "coord_y")),
        ("Longitude\tLatitude", ("Longitude", "Latitude")),
    ],
)
@pytest.mark.quality("csv-files")
def test_tab_csv_coordinate_names(tmp_path, header, pair):
    path = write(tmp_path / "p.tsv", f"id\t{header}\n1\t2.1\t41.3\n2\t2.2\t41.4\n")
    info = inspect(path).csv
    assert info.delimiter == "\t" and info.coordinate_pair == pair
    assert info.decimal_comma_columns == []


def test_pipe_csv_with_wkt_and_a_text_column_named_x(tmp_path):
    path = write(tmp_path / "w.csv", "x|geom\nabc|POINT (1 2)\ndef|SRID=4326;POINT(3 4)\n")
    source = inspect(path)
    assert source.csv.delimiter == "|" and source.csv.wkt_columns == ["geom"]
    assert source.csv.x_columns == []  # "x" holds text, not coordinates


@pytest.mark.quality("csv-files")
def test_csv_without_geometry_columns_is_accepted_with_a_warning(tmp_path):
    source = inspect(write(tmp_path / "t.csv", "name,count\na,1\nb,2\n"))
    assert source.csv.coordinate_pair is None
    assert any("No coordinate columns" in w for w in source.warnings)


def test_quoted_newlines_do_not_count_as_rows(tmp_path):
    path = write(tmp_path / "q.csv", 'id,note,lon,lat\n1,"two\nlines",2.1,41.3\n2,"x",2.2,41.4\n\n')
    assert inspect(path).csv.rows == 2


@pytest.mark.quality("csv-files")
def test_latin1_csv_asks_for_its_encoding_then_reads_with_it(tmp_path):
    path = write(tmp_path / "l.csv", "nom,lon,lat\nPlaça,2.1,41.3\n", encoding="latin-1")
    refused(path, "csv_encoding", "not UTF-8", "line 2", "encoding")
    source = inspect(path, encoding="ISO-8859-1")
    assert source.encoding == "ISO-8859-1" and source.csv.encoding == "ISO-8859-1"


def test_encoding_error_late_in_the_file(tmp_path):
    text = "id,lon,lat\n" + "1,2.1,41.3\n" * 200_000
    path = tmp_path / "late.csv"
    path.write_bytes(text.encode() + "Plaça,2,3\n".encode("latin-1"))
    refused(path, "csv_encoding", "line 200002")


@pytest.mark.quality("csv-files")
def test_huge_csv_header_too_many_columns(tmp_path):
    path = write(
        tmp_path / "wide.csv",
        ",".join(f"c{i}" for i in range(5000)) + "\n" + ",".join("1" for _ in range(5000)) + "\n",
    )
    refused(path, "csv_too_many_columns", "5,000 columns", "1,000")


def test_header_line_longer_than_a_megabyte(tmp_path):
    path = write(tmp_path / "long.csv", "a" * (2 * 1024 * 1024) + ",b\n1,2\n")
    refused(path, "csv_too_many_columns", "longer than 1 MB")


@pytest.mark.quality("csv-files")
def test_too_many_rows_stops_early(tmp_path):
    path = write(tmp_path / "rows.csv", "lon,lat\n" + "2.1,41.3\n" * 101)
    refused(path, "csv_too_many_rows", "more than 100", limits=Limits(max_csv_rows=100))
    assert inspect(path, limits=Limits(max_csv_rows=101)).csv.rows == 101


def test_header_without_rows(tmp_path):
    refused(write(tmp_path / "h.csv", "lon,lat\n"), "csv_empty", "no rows")


def test_text_named_csv_that_does_not_split_into_columns(tmp_path):
    path = write(tmp_path / "prose.csv", "Dear planner\nplease find attached\n")
    refused(path, "not_delimited", "does not read as CSV")


def test_unknown_encoding_option(tmp_path):
    refused(write(tmp_path / "a.csv", "x,y\n1,2\n"), "bad_encoding", "klingon", encoding="klingon")


# --- numbers in a CSV, and the drivers GDAL may use -----------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2,17017", 2.17017),
        ("2.17017", 2.17017),
        (" -0,5 ", -0.5),
        ("+41.38", 41.38),
        ("430162", 430162.0),
        ("1e-3", 0.001),
        (",5", 0.5),
    ],
)
def test_parse_coordinate(text, value):
    assert parse_coordinate(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "  ", "abc", "nan", "inf", "1.234,5", "2,17,0", "12 N"])
def test_parse_coordinate_rejects_junk(text):
    with pytest.raises(ValueError, match="coordinate"):
        parse_coordinate(text)


def test_check_driver():
    for driver in ALLOWED_DRIVERS:
        check_driver(driver)
    for driver in ("OGR_VRT", "VRT", "GDALG", "WFS", "SQLite"):
        with pytest.raises(InspectError) as caught:
            check_driver(driver)
        assert caught.value.code == "driver_refused" and driver in caught.value.message


@pytest.mark.quality("zip-slip-and-bomb")
def test_declared_member_count_is_read_before_zipfile(tmp_path, monkeypatch):
    path = make_zip(tmp_path / "many.zip", {f"f{i}.txt": b"x" for i in range(5)})
    data = bytearray(path.read_bytes())
    at = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, at + 8, 60000, 60000)  # the record claims 60,000 members
    path.write_bytes(bytes(data))

    def no_zipfile(*args, **kwargs):
        raise AssertionError("zipfile must not be opened")

    monkeypatch.setattr(zipfile, "ZipFile", no_zipfile)
    refused(path, "zip_too_many", "60,000")
