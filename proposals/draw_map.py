"""The drawing map of "Propose here" and of a proposal's edit page.

It is the project map's config (`views._map_config`) with, for each of the city's
layers, what its rules do to a proposal drawn on it. The page's script shows the layers
that give feedback from the start, and the legend names them with that sentence, so a
citizen sees the flood zone before drawing in it rather than finding it by trial.
"""

from __future__ import annotations

from gisdata.constraints import constraint_describe, constraints_by_layer
from proposals.models import Project


def draw_map_context(map_config: dict, *, project: Project) -> dict:
    """`map_config` and `legend` for templates/proposals/proposal_form.html."""
    rules = constraints_by_layer([layer["id"] for layer in map_config["layers"]],
                                 project_id=project.pk)
    layers = [{**layer, "feedback": [constraint_describe(c) for c in rules.get(layer["id"], [])]}
              for layer in map_config["layers"]]
    legend = [{"id": layer["id"], "title": layer["title"], "feedback": layer["feedback"]}
              for layer in layers if layer["feedback"]]
    return {"map_config": {**map_config, "layers": layers}, "legend": legend}
