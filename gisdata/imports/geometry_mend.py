"""Mend the WKB that PostGIS refuses to read, feature by feature.

PostGIS's WKB parser refuses a whole statement for one polygon ring of fewer than four
points, an unclosed ring or a one-point line ("Polygon must have at least four points in
each ring"), and PROJ refuses a NaN coordinate. Real files hold all of these: OpenStreetMap
extracts with degenerate building rings, exports that wrote NaN for a missing vertex.
The pipeline parses in bulk and only when that fails looks for the features at fault
(gisdata/imports/repair.py says why); each of those is handed to :func:`mend`, a plain walk
over its WKB that:

- drops vertices whose coordinates are not finite numbers (NaN, ±Infinity);
- closes an unclosed ring (as GDAL and QGIS do when they write one);
- drops a ring left with fewer than four points, and a polygon whose outer ring went;
- drops a line left with fewer than two points;
- drops the parts of a multi-geometry or collection that nothing was left of.

What is left is ordinary geometry that `ST_MakeValid` then repairs like any other
invalid one. Only the few features PostGIS refused go through this Python walk, so the
bulk path stays at C speed.
"""

from __future__ import annotations

import math
import struct

POINT, LINESTRING, POLYGON = 1, 2, 3
MULTI = {4: POINT, 5: LINESTRING, 6: POLYGON}
COLLECTION = 7
MAX_DEPTH = 32  # collections nest; a hostile file must not exhaust the stack


class Unreadable(ValueError):
    """The bytes are not WKB at all (truncated, an unknown type): nothing to mend."""


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise Unreadable("the geometry's bytes end too early")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def header(self) -> tuple[str, int, int]:
        (order,) = self.take("B")
        if order not in (0, 1):
            raise Unreadable("not WKB (byte order)")
        endian = "<" if order == 1 else ">"
        (code,) = self.take(endian + "I")
        # EWKB flags (Z 0x80000000, M 0x40000000, SRID 0x20000000) and ISO offsets
        # (1000 Z, 2000 M, 3000 ZM) give the number of ordinates per point.
        dims = 2 + bool(code & 0x80000000) + bool(code & 0x40000000)
        if code & 0x20000000:
            self.take(endian + "I")  # the SRID: the layer's own is used
        base = code & 0x0FFFFFFF
        dims += {0: 0, 1: 1, 2: 1, 3: 2}.get(base // 1000, 0)
        return endian, base % 1000, dims

    def count(self, endian: str, each: int) -> int:
        """A count of items of at least `each` bytes, checked against the bytes left
        (a hostile count must not make a huge list)."""
        (count,) = self.take(endian + "I")
        if count * each > len(self.data) - self.pos:
            raise Unreadable("the geometry's bytes end too early")
        return count

    def points(self, endian: str, dims: int) -> list[tuple[float, float]]:
        count = self.count(endian, dims * 8)
        flat = self.take(endian + "d" * (count * dims))
        return [(flat[i], flat[i + 1]) for i in range(0, len(flat), dims)]


def _finite(points):
    return [p for p in points if math.isfinite(p[0]) and math.isfinite(p[1])]


def _ring(points: list) -> list | None:
    points = _finite(points)
    if points and points[0] != points[-1]:
        points.append(points[0])
    return points if len(points) >= 4 else None


def _parse(reader: _Reader, depth: int = 0):
    """(type, body) with the mending applied; body None when nothing is left."""
    if depth > MAX_DEPTH:
        raise Unreadable("collections nested too deep")
    endian, kind, dims = reader.header()
    if kind == POINT:
        x, y = reader.take(endian + "d" * dims)[:2]
        return POINT, (x, y) if math.isfinite(x) and math.isfinite(y) else None
    if kind == LINESTRING:
        points = _finite(reader.points(endian, dims))
        return LINESTRING, points if len(points) >= 2 else None
    if kind == POLYGON:
        count = reader.count(endian, 4)
        rings = [_ring(reader.points(endian, dims)) for _ in range(count)]
        if not rings or rings[0] is None:
            return POLYGON, None
        return POLYGON, [r for r in rings if r is not None]
    if kind in MULTI or kind == COLLECTION:
        count = reader.count(endian, 5)
        parts = [_parse(reader, depth + 1) for _ in range(count)]
        kept = [p for p in parts if p[1] is not None]
        return kind, kept or None
    raise Unreadable(f"geometry type {kind} is not one Plaza reads")


def _write(kind: int, body) -> bytes:
    head = struct.pack("<BI", 1, kind)
    if kind == POINT:
        return head + struct.pack("<dd", *body)
    if kind == LINESTRING:
        return head + _points(body)
    if kind == POLYGON:
        return head + struct.pack("<I", len(body)) + b"".join(_points(r) for r in body)
    return head + struct.pack("<I", len(body)) + b"".join(_write(k, b) for k, b in body)


def _points(points) -> bytes:
    return struct.pack("<I", len(points)) + struct.pack(
        f"<{2 * len(points)}d", *(c for p in points for c in p))


def mend(wkb: bytes) -> bytes | None:
    """The WKB with what PostGIS cannot read taken out; None when nothing is left.

    Raises :class:`Unreadable` when the bytes are not WKB at all.
    """
    reader = _Reader(bytes(wkb))
    kind, body = _parse(reader)
    return None if body is None else _write(kind, body)


def bounds(geometries, limit: int = 10_000) -> tuple[float, float, float, float] | None:
    """The extent of the finite coordinates of the first `limit` readable geometries.

    For messages only (what the coordinates look like), so bounded and forgiving.
    """
    xs, ys = [], []
    for wkb in geometries[:limit]:
        if not wkb:
            continue
        try:
            kind, body = _parse(_Reader(bytes(wkb)))
        except Unreadable:
            continue
        for x, y in _coordinates(kind, body):
            xs.append(x)
            ys.append(y)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def _coordinates(kind: int, body):
    if body is None:
        return
    if kind == POINT:
        yield body
    elif kind == LINESTRING:
        yield from body
    elif kind == POLYGON:
        for ring in body:
            yield from ring
    else:
        for part_kind, part in body:
            yield from _coordinates(part_kind, part)
