"""What the council reads first and what it is spared: page 1 is a one-page summary and
page 2 starts the next section; the overview map numbers the proposals with the numbers
of the ranking table; districts without a proposal get no row; role groups too small to
show are merged in the PDF and the GeoJSON (the CSV has no breakdown by role), a group
at the threshold is shown, and the totals stay exact.

The fixture (tests/reports/conftest.py) has voters by group: resident 3, business owner
2, expert 2, no verified role 1."""

from __future__ import annotations

import re

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from gisdata.models import Feature
from reports import overview
from reports.snapshot import snapshot_read
from tests.reports.readback import compiled, csv_ranking, geojson, pdf_ranking, pdf_text
from tests.reports.test_readback import own_checksum
from voting.groups import OTHER_ROLES

pytestmark = pytest.mark.django_db(transaction=True)


def pages(report) -> list[str]:
    return pdf_text(report).split("\f")


def flat(text: str) -> str:
    return " ".join(text.split())


def test_page_one_is_the_summary_and_page_two_starts_the_project(council, districts):
    report = compiled(council["project"], districts)
    first, second = pages(report)[:2]
    summary = flat(first)
    for expected in ("Decision report: Poblenou superblock", "Provisional.", "Summary",
                     "The question", "Dates", "Voting:",
                     "8 voters cast 32 votes on 4 proposals",
                     "No. Top proposals Weighted score Rank with equal weights",
                     "1 Bike lane 5.5 1", "2 Fountain 3 3", "3 Benches 1.5 1",
                     "4 Play street -1.5 4", report.checksum):
        assert expected in summary, expected
    # Equal weights: Bike lane and Benches would share the first place.
    assert ("With equal weights 2 proposals would rank differently, and first place "
            "would go to: 1. Bike lane; 3. Benches.") in summary
    assert "The project" not in summary and "The ranking" not in summary
    # Page 2 starts with the next section, under the running header.
    lines = [line.strip() for line in second.splitlines() if line.strip()]
    assert lines[0].startswith("Decision report") and lines[1] == "The project"


def test_the_overview_map_numbers_the_proposals_as_the_ranking_table_rows(
        council, districts, monkeypatch):
    drawn = []
    real = overview.overview_map
    monkeypatch.setattr(overview, "overview_map",
                        lambda **kw: drawn.append(real(**kw)) or drawn[-1])
    report = compiled(council["project"], districts)
    table = {row["number"]: row["title"] for row in pdf_ranking(report, numbers=True)}
    titles = {p.pk: p.title for p in council["proposals"]}
    [labels] = [d.labels for d in drawn]
    assert {label.number: titles[label.proposal_id] for label in labels} == table == {
        1: "Bike lane", 2: "Fountain", 3: "Benches", 4: "Play street"}
    boxes = [label.box for label in labels]
    assert not any(label.overlaps for label in labels)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    assert "Each proposal carries its number in the ranking table (column No.)." in flat(
        pdf_text(report))


@pytest.mark.quality("crowded-map")
def test_past_the_numbered_proposals_the_map_draws_dots_and_says_so(
        council, districts, monkeypatch, settings):
    settings.REPORTS_MAP_NUMBERED = 2
    drawn = []
    real = overview.overview_map
    monkeypatch.setattr(overview, "overview_map",
                        lambda **kw: drawn.append(real(**kw)) or drawn[-1])
    report = compiled(council["project"], districts)
    assert [label.number for label in drawn[0].labels] == [1, 2]
    text = flat(pdf_text(report))
    assert ("The first 2 proposals of the ranking carry their number in the ranking table "
            "(column No.); the others are the small dots.") in text
    assert "Each proposal carries its number" not in text


def test_districts_without_a_proposal_get_no_row_only_a_line(council, districts):
    Feature.objects.create(layer=districts, properties={"CODE": "03", "NOM": "Harbour"},
                           geometry=MultiPolygon(Polygon.from_bbox(
                               (2.20, 41.35, 2.22, 41.36)), srid=4326))
    text = pdf_text(compiled(council["project"], districts))
    table = text.split("By district (Districts)", 1)[1].split("The ranking", 1)[0]
    rows = [line.split()[0] for line in table.splitlines()
            if re.match(r"^\s*\w+\s+\d+\s+\d+", line)]
    assert rows == ["West", "East"]
    assert "No proposal in 1 district: Harbour." in flat(table)


def votes_by_role(text: str) -> dict[str, list[str]]:
    part = text.split("Votes by the stakeholder role they counted with", 1)[1].split(
        "Participants by verified role", 1)[0]
    found = {}
    for line in part.splitlines():
        match = re.match(r"^\s*(\D+?)\s{2,}(\d.*)$", line)
        if match:
            found[match.group(1)] = match.group(2).split()
    return found


@pytest.mark.quality("small-role-groups")
def test_small_role_groups_are_merged_in_the_pdf_and_the_geojson(council, districts,
                                                                 settings):
    settings.PLAZA_MIN_GROUP_SIZE = 3
    report = compiled(council["project"], districts)
    text = pdf_text(report)
    # Resident (3 voters, the threshold) stays; business 2, expert 2 and no role 1 merge.
    assert votes_by_role(text) == {
        "Resident": ["3", "12", "9", "3", "0", "9", "3"],
        "Other roles": ["5", "20", "10", "7", "3", "13", "10.5"]}
    merged = flat(text)
    assert ("Roles with fewer than 3 voters are merged into “Other roles” so that no one's "
            "ballot can be inferred") in merged
    assert "Merged here: Business Owner, Expert, No verified role." in merged
    assert "Other roles: Business Owner, Expert, No verified role" in merged
    for feature in geojson(report)["features"]:
        props = feature["properties"]
        assert [r["role"] for r in props["roles"]] == ["Resident", OTHER_ROLES]
        assert props["role_groups"]["merged"] == ["Business Owner", "Expert",
                                                  "No verified role"]
        # The totals count every vote.
        assert sum(r["voters"] for r in props["roles"]) == 8
    # The CSV carries no breakdown by role: no role's name is in it.
    assert not any(name in str(csv_ranking(report)) for name in ("Expert", "Resident"))
    assert report.summary["voters"] == 8 and report.summary["votes"] == 32


@pytest.mark.quality("small-role-groups")
def test_with_every_group_too_small_no_breakdown_is_printed_but_the_totals_are(council):
    # The default threshold, 5: no group of the fixture reaches it, nor all but one.
    report = compiled(council["project"])
    text = flat(pdf_text(report))
    assert "Too few voters in each role to show them by role." in text
    assert "to show its votes by role without revealing someone's ballot" in text
    assert votes_by_role(pdf_text(report)) == {}
    assert "8 voters cast 32 votes on 4 proposals" in text
    assert all(f["properties"]["roles"] == [] and f["properties"]["role_groups"]["withheld"]
               for f in geojson(report)["features"])


@pytest.mark.quality("small-role-groups")
def test_the_checksum_is_of_the_merged_figures_the_report_shows(council, settings):
    settings.PLAZA_MIN_GROUP_SIZE = 3
    report = compiled(council["project"])
    data = snapshot_read(project=council["project"], district_layer=None)
    assert own_checksum(data) == report.checksum == geojson(report)["checksum"]
    # No group below the threshold is in the data the checksum is of.
    shown = {r["role"] for p in data.proposals for r in p["roles"]} | {
        r["role"] for r in data.votes_by_role}
    assert shown == {"Resident", OTHER_ROLES}


@pytest.mark.quality("crowded-map")
def test_labels_of_proposals_close_together_are_spread_so_that_none_overlap():
    # Six proposals within a few pixels of each other, as a street corner with several
    # ideas draws them: each number still gets a place of its own.
    anchors = [(n, n, 400 + 3 * n, 300 + 2 * n) for n in range(1, 7)]
    placed = overview.place_labels(anchors=anchors, frame=(0, 0, 1000, 700))
    boxes = [spot["box"] for spot in placed]
    assert [spot["number"] for spot in placed] == [1, 2, 3, 4, 5, 6]
    assert not any(spot["overlaps"] for spot in placed)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
