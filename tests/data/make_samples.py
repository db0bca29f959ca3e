"""Make tests/data from the original open data files: small files copied whole, large ones
sampled so that each keeps what makes it worth testing (see tests/data/README.md).

    python tests/data/make_samples.py SOURCE

SOURCE is a folder holding the originals as published, in the same layout as this one
(barcelona/, cambridge/, nyc/, prague/). Every sample keeps the original bytes of what it
keeps: whole CSV lines, whole GeoJSON features as written, whole shapefile records; only
the counts and extents in the headers are rewritten. Run it again and nothing changes.
The test suite never runs this script: it reads the files it made, which are committed.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import struct
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

COPIED_WHOLE = ["nyc/nybb_16a.zip"]


def every_nth_line(source: Path, target: Path, step: int) -> None:
    """The header and every ``step``-th row from the first (one row a line in these files;
    the UTF-8 BOM stays, as part of the header line)."""
    lines = source.read_bytes().splitlines(keepends=True)
    target.write_bytes(b"".join([lines[0], *lines[1::step]]))


def csv_lines_where(source: Path, target: Path, keep) -> None:
    """The header and the rows for which ``keep(row)`` is true, each its original line."""
    lines = source.read_bytes().splitlines(keepends=True)
    header = next(csv.reader([lines[0].decode("utf-8-sig")]))
    kept = [line for line in lines[1:]
            if keep(dict(zip(header, next(csv.reader([line.decode()])), strict=True)))]
    target.write_bytes(b"".join([lines[0], *kept]))


def geojson_features(source: Path, target: Path, keep) -> None:
    """The FeatureCollection with only the features for which ``keep(index, feature)`` is
    true, each kept as its original text (numbers keep their digits)."""
    text = source.read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    start = text.index("[", text.index('"features"')) + 1
    spans, at = [], start
    while True:
        while text[at] in " \t\r\n,":
            at += 1
        if text[at] == "]":
            break
        feature, end = decoder.raw_decode(text, at)
        spans.append((feature, text[at:end]))
        at = end
    kept = [raw for index, (feature, raw) in enumerate(spans) if keep(index, feature)]
    target.write_text(text[:start] + ",".join(kept) + text[at:], encoding="utf-8")


def every_nth_and_multi(step: int):
    def keep(index: int, feature: dict) -> bool:
        geometry = feature.get("geometry") or {}
        return index % step == 0 or geometry.get("type", "").startswith("Multi")
    return keep


def shapefile_records(source: Path, target: Path, keep) -> None:
    """A zipped shapefile with only the records for which ``keep(attributes)`` is true.

    The .shp, .shx and .dbf records are copied byte for byte; the headers get the new
    counts, lengths and bounding box. Members that are not records (.prj) are copied whole,
    and no .cpg is added (the originals have none, and the tests rely on that)."""
    with zipfile.ZipFile(source) as archive:
        infos = archive.infolist()
        members = {info.filename: archive.read(info) for info in infos}
    stem = next(name[:-4] for name in members if name.lower().endswith(".shp"))
    shp, dbf = members[f"{stem}.shp"], members[f"{stem}.dbf"]
    shx = members[f"{stem}.shx"]

    count, header_length, record_length = struct.unpack("<IHH", dbf[4:12])
    fields, at = [], 32
    while dbf[at] != 0x0D:
        fields.append((dbf[at:at + 11].split(b"\0")[0].decode(), dbf[at + 16]))
        at += 32
    records = [dbf[header_length + i * record_length:header_length + (i + 1) * record_length]
               for i in range(count)]

    def attributes(record: bytes) -> dict[str, str]:
        values, pos = {}, 1
        for name, width in fields:
            values[name] = record[pos:pos + width].decode().strip()
            pos += width
        return values

    kept = [i for i, record in enumerate(records) if keep(attributes(record))]
    out_shp, out_shx, out_dbf = bytearray(shp[:100]), bytearray(shx[:100]), bytearray()
    boxes = []
    for number, i in enumerate(kept, start=1):
        offset_words, length_words = struct.unpack(">ii", shx[100 + 8 * i:108 + 8 * i])
        content = shp[offset_words * 2 + 8:offset_words * 2 + 8 + length_words * 2]
        out_shx += struct.pack(">ii", len(out_shp) // 2, length_words)
        out_shp += struct.pack(">ii", number, length_words) + content
        boxes.append(struct.unpack("<4d", content[4:36]))
        out_dbf += records[i]
    for out in (out_shp, out_shx):
        struct.pack_into(">i", out, 24, len(out) // 2)
        struct.pack_into("<4d", out, 36, min(b[0] for b in boxes), min(b[1] for b in boxes),
                         max(b[2] for b in boxes), max(b[3] for b in boxes))
    head = bytearray(dbf[:header_length])
    struct.pack_into("<I", head, 4, len(kept))
    members[f"{stem}.shp"], members[f"{stem}.shx"] = bytes(out_shp), bytes(out_shx)
    members[f"{stem}.dbf"] = bytes(head + out_dbf + b"\x1a")

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in infos:  # the original names, order and dates
            archive.writestr(zipfile.ZipInfo(info.filename, info.date_time),
                             members[info.filename], compress_type=zipfile.ZIP_DEFLATED)
    target.write_bytes(buffer.getvalue())


def geopackage_without_raster(source: Path, target: Path) -> None:
    """The GeoPackage with its four vector layers whole and its elevation raster (``dtm``,
    two thirds of the file, which Plaza does not read) removed."""
    shutil.copyfile(source, target)
    with sqlite3.connect(target) as db:
        db.executescript("""
            DROP TABLE dtm;
            DROP TABLE gpkg_2d_gridded_coverage_ancillary;
            DROP TABLE gpkg_2d_gridded_tile_ancillary;
            DELETE FROM gpkg_tile_matrix WHERE table_name = 'dtm';
            DELETE FROM gpkg_tile_matrix_set WHERE table_name = 'dtm';
            DELETE FROM gpkg_extensions WHERE extension_name = 'gpkg_2d_gridded_coverage';
            DELETE FROM gpkg_contents WHERE table_name = 'dtm';
        """)
    db.close()
    with sqlite3.connect(target) as db:
        db.execute("VACUUM")
    db.close()


def main(source: Path) -> None:
    for folder in ("barcelona", "cambridge", "nyc", "prague"):
        (HERE / folder).mkdir(exist_ok=True)
    for name in COPIED_WHOLE:
        shutil.copyfile(source / name, HERE / name)
    every_nth_line(source / "barcelona/tourist_flats.csv",
                   HERE / "barcelona/tourist_flats.csv", 50)
    csv_lines_where(source / "barcelona/barris_wkt.csv", HERE / "barcelona/barris_wkt.csv",
                    lambda row: row["codi_districte"] == "02"
                    or row["nom_barri"] == "Vallvidrera, el Tibidabo i les Planes")
    shapefile_records(source / "barcelona/seccions_censals.zip",
                      HERE / "barcelona/seccions_censals.zip",
                      lambda row: row["DISTRICTE"] == "03")
    geojson_features(source / "cambridge/open_space.geojson",
                     HERE / "cambridge/open_space.geojson", every_nth_and_multi(10))
    geojson_features(source / "cambridge/bike_facilities.geojson",
                     HERE / "cambridge/bike_facilities.geojson", every_nth_and_multi(10))
    geojson_features(source / "cambridge/bike_racks.geojson",
                     HERE / "cambridge/bike_racks.geojson", every_nth_and_multi(20))
    geopackage_without_raster(source / "prague/bubenec.gpkg", HERE / "prague/bubenec.gpkg")


if __name__ == "__main__":
    if len(sys.argv) != 2 or not Path(sys.argv[1]).is_dir():
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
