"""The report's overview map: the project's area over the city's own layers, with every
proposal, numbered as the ranking table numbers them, so that the council can match
each shape on the map to a row of the table.

The first `REPORTS_MAP_NUMBERED` proposals of the ranking carry their number in a small
label beside them, with a leader line when the label had to move away; the others are
small dots (the caption says so). Labels are placed greedily in ranking order, in the
image's own pixels: each takes the first of a ring of places around its proposal that
stays inside the map and overlaps no label placed before it, no district name and no
other numbered proposal's mark. `place_labels` returns where each went, so that the tests
check the numbers against the table and that no two labels overlap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.contrib.gis.geos import GEOSGeometry
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure

from reports.backdrop import Backdrop
from reports.charts import (
    DPI,
    INK,
    NEUTRAL,
    OPPOSE,
    SUPPORT,
    Basemap,
    _base,
    _draw,
    _frame,
    _png,
    view_box,
)

WIDTH, HEIGHT = 7.0, 5.0
FONT = 7.5  # points: the numbers' size
DISTRICT_FONT = 5.5  # the district names' size (reports/charts.py `_base`)
# Shades for the city's layers, light enough to stay behind the proposals.
AREA_SHADES = ("#9aa8b6", "#b59a7a", "#8fb09a", "#a99ab6")
LINE_SHADE = "#aab4bf"
# Places tried around a proposal: 8 directions at growing distances (label heights).
DIRECTIONS = [(math.cos(math.radians(a)), math.sin(math.radians(a)))
              for a in (45, 135, 315, 225, 90, 270, 0, 180)]
DISTANCES = (1.0, 1.7, 2.6, 3.8, 5.2)


@dataclass
class Label:
    """A number on the map: the proposal it names, its anchor on the proposal and the
    label's centre (longitude, latitude), and the label's box in the image's pixels."""

    number: int
    proposal_id: int
    anchor: tuple[float, float]
    at: tuple[float, float]
    box: tuple[float, float, float, float]
    overlaps: bool = False


@dataclass
class OverviewMap:
    png: bytes
    labels: list[Label]
    numbered: int  # proposals with a number (the rest are dots)


def overview_box(area: GEOSGeometry) -> tuple[float, float, float, float]:
    """What the overview map shows: the box the city's layers are read for."""
    return view_box(area.extent, ratio=WIDTH / HEIGHT, pad=0.02)


def _color(proposal: dict) -> str:
    score = proposal["score_weighted"]
    return SUPPORT if score > 0 else OPPOSE if score < 0 else NEUTRAL


def _anchor(geometry: GEOSGeometry) -> tuple[float, float]:
    """A point on the proposal: the point itself, a point of a line or inside an area."""
    point = geometry.point_on_surface
    return point.x, point.y


def _overlap(a, b, margin: float = 1.0) -> float:
    """Area shared by two boxes (x0, y0, x1, y1), each grown by `margin` pixels."""
    w = min(a[2], b[2]) - max(a[0], b[0]) + 2 * margin
    h = min(a[3], b[3]) - max(a[1], b[1]) + 2 * margin
    return w * h if w > 0 and h > 0 else 0.0


def _text_size(text: str, points: float) -> tuple[float, float]:
    """The pixel size of a label of `text` in DejaVu Sans (digits are 0.64 em wide)
    with its box's padding."""
    px = points * DPI / 72
    return (0.64 * len(text) + 0.9) * px, 1.5 * px


def place_labels(*, anchors: list[tuple[int, int, float, float]], frame,
                 obstacles: list[tuple[float, float, float, float]] = ()) -> list[dict]:
    """Place a label for each (number, proposal id, x, y) pixel anchor, in order, so
    that no two overlap; `frame` is the map's pixel box, `obstacles` boxes to keep clear
    (district names). Returns each label's number, proposal, centre and box in pixels,
    and whether it could only be placed over something (a very crowded map)."""
    placed: list[tuple[float, float, float, float]] = []
    marks = [(x - 4, y - 4, x + 4, y + 4) for _, _, x, y in anchors]
    result = []
    for index, (number, proposal_id, x, y) in enumerate(anchors):
        w, h = _text_size(str(number), FONT)
        best, best_cost = None, None
        for distance in DISTANCES:
            for dx, dy in DIRECTIONS:
                cx, cy = x + dx * distance * h, y + dy * distance * h
                box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
                if box[0] < frame[0] or box[1] < frame[1] or box[2] > frame[2] \
                        or box[3] > frame[3]:
                    continue
                cost = (sum(_overlap(box, other) for other in placed) * 100
                        + sum(_overlap(box, other) for other in obstacles) * 10
                        + sum(_overlap(box, mark, 0) for i, mark in enumerate(marks)
                              if i != index))
                if best_cost is None or cost < best_cost:
                    best, best_cost = (cx, cy, box), cost
                if cost == 0:
                    break
            if best_cost == 0:
                break
        if best is None:  # the anchor sits on the frame's edge: the label goes on it
            best, best_cost = (x, y, (x - w / 2, y - h / 2, x + w / 2, y + h / 2)), 1.0
        cx, cy, box = best
        placed.append(box)
        result.append({"number": number, "proposal_id": proposal_id, "at": (cx, cy),
                       "box": box, "overlaps": bool(best_cost)})
    return result


def _backdrop(ax, backdrop: Backdrop | None) -> None:
    if backdrop is None:
        return
    shades = iter(AREA_SHADES)
    for layer in backdrop.layers:
        parts = backdrop.shapes.get(layer["id"], [])
        if not parts:
            continue
        if layer["kind"] == "areas":
            shade = layer.get("color") or next(shades, AREA_SHADES[0])
            ax.add_collection(PolyCollection(parts, facecolors=shade, edgecolors=shade,
                                             alpha=0.18, linewidths=0.5, zorder=1.2))
        else:
            ax.add_collection(LineCollection(parts, colors=layer.get("color") or LINE_SHADE,
                                             alpha=0.8, linewidths=0.5, zorder=1.4))


def _district_boxes(ax, base: Basemap) -> list[tuple[float, float, float, float]]:
    boxes = []
    for name, x, y in base.labels:
        px, py = ax.transData.transform((x, y))
        w, h = _text_size(name, DISTRICT_FONT)
        w *= 0.9  # names are letters, a little narrower than digits
        boxes.append((px - w / 2, py - h / 2, px + w / 2, py + h / 2))
    return boxes


def overview_map(*, area: GEOSGeometry, base: Basemap, proposals: list[dict],
                 backdrop: Backdrop | None = None, numbered: int = 30) -> OverviewMap:
    """The area over the city's layers and the districts, every proposal in its colour
    (green: more weighted support than opposition, red: less, grey: neither), the first
    `numbered` of the ranking with their numbers (`proposals` is in ranking order, the
    table's order), the rest as small dots."""
    fig = Figure(figsize=(WIDTH, HEIGHT))
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
    _frame(ax, area.extent, ratio=WIDTH / HEIGHT, pad=0.02)
    _backdrop(ax, backdrop)
    _base(ax, base, labels=True)
    top, rest = proposals[:numbered], proposals[numbered:]
    for color in (SUPPORT, OPPOSE, NEUTRAL):
        _draw(ax, [p["geometry"] for p in top if _color(p) == color], color, size=14)
        dots = [_anchor(p["geometry"]) for p in rest if _color(p) == color]
        if dots:
            ax.scatter([x for x, _ in dots], [y for _, y in dots], s=3, c=color,
                       linewidths=0, zorder=3)
    ax.apply_aspect()  # the axes' final box: pixels are measured in it
    to_pixels = ax.transData.transform
    bbox = ax.get_window_extent()
    frame = (bbox.x0 + 2, bbox.y0 + 2, bbox.x1 - 2, bbox.y1 - 2)
    anchors = []
    for number, p in enumerate(top, 1):
        x, y = to_pixels(_anchor(p["geometry"]))
        if frame[0] <= x <= frame[2] and frame[1] <= y <= frame[3]:
            anchors.append((number, p["id"], x, y))
    placed = place_labels(anchors=anchors, frame=frame,
                          obstacles=_district_boxes(ax, base))
    to_data = ax.transData.inverted().transform
    labels = []
    colors = {p["id"]: _color(p) for p in top}
    for (number, proposal_id, x, y), spot in zip(anchors, placed, strict=True):
        anchor, at = tuple(to_data((x, y))), tuple(to_data(spot["at"]))
        ax.plot([anchor[0], at[0]], [anchor[1], at[1]], color=INK, linewidth=0.4,
                zorder=6)
        ax.text(at[0], at[1], str(number), fontsize=FONT, color=INK, ha="center",
                va="center", zorder=7, fontweight="bold",
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "white",
                      "edgecolor": colors[proposal_id], "linewidth": 0.8})
        labels.append(Label(number=number, proposal_id=proposal_id, anchor=anchor, at=at,
                            box=spot["box"], overlaps=spot["overlaps"]))
    return OverviewMap(png=_png(fig), labels=labels, numbered=len(top))

