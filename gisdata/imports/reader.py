"""Read a source layer into columns: feature numbers, WKB geometries, typed attributes.

Vector formats are read with pyogrio, whose wheel bundles GDAL 3.12: newer than
Debian's 3.6, it refuses the file and network references that 3.6 follows in spatial
references given as text, and it reads a whole layer into arrays at C speed. It still
follows some references a file can hold (a GeoJSON `crs` link): the inspection refuses
those before this module opens the file (docs/architecture.md, "Files that reach
out"). CSV is read by gisdata/imports/csv_reader.py, with Python's csv module, because real city
CSVs have decimal commas and per-row errors that GDAL's CSV driver cannot report.

A layer is read a batch at a time, so that a worker's memory follows the batch and not
the file: from GDAL's Arrow stream, opened once per layer (gisdata/imports/arrow_stream.py:
columns of buffers, no Python object per value, and GDAL reads the next batch while the
last one loads), or, for what that stream does not give as the import needs it (text in
another encoding than UTF-8, coordinates with Z or M, dates and lists), with
pyogrio.raw.read's skip_features/max_features. Attributes stay in columns of one type
each; gisdata/imports/jsonb.py encodes them column by column into each feature's JSONB (a
dict and json.dumps per feature cost more than everything else together).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, time

import numpy as np
import pyogrio
from django.utils.translation import gettext as _

from gisdata.imports import arrow_stream
from gisdata.imports.encodings import gdal_encoding

EPSG = re.compile(r"^EPSG:(\d+)$")

# How an attribute column's values become JSON (gisdata/imports/jsonb.py, ENCODE): each
# column has one kind. GDAL gives integer and boolean columns that have nulls as floats
# with NaN (`float_int`, `float_bool`): an integer stays a JSON number straight from the
# float (as jsonb writes 7.0 from a float8: 7), so values at or beyond 2**63, which GDAL
# clamps to INT64_MAX and numpy then rounds up, never overflow; beyond 2**53 such a value
# is the float nearest to it. `json` values are JSON text already; `bytes` become hex.
KINDS = frozenset({"int", "float", "float_int", "float_bool", "bool", "text", "json",
                   "bytes"})
INT64 = 2**63


class ReadError(Exception):
    """The source cannot be read as asked; the message is for the planner."""


class Restart(Exception):  # noqa: N818 - a signal to start over, not an error
    """The layer's text turned out not to be in the encoding it was being read in, after
    some batches were loaded: it is read again from its first feature in the next one."""


@dataclass
class Column:
    name: str
    kind: str           # a key of KINDS
    values: list


@dataclass
class Batch:
    """Consecutive features of a layer, in columns."""
    numbers: list[int]        # each feature's number in the source, from 1
    geometries: list          # WKB bytes, or None when the feature has no geometry
    columns: list[Column]


@dataclass
class ArrayColumn:
    """An attribute column as an array; `values` gives it as a Column's values."""
    name: str
    array: arrow_stream.Array

    @property
    def kind(self) -> str:
        return self.array.kind

    @property
    def values(self) -> list:
        return _values(self.array)


@dataclass
class ColumnarBatch:
    """Consecutive features of a layer as GDAL's Arrow stream gives them: numbered from
    `first`, WKB geometries (null: none) and attributes as arrays."""
    first: int
    length: int
    geometries: arrow_stream.Array   # WKB
    columns: list[ArrayColumn]

    @property
    def numbers(self) -> range:
        return range(self.first, self.first + self.length)

    def listed(self) -> Batch:
        """The same features as a Batch of Python values (the way of the rare batch
        that PostgreSQL refuses in bulk, gisdata/imports/repair.py)."""
        return Batch(list(self.numbers), _values(self.geometries),
                     [Column(c.name, c.kind, c.values) for c in self.columns])


def _values(array: arrow_stream.Array) -> list:
    """An array's values as the Python values pyogrio.raw.read would give (text without
    NUL, which PostgreSQL cannot hold; None for null)."""
    if array.values is not None:
        values = array.values.astype(np.float64) if array.kind == "float" else array.values
        values = values.tolist()
    else:
        raw, offsets = array.data.tobytes(), array.offsets.tolist()
        values = [raw[a:b] for a, b in zip(offsets, offsets[1:], strict=False)]
        if array.kind == "text":
            values = [v.decode().replace("\x00", "") for v in values]
    if array.valid is not None:
        values = [v if ok else None for v, ok in zip(values, array.valid.tolist(),
                                                     strict=True)]
    if array.kind == "bytes":  # a geometry of no bytes is none
        values = [v or None for v in values]
    return values


@dataclass
class SourceLayer:
    name: str
    srid: int | None          # None: the source does not say, the planner must
    schema: list[dict]
    # A layer read whole (CSV) holds its features here; a vector file's layer is read in
    # batches (`stream`), so that a worker's memory does not grow with the file.
    numbers: list[int] = field(default_factory=list)
    geometries: list = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # rows refused while reading (CSV)
    crs: str | None = None    # the source's CRS as GDAL gave it, when not an EPSG code
    notes: list[str] = field(default_factory=list)  # how it was read (a guessed encoding)
    count: int = 0            # a streamed layer's features, as GDAL counts them
    stream: Callable[[int], Iterator[Batch]] | None = None

    @property
    def total(self) -> int:
        return self.count if self.stream else len(self.numbers)

    def batches(self, size: int) -> Iterator[Batch | ColumnarBatch]:
        """The features from the first, at most `size` at a time. Raises Restart when
        they must be taken again from the first (see Restart)."""
        if self.stream:
            yield from self.stream(size)
            return
        for start in range(0, len(self.numbers), size):
            end = start + size
            yield Batch(self.numbers[start:end], self.geometries[start:end],
                        [Column(c.name, c.kind, c.values[start:end]) for c in self.columns])


def srid_of(crs: str | None) -> int | None:
    """An EPSG code from pyogrio's CRS string; None when the source has no usable CRS."""
    match = EPSG.match(crs or "")
    return int(match.group(1)) if match else None


def _plain(value):
    """A JSON-friendly Python value from what numpy and GDAL give (lists included)."""
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, str) and "\x00" in value:  # jsonb refuses \u0000
        return value.replace("\x00", "")
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def column_of(name: str, declared: str, array) -> Column:
    """One attribute column, typed by what GDAL declared and what the array holds."""
    dtype = getattr(array, "dtype", np.dtype(object))
    values = array.tolist() if hasattr(array, "tolist") else list(array)
    if dtype.kind in "iu" and dtype != np.uint64:
        return Column(name, "int", values)
    if dtype.kind == "b":
        return Column(name, "bool", values)
    if dtype.kind == "f":
        if declared.startswith(("int", "uint")):
            return Column(name, "float_int", values)
        return Column(name, "float_bool" if declared == "bool" else "float", values)
    present = [v for v in values if v is not None]
    if all(isinstance(v, str) for v in present):
        if any("\x00" in v for v in present):  # PostgreSQL text cannot hold NUL
            values = [v.replace("\x00", "") if v else v for v in values]
        return Column(name, "text", values)
    if all(isinstance(v, bytes) for v in present):
        return Column(name, "bytes", values)
    if all(type(v) is int and -INT64 <= v < INT64 for v in present):
        return Column(name, "int", values)
    return Column(name, "json", [None if v is None else
                                 json.dumps(_plain(v), ensure_ascii=False, default=str)
                                 for v in values])


def _read_raw(gdal_path: str, layer: str | None, encoding: str | None, *, skip: int = 0,
              size: int | None = None):
    try:
        return pyogrio.raw.read(gdal_path, layer=layer, encoding=encoding, force_2d=True,
                                datetime_as_string=True, skip_features=skip,
                                max_features=size)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise ReadError(_("The file could not be read: %(exc)s") % {"exc": exc}) from exc


def _guesses(info: dict) -> list[tuple[str | None, str]]:
    """The encodings to try on a layer whose text is not UTF-8 and whose encoding nobody
    gave, with how the planner is told of each.

    The commonest case is a shapefile from older desktop GIS: a .dbf in Windows-1252 with
    no .cpg. UTF-8 was tried first because valid UTF-8 is almost never anything else,
    whatever a .dbf header claims. Then the code page of the .dbf's language driver id
    (byte 29), which GDAL applies itself when asked for no encoding and then reports as
    UTF-8; then Windows-1252, a superset of Latin-1's letters; then Latin-1, which reads
    any byte.
    """
    attempts = []
    if info.get("driver") == "ESRI Shapefile" and info.get("encoding") == "UTF-8":
        attempts.append((None, _("the code page its .dbf header names")))
    attempts += [("CP1252", "Windows-1252"), ("ISO-8859-1", "ISO-8859-1 (Latin-1)")]
    return attempts


# Drivers that parse the whole document again at every open, so every batch costs a
# read of the whole file: a layer of these up to WHOLE_BATCHES batches long is read in
# one (its memory is then bounded by that), a longer one in batches of its quarter.
WHOLE_DOCUMENT = frozenset({"GeoJSON", "KML", "LIBKML"})
WHOLE_BATCHES = 4


class _Legacy(Exception):  # noqa: N818 - a signal to read another way
    """The Arrow stream does not give this layer as the import needs it: read it with
    pyogrio.raw.read (raised before any batch of the layer is given)."""


# 2D WKB type codes (the first byte of a little-endian code, its rest zero): a layer
# whose first batch has any other is read by pyogrio.raw.read with force_2d.
_PLAIN_2D = np.zeros(256, bool)
_PLAIN_2D[1:8] = True


class _Stream:
    """A vector layer read a batch at a time, in one encoding until its text proves not
    to be in it."""

    def __init__(self, gdal_path: str, layer: str | None, encoding: str | None,
                 info: dict, notes: list[str], opened: _Opened | None = None):
        self.path, self.layer, self.given, self.info = gdal_path, layer, encoding, info
        self.opened = opened  # the stream read_vector opened already, if it did
        self.encoding = encoding or "UTF-8"
        self.guesses = None if encoding else _guesses(info)
        self.notes = notes
        self.count = max(int(info.get("features") or 0), 0)
        geometry = str(info.get("geometry_type") or "")
        self.arrow = not geometry.endswith((" Z", " M", " ZM"))

    def _next_encoding(self, exc: UnicodeDecodeError) -> None:
        if self.given:
            raise ReadError(_(
                "The attributes are not in %(encoding)s, the encoding given by the import or "
                "the file's .cpg: give their encoding (often CP1252 or ISO-8859-1) and "
                "import again.") % {"encoding": self.given}) from exc
        if not self.guesses:
            raise ReadError(_("The attributes could not be read in any usual encoding.")) \
                from exc
        self.encoding, label = self.guesses.pop(0)
        self.notes[:] = [_("The attributes are not UTF-8 and the file does not say their "
                           "encoding: they were read as %(label)s. If the accents look "
                           "wrong, give the encoding and import again.") % {"label": label}]

    def __call__(self, size: int) -> Iterator[Batch | ColumnarBatch]:
        if self.arrow:
            try:
                yield from self._arrow(size)
                return
            except _Legacy:
                self.arrow = False
        yield from self._legacy(size)

    def _arrow(self, size: int) -> Iterator[ColumnarBatch]:
        done = 0
        while True:
            if self.encoding != "UTF-8":
                raise _Legacy  # only UTF-8 comes through the Arrow stream
            opened, self.opened = self.opened, None
            if opened and opened.size != size:
                opened.close()
                opened = None
            try:
                with opened or _Opened(self.path, self.layer, size) as (_meta, source):
                    try:
                        stream = arrow_stream.Stream(source)
                    except arrow_stream.Unsupported as exc:
                        raise _Legacy from exc
                    geometry = [f.name for f in stream.fields if f.geometry]
                    if len(geometry) != 1:
                        raise _Legacy
                    for length, arrays in stream:
                        batch = ColumnarBatch(
                            first=done + 1, length=length,
                            geometries=arrays.pop(geometry[0]),
                            columns=[ArrayColumn(n, a) for n, a in arrays.items()])
                        for column in batch.columns:
                            if column.kind == "text":
                                column.array.data.tobytes().decode()  # UnicodeDecodeError
                        if not done and not _flat(batch.geometries):
                            raise _Legacy
                        yield batch
                        done += length
                return
            except UnicodeDecodeError as exc:
                self._next_encoding(exc)
                if done:
                    raise Restart from exc
            except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
                raise ReadError(_("The file could not be read: %(exc)s") % {"exc": exc}) \
                    from exc

    def _legacy(self, size: int) -> Iterator[Batch]:
        if self.opened:
            self.opened.close()
            self.opened = None
        if self.info.get("features") is None:  # counted from the text: GDAL's count
            self.info = _info(self.path, self.layer)
            self.count = max(int(self.info.get("features") or 0), 0)
        # Their count comes from that parse, so it is exact: no read past the last.
        whole = self.info.get("driver") in WHOLE_DOCUMENT and self.count > 0
        if whole:
            size = max(size, -(-self.count // WHOLE_BATCHES) if
                       self.count > size * WHOLE_BATCHES else self.count)
        done = 0
        while True:
            try:
                meta, _fids, geometries, arrays = _read_raw(
                    self.path, self.layer, self.encoding, skip=done, size=size)
            except UnicodeDecodeError as exc:
                self._next_encoding(exc)
                if done:
                    raise Restart from exc
                continue
            except ValueError:  # pyogrio: skip_features at or beyond the last feature
                if done:
                    return
                raise
            if len(geometries) == 0:
                return
            names = [str(n) for n in meta["fields"]]
            declared = [str(t) for t in meta["dtypes"]]
            yield Batch(numbers=list(range(done + 1, done + len(geometries) + 1)),
                        geometries=geometries.tolist(),
                        columns=[column_of(n, t, a) for n, t, a in
                                 zip(names, declared, arrays, strict=True)])
            done += len(geometries)
            if len(geometries) < size or whole and done >= self.count:
                return


def _flat(geometries: arrow_stream.Array) -> bool:
    """Whether every geometry of the array is plain 2D WKB (its type code below 8)."""
    offsets = geometries.offsets
    present = np.flatnonzero(offsets[1:] - offsets[:-1] >= 5)
    if not len(present):
        return True
    starts = offsets[present]
    data = geometries.data
    little = data[starts] == 1
    low = np.where(little, data[starts + 1], data[starts + 4])
    rest = np.where(little, data[starts + 2] | data[starts + 3] | data[starts + 4],
                    data[starts + 1] | data[starts + 2] | data[starts + 3])
    return bool(np.all(_PLAIN_2D[low] & (rest == 0)))


def _info(gdal_path: str, layer: str | None) -> dict:
    try:
        return pyogrio.read_info(gdal_path, layer=layer, force_feature_count=True)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise ReadError(_("The file could not be read: %(exc)s") % {"exc": exc}) from exc


class _Opened:
    """A layer's Arrow stream, opened (pyogrio.raw.open_arrow) until closed or left as a
    context manager: (meta, source)."""

    def __init__(self, gdal_path: str, layer: str | None, size: int):
        self.size = size
        self._stack = ExitStack()
        self.meta, self.source = self._stack.enter_context(pyogrio.raw.open_arrow(
            gdal_path, layer=layer, batch_size=size, datetime_as_string=True))

    def __enter__(self):
        return self.meta, self.source

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def close(self) -> None:
        self._stack.close()


FEATURE_TYPE = b'"Feature"'


def _features_in(path: str) -> int:
    """About how many features a GeoJSON holds, for progress: its `"Feature"` strings,
    counted a few MB at a time (far faster than GDAL parsing the file to count them).
    A property whose value is "Feature" counts too; the run's total is corrected once
    the layer is read."""
    found, tail = 0, b""
    try:
        with open(path, "rb") as source:
            while chunk := source.read(8 << 20):
                found += (tail + chunk).count(FEATURE_TYPE)
                tail = chunk[-(len(FEATURE_TYPE) - 1):]
    except OSError:
        return 0
    return found


def read_vector(gdal_path: str, *, layer: str | None, encoding: str | None,
                batch_size: int | None = None) -> SourceLayer:
    """Open one layer of a Shapefile, GeoJSON, GeoPackage or KML through pyogrio: its
    name, CRS, schema and count now, its features batch by batch as they are loaded.

    `encoding` is the planner's or the .cpg's; None means UTF-8, or a guess when the
    text is not UTF-8 (said in the layer's notes). `batch_size`, the batches' size, lets
    a GeoJSON be opened (and so parsed) once for its schema and its features.
    """
    if encoding:
        try:  # a dataset saved before names were normalised may say `latin-1`
            encoding = gdal_encoding(encoding)
        except LookupError as exc:
            raise ReadError(_("Unknown encoding %(encoding)s: give one such as UTF-8, "
                              "CP1252 or ISO-8859-1.") % {"encoding": encoding}) from exc
    opened = None
    if batch_size and encoding in (None, "UTF-8") and gdal_path.startswith("GeoJSON:/") \
            and not gdal_path.startswith("GeoJSON:/vsi"):
        # Opening a GeoJSON parses it whole: the stream opened for the schema is the one
        # that reads the features, and the count (for progress) is taken from the text.
        try:
            opened = _Opened(gdal_path, layer, batch_size)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
            raise ReadError(_("The file could not be read: %(exc)s") % {"exc": exc}) \
                from exc
        meta = opened.meta
        info = {"driver": "GeoJSON", "features": None, "crs": meta["crs"],
                "encoding": meta["encoding"], "fields": meta["fields"],
                "dtypes": meta["dtypes"], "geometry_type": meta["geometry_type"]}
    else:
        info = _info(gdal_path, layer)
    names = [str(n) for n in info["fields"]]
    declared = [str(t) for t in info["dtypes"]]
    notes: list[str] = []
    stream = _Stream(gdal_path, layer, encoding, info, notes, opened)
    if opened:
        stream.count = _features_in(gdal_path.removeprefix("GeoJSON:"))
    return SourceLayer(name=layer or "layer", srid=srid_of(info["crs"]), crs=info["crs"],
                       schema=[{"name": n, "type": t}
                               for n, t in zip(names, declared, strict=True)],
                       notes=notes, count=stream.count, stream=stream)


def source_layers(gdal_path: str) -> list[str]:
    return [str(name) for name, _ in pyogrio.list_layers(gdal_path)]
