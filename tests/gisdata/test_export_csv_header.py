"""A layer's CSV export: an attribute *name* from an imported file is text from outside
too, and the header row is neutralised like every cell (opendata/exports.py)."""

import csv
import io

import pytest
from django.test import Client

from gisdata.models import Layer
from tests.gisdata.test_pipeline import geojson, run_import

pytestmark = pytest.mark.django_db

HOSTILE_NAMES = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0",
                 "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1"]


@pytest.mark.quality("csv-formula")
def test_attribute_names_that_start_a_formula_are_neutralised_in_the_header():
    run = run_import(geojson([
        ({"type": "Point", "coordinates": [2.17, 41.38]},
         {"plain": "a", **{name: "=2+2" for name in HOSTILE_NAMES}}),
    ]))
    assert run.status == "succeeded", run.message
    layer = Layer.objects.get(dataset=run.dataset)
    imported = [a["name"] for a in layer.schema]
    assert set(HOSTILE_NAMES) <= set(imported)  # the import kept the names as they were
    layer.is_published = True
    layer.save()
    response = Client().get(f"/api/v1/layers/{layer.pk}/features.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header = rows[0]
    assert header[0] == "id" and header[-1] == "geometry_wkt"
    assert header[1:-1] == ["'" + n if n in HOSTILE_NAMES else n for n in imported]
    assert "plain" in header
    for name in header:  # no header cell a spreadsheet would run
        assert not name.startswith(("=", "+", "-", "@", "\t", "\r")), name
    assert all(value in ("'=2+2", "a") for value in rows[1][1:-1])  # the cells, as before
