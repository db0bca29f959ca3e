"""Maps and charts for the report, drawn on the server from the geometries, as PNG.

matplotlib's Agg backend through its object API (`Figure`, no pyplot): no display, no
global state shared between reports, and no tile server — a report builds offline and
looks the same wherever it is built. Maps draw longitude and latitude with the aspect
of the project's latitude, so that shapes are not stretched.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass

from django.contrib.gis.geos import GEOSGeometry
from django.utils.translation import gettext as _
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure

INK, MUTED, LINE = "#1d2733", "#5b6875", "#c9d1d9"
SUPPORT, OPPOSE, ACCENT, NEUTRAL = "#0b6e4f", "#b3261e", "#1565c0", "#8a96a3"
DPI = 150


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig)
    # No metadata: the same data draws the same bytes.
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _rings(geometry: GEOSGeometry) -> list:
    """Exterior rings of a (multi)polygon as coordinate lists. Through GeoJSON: reading
    coordinates one by one through GEOS costs seconds on a city's district outlines."""
    shape = json.loads(geometry.json)
    polygons = [shape["coordinates"]] if shape["type"] == "Polygon" else (
        shape["coordinates"] if shape["type"] == "MultiPolygon" else [])
    return [polygon[0] for polygon in polygons]


@dataclass
class Basemap:
    """The project's area and the district outlines, prepared once for all the maps of a
    report: simplified to about a thousandth of the area's size, finer than print."""

    area: list
    districts: list
    labels: list


def basemap(area: GEOSGeometry, districts: list[dict]) -> Basemap:
    minx, miny, maxx, maxy = area.extent
    tolerance = max(maxx - minx, maxy - miny) / 2000
    rings, labels = [], []
    for d in districts:
        if d.get("geometry") is None:
            continue
        rings += _rings(d["geometry"].simplify(tolerance, preserve_topology=True))
        point = d["geometry"].point_on_surface
        labels.append((d["name"], point.x, point.y))
    return Basemap(area=_rings(area.simplify(tolerance, preserve_topology=True)),
                   districts=rings, labels=labels)


def view_box(extent: tuple[float, float, float, float], *, ratio: float,
             pad: float = 0.05) -> tuple[float, float, float, float]:
    """What a map of `extent` shows (minx, miny, maxx, maxy): the extent with a margin,
    widened to the axes' width:height `ratio` so that the map fills its frame, in degrees
    scaled by the cosine of the latitude."""
    minx, miny, maxx, maxy = extent
    cy = (miny + maxy) / 2
    scale = math.cos(math.radians(cy))
    # At least ~300 m across, so a single point still shows its surroundings.
    width = max((maxx - minx) * scale, 0.003) * (1 + 2 * pad)
    height = max(maxy - miny, 0.003) * (1 + 2 * pad)
    width, height = max(width, height * ratio), max(height, width / ratio)
    cx = (minx + maxx) / 2
    return (cx - width / scale / 2, cy - height / 2, cx + width / scale / 2, cy + height / 2)


def _frame(ax, extent: tuple[float, float, float, float], *, ratio: float,
           pad: float = 0.05) -> None:
    x0, y0, x1, y1 = view_box(extent, ratio=ratio, pad=pad)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1 / math.cos(math.radians((extent[1] + extent[3]) / 2)))
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color(LINE)


def _draw(ax, geometries: list[GEOSGeometry], color: str, *, size: float = 18,
          width: float = 1.5, zorder: int = 3, alpha: float = 1.0) -> None:
    """Points, lines and polygons, each kind in one collection (fast for thousands)."""
    xs, ys, lines, polygons = [], [], [], []
    for geometry in geometries:
        kind = geometry.geom_type
        if kind == "Point":
            xs.append(geometry.x)
            ys.append(geometry.y)
        elif kind == "LineString":
            lines.append(geometry.coords)
        elif kind in ("Polygon", "MultiPolygon"):
            polygons.extend(_rings(geometry))
    if polygons:
        ax.add_collection(PolyCollection(polygons, facecolors=color, edgecolors=color,
                                         alpha=0.45 * alpha, linewidths=1, zorder=zorder))
    if lines:
        ax.add_collection(LineCollection(lines, colors=color, linewidths=width,
                                         alpha=alpha, zorder=zorder))
    if xs:
        ax.scatter(xs, ys, s=size, c=color, edgecolors="white", linewidths=0.6,
                   alpha=alpha, zorder=zorder + 1)


def _base(ax, base: Basemap, *, labels: bool) -> None:
    if base.districts:
        ax.add_collection(PolyCollection(base.districts, facecolors="#f4f6f8",
                                         edgecolors=NEUTRAL, linewidths=0.6, zorder=1))
    ax.add_collection(PolyCollection(base.area, facecolors="none", edgecolors=INK,
                                     linewidths=1.2, linestyles="--", zorder=2))
    if labels:
        xmin, xmax = ax.get_xlim()
        ymin, ymax = ax.get_ylim()
        for name, x, y in base.labels:
            if xmin < x < xmax and ymin < y < ymax:
                ax.annotate(name, (x, y), fontsize=5.5, color=MUTED, ha="center",
                            va="center", zorder=2, annotation_clip=True)


def proposal_map(*, base: Basemap, proposal: dict,
                 others: list[tuple[GEOSGeometry, tuple]]) -> bytes:
    """One proposal (blue) among the project's others (grey), zoomed on it. `others`
    pairs each geometry with its extent: only those in view are drawn (a project may
    have thousands, and each report draws dozens of these maps)."""
    fig = Figure(figsize=(2.6, 2.2))
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
    geometry = proposal["geometry"]
    _frame(ax, geometry.extent, ratio=2.6 / 2.2, pad=0.6)
    _base(ax, base, labels=True)
    (xmin, xmax), (ymin, ymax) = ax.get_xlim(), ax.get_ylim()
    _draw(ax, [g for g, (minx, miny, maxx, maxy) in others
               if g is not geometry and minx <= xmax and maxx >= xmin and miny <= ymax
               and maxy >= ymin], NEUTRAL, size=10, alpha=0.6)
    _draw(ax, [geometry], ACCENT, size=40, width=3, zorder=5)
    return _png(fig)


def _label(text: str, limit: int = 42) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def ranking_chart(proposals: list[dict]) -> bytes:
    """Weighted score beside the score with equal weights, for the first proposals."""
    rows = proposals[::-1]
    fig = Figure(figsize=(7.0, 0.32 * len(rows) + 0.9))
    ax = fig.add_axes((0.42, 0.9 / (0.32 * len(rows) + 0.9) * 0.7, 0.55,
                       1 - 0.9 / (0.32 * len(rows) + 0.9)))
    ys = range(len(rows))
    ax.barh([y + 0.2 for y in ys], [float(p["score_weighted"]) for p in rows], height=0.38,
            color=ACCENT, label=_("Weighted score"))
    ax.barh([y - 0.2 for y in ys], [p["score_equal"] for p in rows], height=0.38,
            color=NEUTRAL, label=_("Score with equal weights"))
    # The number of the ranking table and the maps (the rank, when no tie makes two).
    ax.set_yticks(list(ys), [f"{p.get('number', p['rank_weighted'])}. {_label(p['title'])}"
                             for p in rows], fontsize=7)
    ax.axvline(0, color=INK, linewidth=0.8)
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=7, loc="lower right", frameon=False)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    return _png(fig)


def roles_chart(votes_by_role: list[dict]) -> bytes:
    """Weighted support and opposition by the role the votes counted with."""
    rows = votes_by_role[::-1]
    height = 0.45 * max(len(rows), 1) + 0.9
    fig = Figure(figsize=(7.0, height))
    ax = fig.add_axes((0.3, 0.6 / height, 0.66, 1 - 0.8 / height))
    ys = range(len(rows))
    ax.barh([y + 0.2 for y in ys], [float(r["support_weight"]) for r in rows], height=0.38,
            color=SUPPORT, label=_("Weighted support"))
    ax.barh([y - 0.2 for y in ys], [float(r["oppose_weight"]) for r in rows], height=0.38,
            color=OPPOSE, label=_("Weighted opposition"))
    ax.set_yticks(list(ys), [_label(r["role"], 30) for r in rows], fontsize=7)
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=7, loc="lower right", frameon=False)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    return _png(fig)


# A budget map's colours: funded by both rules, by the official rule only, by the other.
BOTH, OFFICIAL_ONLY, OTHER_ONLY = SUPPORT, ACCENT, "#b26a00"


def budget_map(*, base: Basemap, extent: tuple[float, float, float, float],
               outline: GEOSGeometry | None, proposals: list[dict], official: set[int],
               other: set[int]) -> bytes:
    """One budget's proposals: funded by both rules (green), by the official rule only
    (blue), by the other rule only (amber), not funded (grey), each funded one with its
    number in the budget's table. `outline`: the district the budget is for."""
    fig = Figure(figsize=(7.0, 4.2))
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
    _frame(ax, extent, ratio=7.0 / 4.2)
    _base(ax, base, labels=True)
    if outline is not None:
        ax.add_collection(PolyCollection(_rings(outline), facecolors="none",
                                         edgecolors=INK, linewidths=1.6, zorder=2))
    groups = {BOTH: [], OFFICIAL_ONLY: [], OTHER_ONLY: [], NEUTRAL: []}
    for p in proposals:
        funded = (p["id"] in official, p["id"] in other)
        color = {(True, True): BOTH, (True, False): OFFICIAL_ONLY,
                 (False, True): OTHER_ONLY}.get(funded, NEUTRAL)
        groups[color].append(p["geometry"])
    _draw(ax, groups[NEUTRAL], NEUTRAL, size=10, alpha=0.6)
    for color in (BOTH, OFFICIAL_ONLY, OTHER_ONLY):
        _draw(ax, groups[color], color, size=30, width=3, zorder=5)
    for p in proposals:
        if p.get("number"):
            point = p["geometry"].point_on_surface
            ax.annotate(str(p["number"]), (point.x, point.y), xytext=(4, 4),
                        textcoords="offset points", fontsize=6.5, color=INK, zorder=7,
                        annotation_clip=True)
    return _png(fig)
