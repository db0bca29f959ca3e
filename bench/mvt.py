"""A small reader of Mapbox vector tiles (protobuf), enough to compare the tiles of
Plaza, the textbook query and tipg: the features of each layer with their id, geometry
type and attributes. The tests of tiles read them with it too."""

from __future__ import annotations

import struct


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, i


def _fields(buf: bytes):
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 2:
            size, i = _varint(buf, i)
            value, i = buf[i:i + size], i + size
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {wire}")
        yield field, wire, value


def _packed(buf: bytes) -> list[int]:
    out, i = [], 0
    while i < len(buf):
        v, i = _varint(buf, i)
        out.append(v)
    return out


def _value(buf: bytes):
    for field, _wire, v in _fields(buf):
        if field == 1:
            return v.decode()
        if field == 2:
            return struct.unpack("<f", v)[0]
        if field == 3:
            return struct.unpack("<d", v)[0]
        if field == 4:  # int64, two's complement
            return v - (1 << 64) if v >= 1 << 63 else v
        if field == 5:
            return v
        if field == 6:
            return (v >> 1) ^ -(v & 1)
        if field == 7:
            return bool(v)
    return None


def mvt_decode(data: bytes) -> dict[str, list[dict]]:
    """{layer name: [{id, type, properties}]} of a Mapbox vector tile."""
    layers = {}
    for field, _w, layer_buf in _fields(data):
        if field != 3:
            continue
        name, keys, values, raw = "", [], [], []
        for f, _w2, v in _fields(layer_buf):
            if f == 1:
                name = v.decode()
            elif f == 2:
                raw.append(v)
            elif f == 3:
                keys.append(v.decode())
            elif f == 4:
                values.append(_value(v))
        features = []
        for fbuf in raw:
            feature = {"id": None, "type": None, "properties": {}}
            for f, _w3, v in _fields(fbuf):
                if f == 1:
                    feature["id"] = v
                elif f == 2:
                    tags = _packed(v)
                    feature["properties"] = {keys[tags[k]]: values[tags[k + 1]]
                                             for k in range(0, len(tags), 2)}
                elif f == 3:
                    feature["type"] = v
            features.append(feature)
        layers[name] = features
    return layers
