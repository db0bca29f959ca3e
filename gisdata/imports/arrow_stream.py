"""A layer's features as GDAL's Arrow stream gives them: columns of buffers, no Python
object per feature.

pyogrio.raw.open_arrow hands out GDAL's ArrowArrayStream (OGR_L_GetArrowStream) through
the Arrow C stream interface, a small ABI-stable C struct meant to be read without any
Arrow library. This module reads it with ctypes and numpy: ctypes releases the GIL
while GDAL makes the next batch, so reading overlaps the loading of the last one
(pyogrio.raw.read holds the GIL while it builds a Python object per value, and was the
longest step of an import). Each batch's buffers are copied into numpy arrays before
GDAL's memory is released, so nothing here outlives the stream it came from.

Only the column types the import encodes in bulk are read (integers, floats, booleans,
UTF-8 text, binary); `Unsupported` says when a layer has others (dates, lists, …),
which gisdata/imports/reader.py then reads the other way.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np


class Unsupported(Exception):  # noqa: N818 - a signal to read another way
    """The stream has a column type this module does not read."""


class ArrowSchema(ctypes.Structure):
    pass


ArrowSchema._fields_ = [
    ("format", ctypes.c_char_p), ("name", ctypes.c_char_p), ("metadata", ctypes.c_void_p),
    ("flags", ctypes.c_int64), ("n_children", ctypes.c_int64),
    ("children", ctypes.POINTER(ctypes.POINTER(ArrowSchema))),
    ("dictionary", ctypes.POINTER(ArrowSchema)),
    ("release", ctypes.CFUNCTYPE(None, ctypes.POINTER(ArrowSchema))),
    ("private_data", ctypes.c_void_p)]


class ArrowArray(ctypes.Structure):
    pass


ArrowArray._fields_ = [
    ("length", ctypes.c_int64), ("null_count", ctypes.c_int64), ("offset", ctypes.c_int64),
    ("n_buffers", ctypes.c_int64), ("n_children", ctypes.c_int64),
    ("buffers", ctypes.POINTER(ctypes.c_void_p)),
    ("children", ctypes.POINTER(ctypes.POINTER(ArrowArray))),
    ("dictionary", ctypes.POINTER(ArrowArray)),
    ("release", ctypes.CFUNCTYPE(None, ctypes.POINTER(ArrowArray))),
    ("private_data", ctypes.c_void_p)]


class ArrowArrayStream(ctypes.Structure):
    pass


ArrowArrayStream._fields_ = [
    ("get_schema", ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ArrowArrayStream),
                                    ctypes.POINTER(ArrowSchema))),
    ("get_next", ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ArrowArrayStream),
                                  ctypes.POINTER(ArrowArray))),
    ("get_last_error", ctypes.CFUNCTYPE(ctypes.c_char_p, ctypes.POINTER(ArrowArrayStream))),
    ("release", ctypes.CFUNCTYPE(None, ctypes.POINTER(ArrowArrayStream))),
    ("private_data", ctypes.c_void_p)]

_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype = ctypes.c_void_p
_capsule_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]

# Arrow format strings read here: {format: (numpy dtype of the values, kind)}.
FIXED = {"c": ("i1", "int"), "C": ("u1", "int"), "s": ("<i2", "int"),
         "S": ("<u2", "int"), "i": ("<i4", "int"), "I": ("<u4", "int"),
         "l": ("<i8", "int"), "L": ("<u8", "int"), "f": ("<f4", "float"),
         "g": ("<f8", "float")}
VARIABLE = {"u": ("<i4", "text"), "U": ("<i8", "text"), "z": ("<i4", "bytes"),
            "Z": ("<i8", "bytes")}


@dataclass
class Array:
    """One column of a batch. `values`: the numbers (or booleans) for fixed-width kinds;
    for text and bytes, `data` holds every value's bytes one after another and value i
    is data[offsets[i]:offsets[i + 1]]. `valid` is None when no value is null."""
    kind: str                       # int, float, bool, text, bytes
    length: int
    valid: np.ndarray | None        # bool per value
    values: np.ndarray | None = None
    offsets: np.ndarray | None = None  # int64, length + 1, from 0
    data: np.ndarray | None = None     # uint8


def _buffer(address: int | None, size: int, dtype: str) -> np.ndarray:
    if not address or size <= 0:
        return np.zeros(max(size, 0) // np.dtype(dtype).itemsize, dtype=dtype)
    raw = (ctypes.c_char * size).from_address(address)
    return np.frombuffer(raw, dtype=dtype).copy()


def _bits(address: int | None, offset: int, length: int) -> np.ndarray:
    packed = _buffer(address, (offset + length + 7) // 8, "u1")
    return np.unpackbits(packed, bitorder="little")[offset:offset + length].astype(bool)


def _array(fmt: str, array: ArrowArray, parent_offset: int, length: int) -> Array:
    offset = array.offset + parent_offset
    buffers = array.buffers
    valid = _bits(buffers[0], offset, length) if array.null_count and buffers[0] else None
    if fmt == "b":
        return Array("bool", length, valid, values=_bits(buffers[1], offset, length))
    if fmt in FIXED:
        dtype, kind = FIXED[fmt]
        size = np.dtype(dtype).itemsize
        values = _buffer(buffers[1], (offset + length) * size, dtype)[offset:]
        return Array(kind, length, valid, values=values)
    dtype, kind = VARIABLE[fmt]
    size = np.dtype(dtype).itemsize
    offsets = _buffer(buffers[1], (offset + length + 1) * size, dtype)[offset:]
    offsets = offsets.astype(np.int64)
    start, end = (int(offsets[0]), int(offsets[-1])) if length else (0, 0)
    data = _buffer(buffers[2], end, "u1")[start:end] if end > start else \
        np.zeros(0, np.uint8)
    return Array(kind, length, valid, offsets=offsets - start, data=data)


@dataclass
class Field:
    name: str
    format: str
    geometry: bool  # GDAL's geometry column, WKB (the geoarrow.wkb extension)


def _metadata(address: int | None) -> dict[bytes, bytes]:
    """The key-value pairs of a field's metadata (the C interface's own layout)."""
    if not address:
        return {}
    def take(size):
        nonlocal address
        value = ctypes.string_at(address, size)
        address += size
        return value
    pairs = {}
    for _ in range(int.from_bytes(take(4), "little", signed=True)):
        key = take(int.from_bytes(take(4), "little", signed=True))
        pairs[key] = take(int.from_bytes(take(4), "little", signed=True))
    return pairs


class Stream:
    """The batches of an object that gives the Arrow C stream interface
    (`__arrow_c_stream__`), as {column name: Array}. Raises Unsupported on a column
    type not read here, before the first batch."""

    def __init__(self, source):
        self._capsule = source.__arrow_c_stream__()  # owns the stream: released with it
        address = _capsule_pointer(self._capsule, b"arrow_array_stream")
        self._stream = ArrowArrayStream.from_address(address)
        schema = ArrowSchema()
        self._check(self._stream.get_schema(ctypes.byref(self._stream), ctypes.byref(schema)))
        try:
            if schema.format != b"+s":
                raise Unsupported(f"a stream of {schema.format!r}, not of records")
            self.fields = []
            for i in range(schema.n_children):
                child = schema.children[i].contents
                fmt = child.format.decode()
                if fmt not in FIXED and fmt not in VARIABLE and fmt != "b" \
                        or child.dictionary:
                    raise Unsupported(f"column {child.name!r} of Arrow type {fmt}")
                extension = _metadata(child.metadata).get(b"ARROW:extension:name")
                self.fields.append(Field(child.name.decode(), fmt,
                                         extension == b"geoarrow.wkb"))
        finally:
            schema.release(ctypes.byref(schema))

    def _check(self, code: int) -> None:
        if code:
            message = self._stream.get_last_error(ctypes.byref(self._stream))
            raise OSError(code, (message or b"").decode(errors="replace")
                          or "the Arrow stream failed")

    def __iter__(self) -> Iterator[tuple[int, dict[str, Array]]]:
        """(features, {name: Array}) a batch at a time."""
        while True:
            array = ArrowArray()
            # ctypes releases the GIL for the call: GDAL reads while Python loads.
            self._check(self._stream.get_next(ctypes.byref(self._stream),
                                              ctypes.byref(array)))
            if not array.release:  # the end of the stream
                return
            try:
                length = array.length
                columns = {f.name: _array(f.format, array.children[i].contents,
                                          array.offset, length)
                           for i, f in enumerate(self.fields)}
            finally:
                array.release(ctypes.byref(array))
            yield length, columns
