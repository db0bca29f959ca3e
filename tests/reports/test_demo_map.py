"""The demo's Sant Antoni report, compiled as `make run` compiles it: its overview map
draws the city's own layers under the proposals and numbers each proposal with its row
of the ranking table, and no two numbers overlap.

The labels are read from the drawing code itself (`overview_map` returns where it put
each one), during the real compilation. With REPORT_PAGES_DIR set, the PDF is copied
there to be looked at (`pdftoppm -png -r 110 report.pdf page`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from accounts.groups import ensure_planner_group
from demo.layers import layer_import
from demo.people import PERSONAS, persona_user, roles_ensure
from demo.sant_antoni import IDEAS, voting_project
from gisdata.models import Layer
from proposals.models import Project
from reports import overview
from tests.reports.readback import compiled, pdf_ranking, pdf_text

pytestmark = pytest.mark.django_db(transaction=True)
DEMO = Path(__file__).resolve().parents[2] / "demo" / "barcelona"


@pytest.fixture
def sant_antoni(settings):
    ensure_planner_group()
    roles = roles_ensure()
    # Barcelona's people: Cambridge's planner and the region's need the demo's cities.
    users = {p.username: persona_user(p) for p in PERSONAS
             if not (p.municipality or p.regional)}
    planner = users["planner"]
    from accounts import services as account_services

    for persona in PERSONAS:
        if persona.role_slug and persona.username in users:
            claim = account_services.role_claim_submit(
                user=users[persona.username], role=roles[persona.role_slug], evidence="Demo.")
            account_services.role_claim_verify(claim_id=claim.pk, planner=planner)
    layers = {name: layer_import(name, path, "CC BY 4.0", "Open Data BCN") for name, path in (
        ("Barcelona districts", DEMO / "districtes.zip"),
        ("Barcelona bike lanes", DEMO / "bike_lanes.geojson"))}
    voting_project(users, planner)
    return {"project": Project.objects.get(slug="sant-antoni-superblock"), "layers": layers}


@pytest.fixture
def drawn(monkeypatch):
    """Every overview map drawn while the test runs, as `overview_map` returned it."""
    maps = []
    real = overview.overview_map

    def spy(**kwargs):
        maps.append(real(**kwargs))
        return maps[-1]

    monkeypatch.setattr(overview, "overview_map", spy)
    return maps


def _apart(a, b) -> bool:
    return a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def test_the_demo_map_numbers_every_proposal_as_the_table_does_without_overlaps(
        sant_antoni, drawn):
    report = compiled(sant_antoni["project"], sant_antoni["layers"]["Barcelona districts"])
    if os.environ.get("REPORT_PAGES_DIR"):
        shutil.copy(report.pdf.path, os.path.join(os.environ["REPORT_PAGES_DIR"], "report.pdf"))
    [overview_map] = drawn
    table = {row["number"]: row["title"] for row in pdf_ranking(report, numbers=True)}
    assert sorted(table) == list(range(1, len(IDEAS) + 1))
    titles = {p.pk: p.title for p in sant_antoni["project"].proposals.all()}
    # The table wraps long titles: its first line starts the proposal's title.
    assert sorted(label.number for label in overview_map.labels) == sorted(table)
    for label in overview_map.labels:
        assert titles[label.proposal_id].startswith(table[label.number]), label.number
    boxes = [label.box for label in overview_map.labels]
    assert all(_apart(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert not any(label.overlaps for label in overview_map.labels)
    # The city's layers are under the proposals, and the caption names them.
    flat = " ".join(pdf_text(report).split())
    assert "Under them, the city's layers: Barcelona bike lanes." in flat
    assert "Each proposal carries its number in the ranking table (column No.)." in flat


def test_a_report_without_published_layers_draws_no_backdrop(sant_antoni, drawn):
    Layer.objects.update(is_published=False)
    report = compiled(sant_antoni["project"])
    flat = " ".join(pdf_text(report).split())
    assert "the city's layers" not in flat
    assert len(drawn[0].labels) == len(IDEAS)
