"""The front door of the import pipeline: what is this file, and how should GDAL read it?

An uploaded or downloaded file is inspected here *before* GDAL opens it, because GDAL
chooses a driver by what it finds and some drivers do more than read: a VRT opens other
files (or URLs), a KML with a DOCTYPE asks its XML parser to expand entities, a zip member
named ``../x`` escapes any directory it is extracted to. So we decide the format from the
content (never from the extension alone), check archives from their central directory
without extracting anything, and hand the reader a GDAL path that can only open what we
checked: ``/vsizip/{archive}/member`` to read zips in place, ``CSV:`` and ``GeoJSON:``
prefixes that force those drivers.

Every refusal is an :class:`InspectError` whose message a planner can act on. The reader
that follows reads ``pyogrio.raw.read(source.gdal_path, layer=name, encoding=...)`` for
each ``name`` in ``source.layers`` (GDAL's own layer names), with the options of
:func:`gdal_open_options`, after :func:`check_driver` on the driver GDAL reports;
:meth:`Source.read_target` bundles path, layer and an explicit encoding.

The shared types and limits live in :mod:`.base`, content detection and the GeoJSON,
GeoPackage and KML checks in :mod:`.formats`, the zip checks in :mod:`.archive` and the
CSV analysis in :mod:`.csv_columns`. What could make GDAL, PROJ or SQLite reach outside
the file is refused by :mod:`.outbound` (GeoJSON ``crs`` links, grids named by path or
URL) and :mod:`.geopackage_schema` (GeoPackage views, virtual tables, generated
columns). Callers
import everything from here, which re-exports what they need. The archive and CSV modules
import only the modules below this one; a zip's member is inspected as a file of its own
by :func:`inspect_single`, which :func:`inspect_source` hands to the archive module rather
than have it import this one back.
"""

from __future__ import annotations

import codecs
import stat
from pathlib import Path, PurePosixPath

from django.utils.translation import gettext as _

from gisdata.imports.inspection import archive, csv_columns
from gisdata.imports.inspection.base import (
    ALLOWED_DRIVERS,
    GDAL_SKIP_FOR_UPLOADS,
    HEAD_BYTES,
    SUPPORTED,
    CsvInfo,
    GiB,
    InspectError,
    KiB,
    Kind,
    Limits,
    MiB,
    Opener,
    ReadTarget,
    ShapefileLayer,
    Source,
    _read_head,
    check_driver,
    parse_coordinate,
)
from gisdata.imports.inspection.formats import (
    _EXPECTED,
    GEOJSON_TYPES,
    LABELS,
    SHAPEFILE_PARTS,
    _check_geojson,
    _check_geopackage_header,
    _check_xml,
    _list_layers,
    _mismatch,
    _unsupported,
    sniff,
)

__all__ = [
    "ALLOWED_DRIVERS",
    "GDAL_SKIP_FOR_UPLOADS",
    "GEOJSON_TYPES",
    "HEAD_BYTES",
    "LABELS",
    "SHAPEFILE_PARTS",
    "SUPPORTED",
    "CsvInfo",
    "GiB",
    "InspectError",
    "Kind",
    "KiB",
    "Limits",
    "MiB",
    "Opener",
    "ReadTarget",
    "ShapefileLayer",
    "Source",
    "check_driver",
    "gdal_open_options",
    "inspect_single",
    "inspect_source",
    "parse_coordinate",
    "sniff",
]

# --- what the reader calls ------------------------------------------------------------


_SEPARATORS = {",": "COMMA", ";": "SEMICOLON", "\t": "TAB", "|": "PIPE"}


def gdal_open_options(
    source: Source,
    *,
    x_column: str | None = None,
    y_column: str | None = None,
    wkt_column: str | None = None,
) -> dict[str, str]:
    """Dataset open options for ``pyogrio.raw.read(..., **options)``.

    Only CSV needs any: the separator we sniffed (GDAL's own guess is weaker), every field
    as text (``AUTODETECT_TYPE=NO``: codes like ``01`` keep their zero), and — when the
    user chose them — the geometry columns. Columns written with decimal commas are
    refused here because GDAL would silently read ``"2,17017"`` as 2: read them as text
    and convert with :func:`parse_coordinate`.
    """
    if source.kind != "csv" or source.csv is None:
        return {}
    info = source.csv
    options = {
        "HEADERS": "YES",
        "SEPARATOR": _SEPARATORS[info.delimiter],
        "AUTODETECT_TYPE": "NO",
        "EMPTY_STRING_AS_NULL": "YES",
        "KEEP_GEOM_COLUMNS": "YES",
    }
    for column in (x_column, y_column, wkt_column):
        if column is None:
            continue
        if column not in info.columns:
            raise InspectError(
                _("The CSV has no column %(column)s.")
                % {"column": repr(column)}, code="unknown_column")
        if "," in column or "*" in column:
            raise InspectError(
                _("The column name %(column)s contains ',' or '*', which GDAL reads as a "
                  "list or a wildcard: rename the column.") % {
                    "column": repr(column)},
                code="bad_column_name",
            )
        if column in info.decimal_comma_columns:
            raise InspectError(
                _("The column %(column)s writes decimals with a comma; read it as text and "
                  "convert each value with parse_coordinate().") % {
                    "column": repr(column)},
                code="decimal_comma",
            )
    if wkt_column:
        options["GEOM_POSSIBLE_NAMES"] = wkt_column
        options["KEEP_GEOM_COLUMNS"] = "NO"
    elif x_column and y_column:
        options["X_POSSIBLE_NAMES"] = x_column
        options["Y_POSSIBLE_NAMES"] = y_column
    return options


# --- entry point ----------------------------------------------------------------------


def _vsi_quote(path: Path) -> str:
    """``{/abs/path}``: GDAL then needs no ``.zip`` in the name to find the archive."""
    text = str(path.absolute())
    if "{" in text or "}" in text:
        raise InspectError(
            _("Uploaded files must be stored under a name without braces."), code="bad_path"
        )
    return "{" + text + "}"


def inspect_source(
    path: Path,
    *,
    original_name: str = "",
    limits: Limits = Limits(),  # noqa: B008 - frozen, so one shared default is safe
    encoding: str | None = None,
) -> Source:
    """Say what ``path`` is and how to read it, or raise :class:`InspectError`.

    ``original_name`` is the name the user gave (the stored file's name is ours), used
    for the extension check and in messages. ``encoding`` is the user's choice for a CSV
    or a DBF; without it a .cpg decides, else UTF-8. Nothing is extracted or written.
    """
    name = original_name or path.name
    if encoding is not None:
        try:
            codecs.lookup(encoding)
            # lookup() also finds codecs that are no text encoding (rot13, base64,
            # zlib_codec: decoding raises LookupError) or that decode no file (idna,
            # undefined: UnicodeError); their decoders would crash on the CSV's bytes.
            b"\x00".decode(encoding, "ignore")
        except (LookupError, UnicodeError) as exc:
            raise InspectError(
                _("Unknown encoding %(encoding)s.")
                % {"encoding": repr(encoding)}, code="bad_encoding") from exc
    try:
        info = path.stat()
    except OSError as exc:
        raise InspectError(
            _("The file %(name)s cannot be read.")
            % {"name": repr(name)}, code="unreadable") from exc
    if not stat.S_ISREG(info.st_mode):
        raise InspectError(
            _("%(name)s is not a regular file.")
            % {"name": repr(name)}, code="unreadable")
    if info.st_size == 0:
        raise InspectError(_("The file %(name)s is empty.") % {"name": repr(name)}, code="empty")
    if info.st_size > limits.max_file_bytes:
        raise InspectError(
            _("The file %(name)s has %(st_size)s bytes; Plaza accepts at most "
              "%(max_file_bytes)s.") % {
                "name": repr(name),
                "st_size": format(info.st_size, ','),
                "max_file_bytes": format(limits.max_file_bytes, ',')},
            code="too_big",
        )
    ext = PurePosixPath(name.lower()).suffix
    head = _read_head(lambda: path.open("rb"))
    content = sniff(head)
    if ext in SHAPEFILE_PARTS or content == "shp":
        raise InspectError(
            _("A shapefile is several files (.shp, .shx, .dbf and usually .prj and .cpg): "
              "zip them together and upload the zip."),
            code="shapefile_not_zipped",
        )
    expected = _EXPECTED.get(ext)
    if expected and expected[0] != content:
        raise _mismatch(name, content, expected[1])
    if content == "zip":
        return archive.inspect_zip(
            path,
            inspect_one=inspect_single,
            name=name,
            vsi=_vsi_quote(path),
            limits=limits,
            encoding=encoding,
            kmz=ext == ".kmz",
        )
    return inspect_single(
        lambda: path.open("rb"),
        head=head,
        content=content,
        name=name,
        size=info.st_size,
        gdal_file=str(path.absolute()),
        limits=limits,
        encoding=encoding,
    )


def inspect_single(
    opener: Opener,
    *,
    head: bytes,
    content: str,
    name: str,
    size: int,
    gdal_file: str,
    limits: Limits,
    encoding: str | None,
    kind: Kind | None = None,
) -> Source:
    """Inspect one data file, on disk or inside a zip (``opener`` reads it from the start).

    ``gdal_file`` is how GDAL reaches it (a path, or ``/vsizip/{zip}/member``); ``kind``
    forces the reported kind (``kmz`` for the KML inside a KMZ).
    """
    from gisdata.imports.inspection.geopackage_schema import check_geopackage_schema
    from gisdata.imports.inspection.outbound import check_geojson_crs

    stem = PurePosixPath(gdal_file).stem  # GDAL names a GeoJSON or CSV layer so
    if content == "gpkg":
        _check_geopackage_header(head, name=name, size=size)
        check_geopackage_schema(opener, name=name, size=size)
        listed = _list_layers(gdal_file, name=name, what="GeoPackage")
        layers = [layer for layer, geometry in listed if geometry is not None]
        if not layers:
            raise InspectError(
                _("The GeoPackage %(name)s has no layer with geometries.")
                % {"name": repr(name)}, code="no_layers"
            )
        tables = [layer for layer, geometry in listed if geometry is None]
        found = (
            [f"Tables without geometry are not imported: {', '.join(tables)}."] if tables else []
        )
        return Source("geopackage", gdal_file, layers, None, True, warnings=found, name=name)
    if content == "json":
        kind_of, layer = _check_geojson(opener, name=name, size=size, limits=limits)
        check_geojson_crs(opener, name=name)
        if kind_of != "FeatureCollection" or not layer:
            layer = stem  # GDAL reads "name" only from a FeatureCollection
        return Source("geojson", "GeoJSON:" + gdal_file, [layer], None, True, name=name)
    if content == "xml":
        found = _check_xml(opener, head, name=name, limit=limits.max_file_bytes)
        layers = [layer for layer, _ in _list_layers(gdal_file, name=name, what="KML file")]
        if not layers:
            raise InspectError(
                _("The KML %(name)s has no placemarks.")
                % {"name": repr(name)}, code="no_layers")
        return Source(kind or "kml", gdal_file, layers, None, True, warnings=found, name=name)
    if content == "text":
        try:
            csv_info, found = csv_columns.inspect_csv(
                opener, name=name, limits=limits, encoding=encoding
            )
        except InspectError as exc:
            # Text that is not delimited is only "a bad CSV" when it was named as one.
            named_csv = any(
                PurePosixPath(text.lower()).suffix in (".csv", ".tsv") for text in (name, gdal_file)
            )
            if exc.code == "not_delimited" and not named_csv:
                raise _unsupported(name, "text") from exc
            raise
        return Source(
            "csv",
            "CSV:" + gdal_file,
            [stem],
            encoding,
            False,
            csv=csv_info,
            warnings=found,
            name=name,
        )
    raise _unsupported(name, content)
