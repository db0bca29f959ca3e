"""Compiling a report: its three files agree with each other and with the tallies API,
unchanged data gives the same checksum, a vote cast meanwhile changes none of its
numbers, and a failure says why and leaves no file behind."""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.test import Client

from accounts.models import ClaimStatus
from reports import services
from reports.models import DecisionReport
from tests.factories import claim_make, user_make
from tests.reports.readback import (
    csv_as_pdf_rows,
    csv_ranking,
    geojson,
    geojson_as_pdf_rows,
    pdf_ranking,
    pdf_text,
)
from voting.services import vote_cast

pytestmark = pytest.mark.django_db(transaction=True)


def compiled(project, layer=None, **kwargs) -> DecisionReport:
    report = services.report_request(project=project, district_layer=layer, enqueue=False)
    services.report_compile(report_id=report.pk, **kwargs)
    report.refresh_from_db()
    assert report.status == "succeeded", report.message
    return report


def api(client: Client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def report_folder(report: DecisionReport) -> Path:
    return Path(storages["private"].path(f"reports/{report.project_id}/{report.pk}"))


def test_the_pdf_csv_and_geojson_agree_with_each_other_and_with_the_tallies_api(
        council, districts, planner):
    report = compiled(council["project"], districts)
    pdf_rows, csv_rows, geo_rows = (pdf_ranking(report), csv_as_pdf_rows(report),
                                    geojson_as_pdf_rows(report))
    assert len(pdf_rows) == 4
    assert pdf_rows == csv_rows == geo_rows

    client = Client()
    client.force_login(planner)
    ranking = api(client, f"/api/v1/projects/{council['project'].pk}/ranking/")
    expected = [{"rank_weighted": r["rank_weighted"], "rank_equal": r["rank_equal"],
                 "supporters": r["supporters"], "opponents": r["opponents"],
                 "abstentions": r["abstentions"], "score_equal": r["score_equal"],
                 "support_weight": Decimal(r["support_weight"]),
                 "oppose_weight": Decimal(r["oppose_weight"]),
                 "score_weighted": Decimal(r["score_weighted"]), "title": r["title"]}
                for r in ranking["proposals"]]
    assert [{k: v for k, v in row.items() if k not in ("share", "comments")}
            for row in csv_rows] == expected
    assert [r["title"] for r in expected] == ["Bike lane", "Fountain", "Benches",
                                              "Play street"]
    features = geojson(report)["features"]
    assert [f["id"] for f in features] == [r["id"] for r in ranking["proposals"]]
    assert [f["id"] for f in features if f["properties"]["rank_changed"]] == \
        [r["id"] for r in ranking["proposals"] if r["rank_changed"]]
    assert ranking["rank_changed_count"] == report.summary["rank_changed"]
    for feature in features:  # per proposal and per role, as the tally API says
        tally = api(client, f"/api/v1/proposals/{feature['id']}/tally/")
        roles = [{**r, "support_weight": Decimal(r["support_weight"]),
                  "oppose_weight": Decimal(r["oppose_weight"])} for r in tally["roles"]]
        assert [{**r, "support_weight": Decimal(str(r["support_weight"])),
                 "oppose_weight": Decimal(str(r["oppose_weight"]))}
                for r in feature["properties"]["roles"]] == roles
        assert Decimal(str(feature["properties"]["share"])) == Decimal(tally["share"])


def test_the_report_counts_participation_and_keeps_hidden_things_out(council, districts):
    report = compiled(council["project"], districts)
    text = pdf_text(report)
    # 3 residents, 2 business owners, 2 experts, 1 voter without a role, and the author.
    assert report.summary == {"participants": 9, "voters": 8, "proposals": 4,
                              "comments": 3, "votes": 32, "rank_changed": 2,
                              "anonymised_votes": 0}
    assert "Hidden idea" not in text and "Spam" not in text
    by_district = {f["properties"]["title"]: f["properties"]["district"]
                   for f in geojson(report)["features"]}
    assert by_district == {"Bike lane": "East", "Fountain": "East", "Benches": "West",
                           "Play street": "West"}
    section = text.split("By district", 1)[1].split("The ranking", 1)[0]
    west = next(line.split() for line in section.splitlines() if line.strip().startswith(
        "West"))
    # proposals, comments (the hidden one not), votes, voters, participants, support
    assert west[1:] == ["2", "1", "16", "8", "9", "8.5"]
    assert "This lies in the 100-year flood zone AE." in text
    assert "The water company installs it in spring." in text
    assert report.weights[-1] == {"role": None, "name": "No verified role", "weight": "0.500"}


def test_two_compilations_of_unchanged_data_give_the_same_checksum_and_numbers(
        council, districts):
    first = compiled(council["project"], districts)
    second = compiled(council["project"], districts)
    assert first.pk != second.pk and first.snapshot_at < second.snapshot_at
    assert first.checksum == second.checksum
    assert first.csv.open("rb").read() == second.csv.open("rb").read()
    assert geojson(first)["features"] == geojson(second)["features"]
    assert pdf_ranking(first) == pdf_ranking(second)


def test_a_changed_vote_changes_the_checksum(council):
    first = compiled(council["project"])
    vote_cast(user=council["voters"]["expert"][0], proposal=council["proposals"][3], value=1)
    second = compiled(council["project"])
    assert first.checksum != second.checksum
    assert csv_ranking(first) != csv_ranking(second)


def in_another_connection(fn) -> None:
    """Run fn in a thread, which has its own database connection: what it writes commits
    at once, while the report's transaction is still open."""
    def run():
        try:
            fn()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)


def test_a_vote_cast_during_compilation_changes_none_of_the_numbers(council, planner):
    project, play_street = council["project"], council["proposals"][3]
    late = user_make("late-expert")
    claim_make(late, council["roles"]["expert"], status=ClaimStatus.VERIFIED,
               decided_by=planner)
    cast = []

    def vote_meanwhile():  # once the report's snapshot is taken
        in_another_connection(lambda: cast.append(
            vote_cast(user=late, proposal=play_street, value=1)))

    report = compiled(project, after_snapshot=vote_meanwhile)
    assert cast, "the vote was not cast"
    row = next(r for r in csv_as_pdf_rows(report) if r["title"] == "Play street")
    assert (row["supporters"], row["support_weight"]) == (3, Decimal("3"))
    assert pdf_ranking(report) == csv_as_pdf_rows(report) == geojson_as_pdf_rows(report)
    assert report.summary["votes"] == 32
    # The vote was there all along for anyone who asked after it was cast.
    client = Client()
    client.force_login(planner)
    tally = api(client, f"/api/v1/proposals/{play_street.pk}/tally/")
    assert (tally["supporters"], Decimal(tally["support_weight"])) == (4, Decimal("5"))
    assert compiled(project).summary["votes"] == 33


def test_a_failed_compilation_says_why_and_leaves_no_files(council, monkeypatch):
    real = storages["private"]

    class FullDisk:
        """The private storage, with a disk that fills up at the third file."""

        def save(self, name, content):
            if name.endswith(".pdf"):
                raise OSError(28, "No space left on device")
            return real.save(name, content)

        def delete(self, name):
            return real.delete(name)

        def listdir(self, name):
            return real.listdir(name)

    monkeypatch.setattr(services, "private_storage", lambda: FullDisk())
    report = services.report_request(project=council["project"], enqueue=False)
    with pytest.raises(OSError):
        services.report_compile(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == "failed"
    assert "No space left on device" in report.message
    assert "Compile it again" in report.message
    assert (report.pdf.name, report.csv.name, report.geojson.name, report.checksum) == \
        ("", "", "", "")
    folder = report_folder(report)
    assert not folder.exists() or not [p for p in folder.rglob("*") if p.is_file()]


@pytest.mark.quality("geometry-type")
def test_a_district_layer_that_is_no_longer_made_of_polygons_fails_with_the_reason(
        council, districts):
    report = services.report_request(project=council["project"], district_layer=districts,
                                     enqueue=False)
    type(districts).objects.filter(pk=districts.pk).update(geometry_type="Point")
    assert services.report_compile(report_id=report.pk) == "failed"
    report.refresh_from_db()
    assert "districts are drawn as polygons" in report.message
    assert not report_folder(report).exists()


@pytest.mark.quality("delivered-twice")
def test_a_second_delivery_of_a_finished_report_does_nothing(council):
    report = compiled(council["project"])
    files = (report.pdf.name, report.csv.name, report.geojson.name)
    assert services.report_compile(report_id=report.pk) == "succeeded"
    report.refresh_from_db()
    assert report.attempt == 1
    assert (report.pdf.name, report.csv.name, report.geojson.name) == files


@pytest.mark.quality("delivered-twice")
def test_a_delivery_that_lost_its_report_to_a_later_one_deletes_its_files(council):
    report = services.report_request(project=council["project"], enqueue=False)

    def taken_over():
        # The broker redelivered the task meanwhile: a second attempt claimed the report.
        in_another_connection(
            lambda: DecisionReport.objects.filter(pk=report.pk).update(attempt=2))

    assert services.report_compile(report_id=report.pk, after_snapshot=taken_over) \
        == "running"
    report.refresh_from_db()
    assert report.pdf.name == ""
    assert not [p for p in report_folder(report).rglob("*") if p.is_file()]


@pytest.mark.quality("worker-killed")
def test_the_next_attempt_removes_what_a_killed_one_saved(council):
    report = services.report_request(project=council["project"], enqueue=False)
    # The worker of attempt 1 was killed after saving its PDF: the report is still
    # `running`, and the broker redelivers the task.
    DecisionReport.objects.filter(pk=report.pk).update(status="running", attempt=1)
    left = storages["private"].save(
        f"reports/{report.project_id}/{report.pk}/1/half.pdf", ContentFile(b"%PDF-1.7"))
    assert services.report_compile(report_id=report.pk) == "succeeded"
    report.refresh_from_db()
    assert report.attempt == 2
    assert not storages["private"].exists(left)
    files = sorted(p.relative_to(report_folder(report)).parts[0]
                   for p in report_folder(report).rglob("*") if p.is_file())
    assert files == ["2", "2", "2"]


def test_the_report_rolls_participation_up_by_the_municipalitys_areas(council):
    from tests.area_factories import grid_import

    grid_import(2, 1)  # District D1 the west half of the project's area, D2 the east
    report = compiled(council["project"])
    section = pdf_text(report).split("By district and neighbourhood", 1)[1].split(
        "The ranking", 1)[0]
    rows = {line.split()[0] + " " + line.split()[1]: line.split()[2:]
            for line in section.splitlines() if line.strip().startswith("District")}
    # proposals, comments, votes, participants, support: the same as "By district"'s
    # West and East from the districts layer of the same halves
    west, east = rows["District D1"], rows["District D2"]
    assert west == ["2", "1", "16", "9", "8.5"]
    for column, name in enumerate(("proposals", "comments", "votes")):
        assert int(west[column]) + int(east[column]) == report.summary[name]
