"""Read a source layer into plain rows: (feature number, WKB or None, properties).

Vector formats are read with pyogrio, whose wheel bundles GDAL 3.12: newer than
Debian's 3.6, it refuses to follow file and network references inside spatial
references, and it reads a whole layer into arrays at C speed (docs/architecture.md,
"Imports"). CSV is read here, by Python's csv module, because real city CSVs have
decimal commas and per-row errors that GDAL's CSV driver cannot report.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

import numpy as np
import pyogrio

EPSG = re.compile(r"^EPSG:(\d+)$")


class ReadError(Exception):
    """The source cannot be read as asked; the message is for the planner."""


@dataclass
class SourceLayer:
    name: str
    srid: int | None          # None: the source does not say, the planner must
    total: int
    schema: list[dict]
    rows: Iterator[tuple[int, bytes | None, str]]
    errors: list[dict] = field(default_factory=list)  # rows refused while reading (CSV)


def srid_of(crs: str | None) -> int | None:
    """An EPSG code from pyogrio's CRS string; None when the source has no usable CRS."""
    match = EPSG.match(crs or "")
    return int(match.group(1)) if match else None


def _plain(value):
    """A JSON-friendly Python value from what numpy and GDAL give."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def read_vector(gdal_path: str, *, layer: str | None, encoding: str | None) -> SourceLayer:
    """Read one layer of a Shapefile, GeoJSON, GeoPackage or KML through pyogrio."""
    try:
        meta, _, geometries, columns = pyogrio.raw.read(
            gdal_path, layer=layer, encoding=encoding or "UTF-8", force_2d=True,
            datetime_as_string=True)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
            pyogrio.errors.FieldError, pyogrio.errors.GeometryError) as exc:
        raise ReadError(f"The file could not be read: {exc}") from exc
    names = [str(n) for n in meta["fields"]]
    schema = [{"name": n, "type": str(t)} for n, t in zip(names, meta["dtypes"], strict=True)]
    values = [column.tolist() if hasattr(column, "tolist") else list(column)
              for column in columns]

    def rows():
        for i, wkb in enumerate(geometries):
            props = {n: _plain(v[i]) for n, v in zip(names, values, strict=True)}
            yield i + 1, wkb, json.dumps(props, ensure_ascii=False, default=str)

    return SourceLayer(name=layer or str(meta.get("layer_name") or "layer"),
                       srid=srid_of(meta["crs"]), total=len(geometries), schema=schema,
                       rows=rows())


def source_layers(gdal_path: str) -> list[str]:
    return [str(name) for name, _ in pyogrio.list_layers(gdal_path)]
