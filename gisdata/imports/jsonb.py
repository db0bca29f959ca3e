"""A feature's properties in jsonb's binary form, as jsonb_build_object would make them.

For batches of Python lists (the reader's fallback when GDAL's Arrow stream is not
available): each column's values are encoded by its kind, then one template per layer
joins them into each feature's JSON text. The batches of arrays are encoded the same way,
byte for byte, by gisdata/imports/columnar.py; the loader (gisdata/imports/load.py) COPYs
either.
"""

from __future__ import annotations

import json
import math

import orjson

from gisdata.imports.reader import Column


def _float(value) -> str:
    """A float as PostgreSQL's float8 → jsonb gives it: the shortest exact digits, no
    trailing `.0` (jsonb keeps a number's scale, and from a float8 7.0 is 7)."""
    if value is None or not math.isfinite(value):
        return "null"
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


_text = json.JSONEncoder(ensure_ascii=False).encode


def _floats(values: list) -> list[str]:
    """The column's floats as _float writes them, all at once: orjson writes each float's
    shortest exact digits (as repr does, ~10× faster: repr was a third of an import's
    Python time) and NaN and ±Infinity as null. Its text may differ from repr's (1e-05
    is 0.00001), never its number, which is what jsonb keeps."""
    try:
        text = orjson.dumps(values)
    except TypeError:  # not all floats (a reader gave another type): one at a time
        return [_float(v) for v in values]
    if not values:
        return []
    return [v[:-2] if v.endswith(".0") else v
            for v in text[1:-1].decode().split(",")]


def _float_bools(values: list) -> list[str]:
    return ["null" if v is None or v != v else ("true" if v else "false") for v in values]


def _bools(values: list) -> list[str]:
    return ["null" if v is None else ("true" if v else "false") for v in values]


def _ints(values: list) -> list[str]:
    return ["null" if v is None else str(int(v)) for v in values]


def _texts(values: list) -> list[str]:
    return ["null" if v is None else _text(v) for v in values]


def _jsons(values: list) -> list[str]:
    return ["null" if v is None else v for v in values]  # JSON text already


def _hexes(values: list) -> list[str]:
    return ["null" if v is None else '"' + bytes(v).hex() + '"' for v in values]


ENCODE = {"int": _ints, "float": _floats, "float_int": _floats,
          "float_bool": _float_bools, "bool": _bools, "text": _texts, "json": _jsons,
          "bytes": _hexes}


def properties(columns: list[Column], count: int) -> list[bytes]:
    """Each feature's properties in jsonb's binary form (version 1, then the JSON text).

    Built column by column: one template per layer, each value encoded by its column's
    kind, so Python does a few operations per value rather than a dict and json.dumps
    per feature. Keys repeated in a source keep their last value, as in jsonb.
    """
    if not columns:
        return [b"\x01{}"] * count
    keys = [_text(c.name).replace("%", "%%") for c in columns]
    template = "\x01{" + ", ".join(f"{k}: %s" for k in keys) + "}"
    encoded = [ENCODE[c.kind](c.values) for c in columns]
    return [(template % row).encode() for row in zip(*encoded, strict=True)]
