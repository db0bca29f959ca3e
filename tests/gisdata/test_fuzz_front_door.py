"""Fuzzing the import front door: untrusted bytes give a verdict, never a crash or a hang.

Everything a planner uploads (or a URL returns) first meets
:func:`gisdata.imports.inspection.source.inspect_source`, and a CSV then meets
:func:`gisdata.imports.csv_reader.read_csv`. Whatever the bytes, both must end in one of two
ways: a result, or the refusal they were written to give (:class:`InspectError`,
:class:`ReadError`), each within a few seconds of CPU. Any other exception is a bug (a 500
instead of a message), and so is a call that runs for long (an upload that holds a worker).
The properties below feed them random bytes behind each extension, zips built member by
member with hostile names and sizes, CSV text in many dialects and encodings, and JSON
nested deep or holding numbers no float can hold.

The ``@example`` cases are inputs that once crashed or hung one of these modules; each
fix carries a comment in the module. Files live in ``tmp_path_factory`` folders. No
database.
"""

from __future__ import annotations

import io
import json
import re
import signal
import stat
import struct
import threading
import time
import warnings
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from gisdata.imports.csv_reader import read_csv
from gisdata.imports.inspection.base import InspectError, KiB, Limits, MiB, Source
from gisdata.imports.inspection.formats import GEOJSON_TYPES
from gisdata.imports.inspection.source import inspect_source
from gisdata.imports.reader import ReadError, SourceLayer

#: A call that costs more CPU than this fails the property: the work it does, which a
#: loaded machine does not inflate as it does the time on the clock. The alarm stops a
#: call that would never end (one that waits rather than computes); it is a ceiling that
#: only a failing call reaches.
SLOW_CPU_SECONDS = 5.0
HANG_SECONDS = 120

#: Small limits reach every refusal with small files (the defaults need megabytes).
SMALL = Limits(
    max_members=20,
    max_total_uncompressed=3 * MiB,
    max_ratio=50,
    ratio_min_bytes=64 * KiB,
    max_file_bytes=2 * MiB,
    max_csv_rows=500,
    max_csv_columns=40,
    max_json_parse_bytes=2 * KiB,
)
LIMITS = st.sampled_from([Limits(), SMALL])


def fuzz(examples: int) -> settings:
    """Settings for one property: ``examples`` runs, no per-example deadline (the bound
    that matters is :func:`bounded`'s)."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


class TooSlow(Exception):
    """The alarm rang: the call under test ran past HANG_SECONDS."""


@contextmanager
def bounded(what: str):
    """Fail when the block costs more than SLOW_CPU_SECONDS of this process's CPU time
    (GDAL's threads included); interrupt it at HANG_SECONDS on the clock."""
    armed = threading.current_thread() is threading.main_thread()
    if armed:

        def ring(signum, frame):
            raise TooSlow(f"{what} still running after {HANG_SECONDS} s")

        previous = signal.signal(signal.SIGALRM, ring)
        signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    start = time.process_time()
    try:
        yield
    finally:
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    cost = time.process_time() - start
    assert cost < SLOW_CPU_SECONDS, f"{what} cost {cost:.1f} s of CPU"


DEFAULT = Limits()


def front_door(
    path: Path, name: str, *, limits: Limits = DEFAULT, encoding: str | None = None
) -> Source | InspectError:
    """inspect_source: a Source or an InspectError with a message, in bounded time, and
    nothing written beside the file."""
    before = set(path.parent.iterdir())
    with bounded(f"inspecting {name!r}"):
        try:
            result: Source | InspectError = inspect_source(
                path, original_name=name, limits=limits, encoding=encoding
            )
        except InspectError as exc:
            result = exc
    assert set(path.parent.iterdir()) == before, "inspection wrote files"
    if isinstance(result, InspectError):
        assert result.message and result.code, result
        event(f"refused: {result.code}")
    else:
        assert isinstance(result, Source)
        assert result.layers, result
        event(f"read as {result.kind}")
    return result


@pytest.fixture
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def store(folder: Path, data: bytes, stored: str = "upload.bin") -> Path:
    path = folder / stored
    path.write_bytes(data)
    return path


# --- random bytes behind every extension ----------------------------------------------

EXTENSIONS = [".zip", ".geojson", ".json", ".kml", ".kmz", ".csv", ".gpkg", ".shp", ".tsv", ""]
GPKG_HEAD = b"SQLite format 3\x00" + bytes(52) + b"GPKG"
# Starts that get random bytes past content sniffing into each format's own checks.
PREFIXES = [
    b"",
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"PK\x07\x08",
    GPKG_HEAD,
    GPKG_HEAD + bytes(24),
    b"SQLite format 3\x00",
    b"\x00\x00\x27\x0a",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"{",
    b'{"type": "FeatureCollection", "features": [',
    b"[",
    b"<",
    b'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">',
    b"<kml><Document><Placemark><Point><coordinates>",
    b"<!DOCTYPE html>",
    b"lon,lat\n",
    b"x;y;wkt\r\n",
]


@fuzz(400)
@given(
    prefix=st.sampled_from(PREFIXES),
    body=st.binary(max_size=2048),
    ext=st.sampled_from(EXTENSIONS),
    limits=LIMITS,
)
@example(prefix=GPKG_HEAD, body=b"", ext=".gpkg", limits=Limits())  # header cut at 72 bytes
@pytest.mark.quality("content-not-extension")
def test_random_bytes_behind_any_extension(folder, prefix, body, ext, limits):
    data = prefix + body
    if not data:
        data = b"\x00"
    front_door(store(folder, data), "upload" + ext, limits=limits)


def _small_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data/punts.csv", "lon,lat,nom\n2.17,41.38,Plaça\n2.18,41.39,Sants\n")
        archive.writestr("ñandú/llegeix.txt", "hola " * 50)
    return buffer.getvalue()


SMALL_ZIP = _small_zip()


@fuzz(300)
@given(
    flips=st.lists(st.tuples(st.integers(0, len(SMALL_ZIP) - 1), st.integers(0, 255)), max_size=6),
    cut=st.integers(min_value=4, max_value=len(SMALL_ZIP)),
    ext=st.sampled_from([".zip", ".kmz"]),
)
def test_a_damaged_zip_is_refused_or_read(folder, flips, cut, ext):
    """A real zip with bytes overwritten and its end cut: zipfile's own parsing errors
    (bad names, offsets, sizes, extra fields) must all come out as "damaged"."""
    data = bytearray(SMALL_ZIP)
    for at, value in flips:
        data[at] = value
    front_door(store(folder, bytes(data[:cut])), "upload" + ext)


def test_a_zip_whose_directory_points_before_its_start_is_damaged(folder):
    """Found by the test above: a central directory offset larger than the file made
    zipfile seek to a negative position (OSError EINVAL), not a zipfile error."""
    data = bytearray(SMALL_ZIP)
    end = data.rindex(b"PK\x05\x06")  # end of central directory; its offset at +16
    offset = int.from_bytes(data[end + 16:end + 20], "little")
    data[end + 16:end + 20] = (offset + 1000).to_bytes(4, "little")
    with pytest.raises(InspectError) as refused:
        inspect_source(store(folder, bytes(data)), original_name="upload.zip")
    assert refused.value.code == "zip_damaged"
    assert inspect_source(store(folder, SMALL_ZIP), original_name="upload.zip").layers


def test_a_zip_whose_utf8_flagged_name_is_not_utf8_is_damaged(folder):
    """Found by the damaged-zip fuzz: a member name flagged as UTF-8 whose bytes are
    not UTF-8 made zipfile raise UnicodeDecodeError while reading its directory."""
    data = bytes(SMALL_ZIP).replace("ñandú".encode(), b"\xb1\xb1and\xb1\xba")  # same length
    with pytest.raises(InspectError) as refused:
        inspect_source(store(folder, data), original_name="upload.zip")
    assert refused.value.code == "zip_damaged"


# --- zips built member by member ------------------------------------------------------

NAME_PARTS = st.sampled_from(
    [
        "..",
        ".",
        "",
        "data",
        "__MACOSX",
        "._roads.shp",
        "a.csv",
        "A.CSV",
        "punts.geojson",
        "doc.kml",
        "inner.zip",
        "x.kmz",
        "roads.shp",
        "ROADS.SHP",
        "roads.dbf",
        "C:",
        "c:evil",
        "a\\..\\b",
        "ñandú",
        "名前.csv",
        "e\u0301.json",
        "\u202e",
        "tab\there",
        "nul\x00x",
        ".DS_Store",
    ]
)
MEMBER_NAMES = st.one_of(
    st.builds(
        lambda lead, parts: lead + "/".join(parts),
        st.sampled_from(["", "", "", "", "/", "\\", "../", "//"]),
        st.lists(NAME_PARTS, min_size=1, max_size=4),
    ),
    st.text(min_size=1, max_size=30),
)


def _zip_of(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


MEMBER_DATA = st.one_of(
    st.binary(max_size=256),
    st.sampled_from(
        [
            b"lon,lat\n2.17,41.38\n",
            b'wkt;nom\n"POINT (2 41)";a\n',
            b'{"type": "FeatureCollection", "features": []}',
            b'{"type": "Topology"}',
            b"<kml><Document><Placemark><name>x</name></Placemark></Document></kml>",
            b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aa">]><kml/>',
            GPKG_HEAD + bytes(100),
            b"\x00\x00\x27\x0a" + bytes(96),
            _zip_of([("a.csv", b"x,y\n1,2\n")]),
            _zip_of([("../../evil.csv", b"x,y\n1,2\n")]),
        ]
    ),
    # Highly compressible: megabytes declared, kilobytes stored.
    st.builds(
        lambda size, byte: byte * size, st.integers(0, 3 * MiB), st.sampled_from([b"\x00", b"a"])
    ),
)
# Mostly ordinary members, so that some archives get past the directory checks.
MODES = st.sampled_from(
    [
        None,
        None,
        None,
        None,
        None,
        stat.S_IFREG | 0o644,
        stat.S_IFDIR | 0o755,
        stat.S_IFLNK | 0o777,
        stat.S_IFIFO | 0o644,
        stat.S_IFCHR | 0o644,
    ]
)
MEMBER = st.tuples(
    MEMBER_NAMES,
    MEMBER_DATA,
    st.sampled_from([zipfile.ZIP_DEFLATED] * 4 + [zipfile.ZIP_STORED, zipfile.ZIP_BZIP2]),
    MODES,
    st.integers(0, 9).map(lambda n: n == 0),  # encrypted flag, now and then
)


def escapes(name: str) -> bool:
    """A name that could leave the folder it is extracted to, or that tools read oddly."""
    return (
        "\\" in name
        or name.startswith("/")
        or re.match(r"[A-Za-z]:", name) is not None
        or ".." in name.split("/")
        or any(ord(char) < 32 for char in name)
    )


def build_zip(path: Path, members) -> list[str]:
    """Write ``members`` as they are (duplicates too); return the names as stored."""
    names = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name"
        with zipfile.ZipFile(path, "w") as archive:
            for name, data, method, mode, encrypted in members:
                info = zipfile.ZipInfo(name)  # as zipfile stores it (cut at a NUL)
                info.compress_type = method
                if mode is not None:
                    info.create_system = 3
                    info.external_attr = mode << 16
                if encrypted:
                    info.flag_bits |= 0x1
                archive.writestr(info, data)
                names.append(info.filename)
    return names


@fuzz(250)
@given(
    members=st.lists(MEMBER, min_size=1, max_size=6),
    ext=st.sampled_from([".zip", ".kmz"]),
    limits=LIMITS,
)
@example(
    members=[("\x00", b"x", zipfile.ZIP_DEFLATED, None, False)], ext=".zip", limits=DEFAULT
).via("a member whose stored name is empty")
@pytest.mark.quality("zip-slip-and-bomb")
def test_zips_with_hostile_members(folder, members, ext, limits):
    path = folder / "upload.bin"
    names = build_zip(path, members)
    result = front_door(path, "upload" + ext, limits=limits)
    if any(escapes(name) for name in names):
        assert isinstance(result, InspectError), names
    if escapes(names[0]) and len(names) <= limits.max_members:
        # ... unless the archive was refused for its size, before its members were read.
        assert result.code in ("zip_slip", "too_big"), (names, result)


@fuzz(30)
@given(
    size=st.integers(1 * MiB, 8 * MiB),
    name=st.sampled_from(["big.csv", "big.geojson", "big.dbf", "big.kml"]),
)
@pytest.mark.quality("zip-slip-and-bomb")
def test_members_that_expand_a_lot_are_refused_as_bombs(folder, size, name):
    path = folder / "upload.bin"
    build_zip(path, [(name, b"\x00" * size, zipfile.ZIP_DEFLATED, None, False)])
    result = front_door(path, "bomb.zip")
    assert isinstance(result, InspectError) and result.code == "zip_bomb", result


SHP_HEADER = b"\x00\x00\x27\x0a" + bytes(96)
DBF = b"\x03" + bytes(7) + struct.pack("<HH", 33, 2) + bytes(20) + b"\x0d" + b" \xc3\xa9" * 3
PARTS = {
    ".shp": st.sampled_from([SHP_HEADER, b"<OGRVRTDataSource/>", b""]),
    ".shx": st.sampled_from([SHP_HEADER, b"junk"]),
    ".dbf": st.one_of(
        st.sampled_from([DBF, DBF[:20], b"\x03" + bytes(40)]), st.binary(max_size=64)
    ),
    ".prj": st.sampled_from([b'GEOGCS["WGS 84"]', b"", b"  \n"]),
    ".cpg": st.sampled_from([b"UTF-8", b"1252", b"ANSI 1252", b"nonsense", b"\xff\xfe", b""]),
    ".sbn": st.just(b"x"),
    ".txt": st.just(b"notes"),
}


@st.composite
def shapefile_sets(draw):
    """One to three stems, each usually with its three parts, extensions in any case."""
    folders = draw(
        st.lists(st.sampled_from(["", "data/", "Data/", "a/b/"]), min_size=1, max_size=2)
    )
    members = []
    for index in range(draw(st.integers(1, 3))):
        stem = (
            draw(st.sampled_from(folders))
            + draw(st.sampled_from(["roads", "Roads", "ñ", "r"]))
            + str(index)
        )
        required = draw(
            st.sets(st.sampled_from([".shp", ".shx", ".dbf"]), min_size=3)
            | st.sets(st.sampled_from([".shp", ".shx", ".dbf"]))
        )
        optional = draw(st.sets(st.sampled_from([".prj", ".cpg", ".sbn", ".txt"])))
        stem_case = draw(st.sampled_from([str.lower, str.upper]))
        for ext in sorted(required | optional):
            case = draw(st.sampled_from([stem_case] * 6 + [str.lower, str.upper, str.title]))
            data = draw(PARTS[ext])
            members.append((stem + case(ext), data, zipfile.ZIP_DEFLATED, None, False))
    return members


@fuzz(250)
@given(members=shapefile_sets(), encoding=st.sampled_from([None, "UTF-8", "cp1252"]))
@pytest.mark.quality("incomplete-shapefile")
def test_shapefile_part_sets(folder, members, encoding):
    path = folder / "upload.bin"
    names = build_zip(path, members)
    result = front_door(path, "shapes.zip", encoding=encoding)
    if isinstance(result, Source):
        assert result.kind == "shapefile", result
        shps = {name for name in names if name.lower().endswith(".shp")}
        assert {layer.member for layer in result.shapefiles} == shps


# --- CSV: dialects, encodings, ragged rows, then the row reader -----------------------

HEADER_WORDS = st.sampled_from(
    [
        "lon",
        "lat",
        "x",
        "y",
        "Longitud",
        "LATITUD",
        "wkt",
        "geom",
        "nom",
        "",
        " ",
        "a,b",
        'q"q',
        "ñom",
        "*",
    ]
)
CELLS = st.one_of(
    st.floats(-180, 180).map(lambda v: f"{v:.5f}"),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(-200, 200).map(lambda v: f"{v:.5f}".replace(".", ",")),
    st.integers().map(str),
    st.sampled_from(
        [
            "",
            "POINT (2.17 41.38)",
            "SRID=4326;POINT(1 2)",
            "POINT (1e999 1)",
            "POLYGON ((0 0, 1 0, 1 1, 0 0))",
            "POINT(",
            "GEOMETRYCOLLECTION(" * 30,
            '{"type": "Point"}',
            '{"type": "Point", "coordinates": [1, 2]}',
            "0101000000",
            "1.234,5",
            "nan",
            "\x00",
            "a\nb",
            '"',
        ]
    ),
    st.text(max_size=12),
)
CSV_ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16", "utf-16-le"])


@st.composite
def csv_files(draw):
    """(bytes, header) of a CSV written in a random dialect, possibly ragged."""
    header = draw(
        st.lists(
            st.one_of(HEADER_WORDS, HEADER_WORDS, st.text(max_size=8)),
            min_size=draw(st.sampled_from([2, 2, 2, 0])),
            max_size=6,
        )
    )
    delimiter = draw(st.sampled_from([",", ";", "\t", "|", ",", ";", ":", " "]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    quote_all = draw(st.integers(0, 3).map(lambda n: n == 0))
    width = len(header)

    def line(cells):
        out = []
        for cell in cells:
            if quote_all or any(c in cell for c in (delimiter, '"', "\n", "\r")):
                if draw(st.integers(0, 9)):
                    cell = '"' + cell.replace('"', '""') + '"'
                else:
                    cell = '"' + cell  # a broken quote
            out.append(cell)
        return delimiter.join(out)

    rows = draw(
        st.lists(
            st.one_of(
                st.lists(CELLS, min_size=width, max_size=width),
                st.lists(CELLS, min_size=max(0, width - 1), max_size=width + 1),  # ragged
            ),
            min_size=draw(st.sampled_from([1, 1, 1, 0])),
            max_size=8,
        )
    )
    text = newline.join([line(header)] + [line(row) for row in rows])
    if draw(st.booleans()):
        text += newline
    encoding = draw(st.one_of(st.just("utf-8"), CSV_ENCODINGS))
    return text.encode(encoding, errors="replace"), header


PICKS = st.tuples(
    st.sampled_from(["none", "xy", "wkt"]), st.integers(0, 9), st.integers(0, 9), st.booleans()
)


def read_options(pick, header: list[str]) -> dict:
    """Options a planner could pick: columns of the header (or one it lacks), or none."""
    how, first, second, skip = pick
    names = [h.strip() for h in header] + ["absent"]
    if how == "xy":
        x, y = names[first % len(names)], names[second % len(names)]
        return {"x_field": x, "y_field": y, "skip_bad_rows": skip}
    if how == "wkt":
        return {"wkt_field": names[first % len(names)], "skip_bad_rows": skip}
    return {"skip_bad_rows": skip}


def row_reader(path: Path, *, info, options: dict, encoding: str | None):
    """read_csv: a SourceLayer or a ReadError (RowErrors is one), in bounded time."""
    with bounded(f"reading the CSV with {options}"):
        try:
            layer = read_csv(path, info=info, options=options, encoding=encoding)
        except ReadError as exc:
            assert str(exc)
            return exc
    assert isinstance(layer, SourceLayer)
    assert len(layer.numbers) == len(layer.geometries)
    return layer


@fuzz(400)
@given(
    csv_file=csv_files(),
    encoding=st.sampled_from(
        [None] * 8 + ["latin-1", "utf-16", "rot13", "base64", "hex_codec", "idna", "undefined"]
    ),
    ext=st.sampled_from([".csv", ".tsv", ".txt", ""]),
    pick=PICKS,
)
@example(
    csv_file=(b'wkt,n\n"{""type"": ""Point""}",1\n', ["wkt", "n"]),
    encoding=None,
    ext=".csv",
    pick=("wkt", 0, 0, False),
).via("a JSON cell in a WKT column")
@example(
    csv_file=(b"lon,lat\n1,2\n", ["lon", "lat"]),
    encoding="rot13",
    ext=".csv",
    pick=("xy", 0, 1, False),
).via("a codec that is not a text encoding")
@example(
    csv_file=(b"lon,lat\n1,2\n", ["lon", "lat"]),
    encoding="utf-16",
    ext=".csv",
    pick=("none", 0, 0, False),
).via("UTF-16 chosen for text without a byte-order mark")
@pytest.mark.quality("csv-files")
def test_csv_inspect_then_read(folder, csv_file, encoding, ext, pick):
    raw, header = csv_file
    path = store(folder, raw or b"\n", "upload.csv")
    source = front_door(path, "upload" + ext, limits=SMALL, encoding=encoding)
    options = read_options(pick, header)
    if isinstance(source, Source):
        assert source.kind == "csv", source
        row_reader(path, info=source.csv, options=options, encoding=source.encoding)
    row_reader(path, info=None, options=options, encoding=encoding)


@fuzz(40)
@given(
    unit=st.text(alphabet="\",;|\t\n\r 'a1", min_size=1, max_size=4),
    size=st.integers(1 * KiB, 900 * KiB),
    lead=st.sampled_from(["", "lon,lat\n", '"']),
)
@example(unit=',"', size=64 * KiB, lead="").via('csv.Sniffer on 64 KB of ,"')
@example(unit='"\n', size=64 * KiB, lead="lon,lat\n").via("csv.Sniffer on short quoted lines")
@example(unit='"', size=900 * KiB, lead="").via("a header of quotes")
@pytest.mark.quality("csv-files")
def test_repetitive_csv_is_judged_in_bounded_time(folder, unit, size, lead):
    """One short unit repeated: the inputs that make backtracking or rescanning slow."""
    text = lead + unit * (size // len(unit)) + "\n"
    path = store(folder, text.encode(), "upload.csv")
    source = front_door(path, "upload.csv")
    options = {"x_field": "lon", "y_field": "lat", "skip_bad_rows": True}
    if isinstance(source, Source):
        row_reader(path, info=source.csv, options=options, encoding=None)
    row_reader(path, info=None, options=options, encoding=None)


# --- GeoJSON-like JSON ----------------------------------------------------------------

RAW_NUMBERS = ["NaN", "-Infinity", "Infinity", "1e999", "-0", "1" * 5000, "0." + "0" * 5000 + "1"]
KEYS = st.one_of(
    st.sampled_from(
        [
            "type",
            "features",
            "geometry",
            "geometries",
            "coordinates",
            "properties",
            "name",
            "crs",
            "bbox",
        ]
    ),
    st.text(max_size=6),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
    st.sampled_from(sorted(GEOJSON_TYPES) + ["Topology", "feature"]),
    st.sampled_from(RAW_NUMBERS).map(lambda raw: f"@raw:{raw}"),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=30,
)


def json_text(value, indent) -> str:
    """JSON text with ``"@raw:NaN"`` strings replaced by the bare token ``NaN``."""
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    for raw in RAW_NUMBERS:
        text = text.replace(json.dumps(f"@raw:{raw}"), raw)
    return text


@fuzz(300)
@given(
    top=st.one_of(
        st.fixed_dictionaries(
            {"type": st.sampled_from(sorted(GEOJSON_TYPES) + ["Topology"])},
            optional={"features": JSON_VALUES, "name": JSON_VALUES, "geometry": JSON_VALUES},
        ),
        JSON_VALUES,
    ),
    indent=st.sampled_from([None, 2]),
    bom=st.booleans(),
    cut=st.one_of(st.none(), st.integers(1, 400)),
    ext=st.sampled_from([".geojson", ".json", ""]),
    limits=LIMITS,
)
@example(
    top={"type": "Point", "coordinates": ["@raw:" + "1" * 5000, 1]},
    indent=None,
    bom=False,
    cut=None,
    ext=".geojson",
    limits=Limits(),
).via("an integer literal longer than int() accepts")
@example(top={"type": []}, indent=None, bom=False, cut=None, ext=".json", limits=Limits()).via(
    "a type that is a list"
)
def test_geojson_like_json(folder, top, indent, bom, cut, ext, limits):
    data = json_text(top, indent).encode()
    if cut is not None:
        data = data[:cut]
    data = (b"\xef\xbb\xbf" if bom else b"") + (data or b"{")
    result = front_door(store(folder, data), "upload" + ext, limits=limits)
    if isinstance(result, Source):
        assert result.kind == "geojson", result


@fuzz(30)
@given(
    depth=st.integers(100, 200_000),
    opener=st.sampled_from(["[", '{"a":', '{"type": "Feature", "geometry": {"coordinates": ']),
    limits=LIMITS,
)
@example(depth=100_000, opener="[", limits=Limits()).via("deeper than Python's recursion limit")
@pytest.mark.quality("body-limits")
def test_deeply_nested_json(folder, depth, opener, limits):
    closer = {"[": "]", '{"a":': "}"}.get(opener, "}}")
    text = (
        '{"type": "FeatureCollection", "features": ' + opener * depth + "1" + closer * depth + "}"
    )
    front_door(store(folder, text.encode()), "deep.geojson", limits=limits)
