"""Binary COPY rows built a column at a time from a batch's buffers (numpy), not a
Python object per feature.

A batch from GDAL's Arrow stream (gisdata/imports/arrow_stream.py) is a few arrays per
column. Every part of a feature's COPY row is made for all features at once as a
*segment*: one buffer, and for each row where its bytes start and how many there are
(a constant, such as a key of the properties, is one buffer that every row points
into). `concat` then lays the segments out row after row. The properties are written
as gisdata/imports/jsonb.py's `properties` writes them (the same keys, separators and
values, so jsonb stores the same document): numbers by orjson, whose shortest exact
digits are repr's, text as its UTF-8 bytes between quotes, escaped by json only in the
rare values that need it.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass

import numpy as np
import orjson

from gisdata.imports.arrow_stream import Array

_text = json.JSONEncoder(ensure_ascii=False).encode


@dataclass
class Segment:
    """Row i's bytes are data[starts[i]:starts[i] + lengths[i]]."""
    data: np.ndarray     # uint8
    starts: np.ndarray   # int64
    lengths: np.ndarray  # int64

    def take(self, rows: slice) -> Segment:
        return Segment(self.data, self.starts[rows], self.lengths[rows])


def pieces(weights: np.ndarray, max_rows: int, max_bytes: int) -> list[slice]:
    """Consecutive rows, at most `max_rows` and (but for a single row) `max_bytes` of
    `weights` each: the pieces a batch is sent in, which bound concat's indexes."""
    found, start, total = [], 0, len(weights)
    ends = np.cumsum(weights)
    while start < total:
        before = ends[start - 1] if start else 0
        fits = int(np.searchsorted(ends, before + max_bytes, side="right"))
        end = min(max(fits, start + 1), start + max_rows, total)
        found.append(slice(start, end))
        start = end
    return found


def headers(wkb: Array, rows: np.ndarray) -> tuple[list[bytes], np.ndarray]:
    """The distinct first five bytes (byte order and type) of the rows' WKB, each at
    least five bytes long, and which of them each row has."""
    heads = wkb.data[wkb.offsets[rows][:, None] + np.arange(5)]
    keys = heads.astype(np.uint64) @ (np.uint64(1) << np.arange(0, 40, 8, dtype=np.uint64))
    distinct, first, which = np.unique(keys, return_index=True, return_inverse=True)
    return [heads[i].tobytes() for i in first], which.reshape(-1)


def constant(value: bytes, rows: int) -> Segment:
    return Segment(np.frombuffer(value, np.uint8), np.zeros(rows, np.int64),
                   np.full(rows, len(value), np.int64))


def fixed(block: np.ndarray) -> Segment:
    """A segment from an array of one row of bytes per feature (rows × width)."""
    rows, width = block.shape
    return Segment(np.ascontiguousarray(block).reshape(-1),
                   np.arange(rows, dtype=np.int64) * width, np.full(rows, width, np.int64))


def concat(segments: list[Segment]) -> tuple[np.ndarray, np.ndarray]:
    """The rows, each the concatenation of its segments: (bytes, each row's end)."""
    lengths = np.stack([s.lengths for s in segments], axis=1)
    ends = np.cumsum(lengths.sum(axis=1))
    out = np.empty(int(ends[-1]) if len(ends) else 0, np.uint8)
    position = np.cumsum(lengths, axis=1) - lengths + (ends - lengths.sum(axis=1))[:, None]
    for j, segment in enumerate(segments):
        size = lengths[:, j]
        total = int(size.sum())
        if not total:
            continue
        # Byte k of the segment's total belongs to row r: its place in the output is
        # position[r] + (k - first[r]), in the data starts[r] + (k - first[r]).
        first = np.cumsum(size) - size
        step = np.arange(total, dtype=np.int64)
        out[step + np.repeat(position[:, j] - first, size)] = \
            segment.data[step + np.repeat(segment.starts - first, size)]
    return out, ends


# --- JSON values, one segment per column --------------------------------------------

def _split(text: bytes, rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """orjson's array of numbers as (bytes, start, length) of each: they hold no comma."""
    body = np.frombuffer(text, np.uint8)[1:-1]
    commas = np.flatnonzero(body == ord(","))
    starts = np.concatenate([[0], commas + 1]).astype(np.int64)
    ends = np.concatenate([commas, [len(body)]]).astype(np.int64)
    assert len(starts) == rows
    return body, starts, ends - starts


def _with_nulls(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
                valid: np.ndarray | None) -> Segment:
    if valid is None or valid.all():
        return Segment(data, starts, lengths)
    null = len(data)
    return Segment(np.concatenate([data, np.frombuffer(b"null", np.uint8)]),
                   np.where(valid, starts, null), np.where(valid, lengths, 4))


def _numbers(array: Array, rows: np.ndarray) -> Segment:
    values = array.values[rows]
    if array.kind == "float":
        # float32 as the float64 it is (as pyogrio gives it), then orjson: NaN and
        # ±Infinity become null; a trailing `.0` goes, as jsonb writes a float8's 7.0.
        values = values.astype(np.float64)
    data, starts, lengths = _split(orjson.dumps(values.tolist()), len(rows))
    if array.kind == "float":
        ends = starts + lengths
        whole = (lengths > 2) & (data[np.maximum(ends - 2, 0)] == ord(".")) & \
            (data[ends - 1] == ord("0"))
        lengths = lengths - 2 * whole
    valid = None if array.valid is None else array.valid[rows]
    return _with_nulls(data, starts, lengths, valid)


_BOOLS = np.frombuffer(b"falsetrue", np.uint8)


def _booleans(array: Array, rows: np.ndarray) -> Segment:
    values = array.values[rows]
    valid = None if array.valid is None else array.valid[rows]
    return _with_nulls(_BOOLS, np.where(values, 5, 0).astype(np.int64),
                       np.where(values, 4, 5).astype(np.int64), valid)


# Bytes that a JSON string cannot hold as they are: control characters (NUL too, which
# jsonb refuses and the reader drops), the quote and the backslash.
_ESCAPED = np.zeros(256, bool)
_ESCAPED[:0x20] = _ESCAPED[ord('"')] = _ESCAPED[ord("\\")] = True


def _strings(array: Array, rows: np.ndarray) -> Segment:
    """Each value between quotes; those that need escaping (or hold NUL) by json, as
    the text column's values are written (jsonb._texts)."""
    starts, ends = array.offsets[rows], array.offsets[rows + 1]
    sizes = ends - starts
    quote = constant(b'"', len(rows))
    # Written once with their quotes: one segment of the row costs less than three.
    data, row_ends = concat([quote, Segment(array.data, starts, sizes), quote])
    sizes = sizes + 2
    row_starts = row_ends - sizes
    marked = np.flatnonzero(_ESCAPED[array.data])
    if len(marked):
        sources = np.unique(np.searchsorted(array.offsets, marked, side="right") - 1)
        odd = np.flatnonzero(np.isin(rows, sources))
        raw = array.data.tobytes()
        extra = [_text(raw[starts[i]:ends[i]].decode().replace("\x00", "")).encode()
                 for i in odd]
        extra_sizes = np.array([len(e) for e in extra], np.int64)
        row_starts[odd] = len(data) + np.cumsum(extra_sizes) - extra_sizes
        sizes[odd] = extra_sizes
        data = np.concatenate([data, np.frombuffer(b"".join(extra), np.uint8)])
    return _with_nulls(data, row_starts, sizes,
                       None if array.valid is None else array.valid[rows])


def _hexes(array: Array, rows: np.ndarray) -> Segment:
    raw = array.data.tobytes()
    texts = [b'"' + raw[array.offsets[i]:array.offsets[i + 1]].hex().encode() + b'"'
             for i in rows]
    lengths = np.array([len(t) for t in texts], np.int64)
    starts = np.cumsum(lengths) - lengths
    valid = None if array.valid is None else array.valid[rows]
    return _with_nulls(np.frombuffer(b"".join(texts), np.uint8), starts, lengths, valid)


VALUES = {"int": _numbers, "float": _numbers, "bool": _booleans, "text": _strings,
          "bytes": _hexes}


def properties(columns: list[tuple[str, Array]], rows: np.ndarray) -> list[Segment]:
    """The segments of each row's properties in jsonb's binary form (version 1, then the
    JSON text), as jsonb.properties writes them."""
    if not columns:
        return [constant(b"\x01{}", len(rows))]
    segments = []
    for i, (name, array) in enumerate(columns):
        key = _text(name).encode()
        segments.append(constant((b"\x01{" if i == 0 else b", ") + key + b": ", len(rows)))
        segments.append(VALUES[array.kind](array, rows))
    segments.append(constant(b"}", len(rows)))
    return segments


_LENGTH = np.dtype(">i4")
_HEAD = np.dtype([("fields", ">i2"), ("layer_size", ">i4"), ("layer", ">i8"),
                  ("number_size", ">i4"), ("number", ">i4"), ("geometry_size", ">i4")])
assert _HEAD.itemsize == struct.calcsize(">hiqiii")


def copy_rows(*, layer_id: int, numbers: np.ndarray, prefix: Segment, body: Segment,
              props: list[Segment]) -> bytes:
    """Binary COPY rows (layer_id, number, geometry, properties) of the features: the
    geometry is `prefix` + `body` (EWKB), the properties the concatenation of `props`."""
    rows = len(numbers)
    head = np.zeros(rows, _HEAD)
    head["fields"], head["layer_size"], head["layer"] = 4, 8, layer_id
    head["number_size"], head["number"] = 4, numbers
    head["geometry_size"] = prefix.lengths + body.lengths
    size = np.zeros(rows, _LENGTH)
    size[:] = sum(s.lengths for s in props)
    data, _ends = concat([fixed(head.view(np.uint8).reshape(rows, -1)), prefix, body,
                          fixed(size.view(np.uint8).reshape(rows, -1)), *props])
    return data.tobytes()
