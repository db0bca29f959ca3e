"""The drawing map's config and legend: which of the city's layers give feedback on a
proposal drawn in this project, and what their rules do (proposals/draw_map.py)."""

import json

import pytest
from django.urls import reverse

from gisdata.constraints import constraint_describe
from gisdata.models import Constraint, Layer
from proposals.draw_map import draw_map_context
from proposals.views import _map_config
from tests.e2e.drawing import riverside
from tests.factories import project_make, proposal_make

pytestmark = pytest.mark.django_db


def _context(project):
    return draw_map_context(_map_config(project), project=project)


def test_a_layer_with_a_rule_carries_its_feedback_and_is_in_the_legend():
    project = riverside()
    context = _context(project)
    [layer] = context["map_config"]["layers"]
    assert layer["feedback"] == ["Proposals inside or touching it get a warning."]
    assert context["legend"] == [{"id": layer["id"], "title": "Flood zones",
                                  "feedback": layer["feedback"]}]


def test_a_layer_without_an_active_rule_here_is_on_the_map_but_not_in_the_legend():
    project = riverside()
    other = project_make("elsewhere")
    rule = Constraint.objects.get()
    rule.projects.set([other])  # a rule scoped to another project says nothing here
    context = _context(project)
    assert [layer["feedback"] for layer in context["map_config"]["layers"]] == [[]]
    assert context["legend"] == []
    rule.projects.clear()
    Constraint.objects.update(is_active=False)
    assert _context(project)["legend"] == []


@pytest.mark.parametrize(("rule", "distance", "severity", "text"), [
    ("intersects", None, "info", "Proposals inside or touching it get a note."),
    ("intersects", None, "blocking", "Proposals inside or touching it are refused."),
    ("within", 300, "warning", "Proposals within 300 m of it get a warning."),
    ("within", 50, "blocking", "Proposals within 50 m of it are refused."),
])
def test_each_rule_reads_as_one_sentence(rule, distance, severity, text):
    assert constraint_describe(Constraint(rule=rule, distance_m=distance,
                                          severity=severity, message="x")) == text


@pytest.mark.quality("stored-xss")
def test_the_propose_page_has_the_legend_with_the_layer_s_name_escaped(client, citizen):
    project = riverside()
    Layer.objects.update(title="Flood <b>zones</b>")
    client.force_login(citizen)
    html = client.get(reverse("proposals:propose", args=[project.slug])).content.decode()
    legend = html.split("data-map-legend")[1].split("</ul>")[0]
    assert "<strong>Flood &lt;b&gt;zones&lt;/b&gt;</strong> — Proposals inside or touching it " \
           "get a warning." in legend
    config = json.loads(html.split('id="map-config" type="application/json">')[1]
                        .split("</script>")[0])
    assert config["layers"][0]["feedback"] == [
        "Proposals inside or touching it get a warning."]


def test_a_project_without_such_layers_has_no_legend(client, citizen):
    project = project_make("plain")
    client.force_login(citizen)
    html = client.get(reverse("proposals:propose", args=[project.slug])).content.decode()
    assert "data-map-legend" not in html
    assert 'data-undo aria-disabled="true"' in html and "data-draw-centre" in html


def test_the_edit_page_draws_with_the_same_layers_and_legend(client, citizen):
    project = riverside()
    proposal = proposal_make(project, citizen,
                             geometry={"type": "Point", "coordinates": [2.155, 41.395]})
    client.force_login(citizen)
    html = client.get(reverse("proposals:edit", args=[proposal.pk])).content.decode()
    assert "Proposals inside or touching it get a warning." in html
    assert "plaza-draw.js" in html
