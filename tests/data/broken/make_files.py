"""Make the broken files of tests/data/broken/ from the real samples in tests/data/.

    .venv/bin/python tests/data/broken/make_files.py

Each file reproduces a way real open data arrives broken (see README.md beside this
script). They are made from real data already in the repository, then damaged the way
such files are damaged in the wild. Running it again gives the same bytes except for the
GeoPackage's and the shapefile's dates. The test suite never runs this script: it reads
the committed files. The writers (`gpkg_write`, `shapefile_zip`) are also what
tests/gisdata/test_fuzz_pipeline.py writes its random files with.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sqlite3
import struct
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent
NAN = math.nan


# --- WKB, GeoPackage and shapefile writers (no validation: they write what they are given)

def polygon_wkb(rings) -> bytes:
    out = struct.pack("<BII", 1, 3, len(rings))
    for ring in rings:
        out += struct.pack("<I", len(ring)) + b"".join(struct.pack("<dd", *p) for p in ring)
    return out


def rings_of(wkb: bytes) -> list[list[tuple[float, float]]]:
    """The rings of a little-endian WKB Polygon."""
    order, kind, count = struct.unpack_from("<BII", wkb)
    assert (order, kind) == (1, 3), "a little-endian Polygon"
    pos, rings = 9, []
    for _ in range(count):
        (n,) = struct.unpack_from("<I", wkb, pos)
        pos += 4
        flat = struct.unpack_from(f"<{2 * n}d", wkb, pos)
        pos += 16 * n
        rings.append([(flat[i], flat[i + 1]) for i in range(0, 2 * n, 2)])
    return rings


def gpkg_write(path: Path, table: str, srid: int, geometry_type: str,
               columns: dict[str, str], rows: list[tuple]) -> None:
    """A GeoPackage written with sqlite3, byte for byte what it is given: GDAL's own
    writer would refuse or fix some of the geometries these files must carry.

    `rows` are (wkb or None, *values) in the order of `columns` ({name: SQL type}).
    """
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.executescript("""
        PRAGMA application_id = 1196444487;  -- 'GPKG'
        PRAGMA user_version = 10300;
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
            organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
            definition TEXT NOT NULL, description TEXT);
        CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL,
            identifier TEXT UNIQUE, description TEXT DEFAULT '',
            last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
            min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
        CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
            geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL,
            m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name));
        INSERT INTO gpkg_spatial_ref_sys VALUES
            ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', NULL),
            ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', NULL);
    """)
    db.execute("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, 'EPSG', ?, ?, NULL)",
               (f"EPSG:{srid}", srid, srid, _definition(srid)))
    db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
               "VALUES (?, 'features', ?, ?)", (table, table, srid))
    db.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)",
               (table, geometry_type, srid))
    fields = "".join(f', "{name}" {kind}' for name, kind in columns.items())
    db.execute(f'CREATE TABLE "{table}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, '
               f"geom BLOB{fields})")
    marks = ", ".join("?" * (len(columns) + 1))
    names = "".join(f', "{c}"' for c in columns)
    # The names are this script's own constants, never input.
    db.executemany(f'INSERT INTO "{table}" (geom{names}) VALUES ({marks})',  # noqa: S608
                   [(None if r[0] is None else _gpkg_blob(r[0], srid), *r[1:]) for r in rows])
    db.commit()
    db.close()


def _gpkg_blob(wkb: bytes, srid: int) -> bytes:
    # 'GP', version 0, flags: little-endian, no envelope; then the SRS id and the WKB.
    return b"GP" + bytes([0, 0b00000001]) + struct.pack("<i", srid) + wkb


def _definition(srid: int) -> str:
    from django.contrib.gis.gdal import SpatialReference

    return SpatialReference(srid).wkt


def shapefile_zip(path: Path, name: str, wkbs: list, columns: dict, *, crs: str | None,
                  encoding: str, geometry_type: str, cpg: bool = True,
                  prj: str | None = None) -> None:
    """A zipped shapefile written by GDAL (pyogrio) in `encoding`; `cpg=False` drops the
    .cpg as older desktop GIS did; `prj` replaces the .prj's text."""
    import numpy as np
    from pyogrio.raw import write

    with tempfile.TemporaryDirectory() as tmp:
        shp = Path(tmp) / f"{name}.shp"
        write(str(shp), np.array(wkbs, dtype=object),
              [np.array(v, dtype=object) for v in columns.values()], list(columns),
              driver="ESRI Shapefile", geometry_type=geometry_type, crs=crs,
              encoding=encoding)
        if not cpg:
            shp.with_suffix(".cpg").unlink(missing_ok=True)
        if prj is not None:
            shp.with_suffix(".prj").write_text(prj)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(Path(tmp).iterdir()):
                archive.write(part, part.name)


# --- the files ------------------------------------------------------------------------

def osm_buildings(target: Path) -> None:
    """16 real buildings of Prague-Bubeneč (tests/data/prague/bubenec.gpkg, EPSG:3857),
    eight of them damaged the ways OpenStreetMap building outlines are."""
    from pyogrio.raw import read

    _meta, _fids, wkbs, (uids,) = read(str(DATA / "prague" / "bubenec.gpkg"),
                                       layer="buildings", max_features=16)
    rings = [rings_of(bytes(w)) for w in wkbs]
    shell = [r[0] for r in rings]
    damaged = {
        # a way of three nodes closed on itself: "at least four points in each ring"
        3: [[shell[2][0], shell[2][1], shell[2][0]]],
        # a way left unclosed (the last node missing)
        5: [shell[4][:-1]],
        # zero area: there and back along one wall
        7: [[shell[6][0], shell[6][1], shell[6][0], shell[6][1], shell[6][0]]],
        # a bowtie over the building's footprint: the outline crosses itself
        9: [_bowtie(shell[8])],
        # a spike: a node 500 m out, and back to where it started
        11: [[shell[10][0], (shell[10][0][0] + 500, shell[10][0][1]), *shell[10]]],
        # a node with no coordinates (NaN), as some exporters write a missing one
        13: [[shell[12][0], (NAN, NAN), *shell[12][1:]]],
        # a courtyard (hole) of three nodes inside a good outline
        15: [shell[14], [shell[14][0], shell[14][1], shell[14][0]]],
        # nothing but two nodes
        16: [[shell[15][0], shell[15][1]]],
    }
    rows = []
    for number, (uid, polygon) in enumerate(zip(uids.tolist(), rings, strict=True), start=1):
        geometry = polygon_wkb(damaged.get(number, polygon))
        rows.append((geometry, int(uid) + 1_000_000_000, "yes",
                     f"Budova {number}" if number % 2 else None))
    rows.append((None, 1_000_000_999, "yes", "no geometry"))
    gpkg_write(target, "buildings", 3857, "POLYGON",
               {"osm_id": "INTEGER", "building": "TEXT", "name": "TEXT"}, rows)


def _bowtie(ring):
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    (x0, x1), (y0, y1) = (min(xs), max(xs)), (min(ys), max(ys))
    return [(x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0)]


def latin1_shapefile(target: Path) -> None:
    """The ten districts of Barcelona as points, names in Latin-1, no .cpg (LDID 0)."""
    names = ["Ciutat Vella", "Eixample", "Sants-Montjuïc", "Les Corts",
             "Sarrià-Sant Gervasi", "Gràcia", "Horta-Guinardó", "Nou Barris",
             "Sant Andreu", "Sant Martí"]
    points = [(2.176, 41.381), (2.161, 41.390), (2.135, 41.363), (2.118, 41.384),
              (2.112, 41.403), (2.155, 41.408), (2.149, 41.425), (2.178, 41.440),
              (2.190, 41.432), (2.200, 41.405)]
    wkbs = [struct.pack("<BIdd", 1, 1, x, y) for x, y in points]
    shapefile_zip(target, "districtes_punts", wkbs,
                  {"CODI": [f"{i:02d}" for i in range(1, 11)], "NOM": names},
                  crs="EPSG:4326", encoding="ISO-8859-1", geometry_type="Point", cpg=False)


def metres_said_degrees(target: Path) -> None:
    """Twelve census sections (Polygons) of Barcelona in EPSG:25831 metres, written as GeoJSON with
    no `crs` member, which by the GeoJSON spec means longitude/latitude: a common mistake
    of exports that forget to reproject."""
    from pyogrio.raw import read

    _meta, _fids, wkbs, arrays = read("/vsizip/" + str(DATA / "barcelona" /
                                                       "seccions_censals.zip"),
                                      max_features=20, columns=["SEC_CENS", "NOM"],
                                      encoding="UTF-8")
    features = []
    for wkb, code, name in zip(wkbs, *arrays, strict=True):
        rings = rings_of(bytes(wkb)) if bytes(wkb)[1:5] == b"\x03\0\0\0" else None
        if rings is None:
            continue
        features.append({"type": "Feature", "properties": {"SEC_CENS": code, "NOM": name},
                         "geometry": {"type": "Polygon", "coordinates": [
                             [[round(x, 2), round(y, 2)] for x, y in ring] for ring in rings]}})
    target.write_text(json.dumps({"type": "FeatureCollection", "features": features[:12]},
                                 ensure_ascii=False))


def big_integers(target: Path) -> None:
    """OpenStreetMap-style ids: a 64-bit column with nulls, values at and past 2**63."""
    values = [1, None, 2**53 + 1, 2**63 - 1, None, -(2**63), 18446744073709551615]
    features = [{"type": "Feature", "properties": {"n": i, "osm_id": v},
                 "geometry": {"type": "Point", "coordinates": [2.17 + i / 100, 41.38]}}
                for i, v in enumerate(values, start=1)]
    target.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def quoted_line_breaks(target: Path) -> None:
    """Fountains of Barcelona with an address over two lines in a quoted cell, as
    spreadsheets write them (LF inside the cell, CRLF between rows)."""
    rows = [["id", "nom", "adreca", "lon", "lat"],
            ["1", "Font de Canaletes", "La Rambla, 131\nCiutat Vella", "2.1700", "41.3851"],
            ["2", "Font de la Plaça Reial", "Plaça Reial\r\n(centre)", "2.1753", "41.3802"],
            ["3", 'Font "del Gat"', "Passeig de Santa Madrona", "2.1588", "41.3698"]]
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    target.write_bytes(out.getvalue().encode("utf-8"))


def bogus_prj(target: Path) -> None:
    """A shapefile whose .prj names an EPSG code that does not exist (99999)."""
    prj = ('PROJCS["Unknown",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,'
           '298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],'
           'PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],'
           'PARAMETER["central_meridian",3],PARAMETER["scale_factor",0.9996],'
           'PARAMETER["false_easting",500000],PARAMETER["false_northing",0],'
           'UNIT["metre",1],AUTHORITY["EPSG","99999"]]')
    wkbs = [struct.pack("<BIdd", 1, 1, 431000.0 + i, 4581000.0) for i in range(3)]
    shapefile_zip(target, "punts", wkbs, {"ID": ["1", "2", "3"]}, crs="EPSG:25831",
                  encoding="UTF-8", geometry_type="Point", prj=prj)


FILES = {
    "osm_buildings_degenerate.gpkg": osm_buildings,
    "latin1_no_cpg.zip": latin1_shapefile,
    "metres_said_degrees.geojson": metres_said_degrees,
    "big_integers.geojson": big_integers,
    "quoted_line_breaks.csv": quoted_line_breaks,
    "bogus_epsg_prj.zip": bogus_prj,
}


def main() -> None:
    for name, make in FILES.items():
        make(HERE / name)
        print(f"{name}: {(HERE / name).stat().st_size:,} bytes")  # noqa: T201


if __name__ == "__main__":
    main()
