"""The energy section's map and chart (reports/energy_section.py), drawn as the report's
others are (reports/charts.py): matplotlib's Agg backend, offline, no tile server."""

from __future__ import annotations

from django.contrib.gis.geos import GEOSGeometry
from django.utils.translation import gettext as _
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from reports.charts import (
    ACCENT,
    INK,
    NEUTRAL,
    SUPPORT,
    Basemap,
    _base,
    _draw,
    _frame,
    _label,
    _png,
    _rings,
)

ROOF = "#f9a825"  # the colour of the community's options on the project's map


def roofs_map(*, base: Basemap, area: GEOSGeometry, roofs: list[GEOSGeometry]) -> bytes:
    """The pledged roofs (amber, each with a dot so that a house still shows at a
    district's scale) and the community's area (its outline: the project's area, or the
    radius around the installation), framed on the roofs: a project's area may be a
    whole city, where a street's roofs would be one dot."""
    fig = Figure(figsize=(7.0, 4.2))
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
    xs = [v for roof in roofs for v in roof.extent[::2]]
    ys = [v for roof in roofs for v in roof.extent[1::2]]
    _frame(ax, (min(xs), min(ys), max(xs), max(ys)), ratio=7.0 / 4.2, pad=0.25)
    _base(ax, base, labels=True)
    ax.add_collection(PolyCollection(_rings(area), facecolors="none", edgecolors=INK,
                                     linewidths=1.6, zorder=2))
    _draw(ax, roofs, ROOF, zorder=4)
    _draw(ax, [roof.point_on_surface for roof in roofs], ROOF, size=14, zorder=5)
    return _png(fig)


def options_chart(options: list[dict]) -> bytes:
    """Each option's self-sufficiency and self-consumption at district scale, in %."""
    rows = options[::-1]
    height = 0.45 * max(len(rows), 1) + 0.9
    fig = Figure(figsize=(7.0, height))
    ax = fig.add_axes((0.36, 0.4 / height, 0.6, 1 - 0.8 / height))
    ys = range(len(rows))
    ax.barh([y + 0.2 for y in ys], [100 * (o["district"]["self_sufficiency"] or 0)
                                    for o in rows], height=0.38, color=SUPPORT,
            label=_("Self-sufficiency (%)"))
    ax.barh([y - 0.2 for y in ys], [100 * (o["district"]["self_consumption"] or 0)
                                    for o in rows], height=0.38, color=ACCENT,
            label=_("Self-consumption (%)"))
    ax.set_yticks(list(ys), [_label(o["title"], 40) for o in rows], fontsize=7)
    ax.set_xlim(0, 100)
    ax.tick_params(axis="x", labelsize=7)
    ax.axvline(0, color=NEUTRAL, linewidth=0.8)
    ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1), ncol=2, frameon=False)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    return _png(fig)
