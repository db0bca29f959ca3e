"""Read a report's three files back: the PDF through `pdftotext` (poppler-utils), the CSV
as a spreadsheet would, the GeoJSON as JSON. Each gives the same shape of rows, so the
tests compare them with each other and with the tallies API."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from decimal import Decimal

from reports import services
from reports.models import DecisionReport

# A row of the PDF's ranking table, as `pdftotext -layout` lays it out: the proposal's
# number (on the maps), its ranks, title and figures.
PDF_ROW = re.compile(
    r"^\s*(?P<number>\d+)\s+(?P<rank_weighted>\d+)\s+(?P<rank_equal>\d+)\s+(?P<title>\S.*?)\s{2,}"
    r"(?P<supporters>\d+)\s*/\s*(?P<opponents>\d+)\s*/\s*(?P<abstentions>\d+)\s+"
    r"(?P<support_weight>-?[\d.]+)\s+(?P<oppose_weight>-?[\d.]+)\s+"
    r"(?P<score_weighted>-?[\d.]+)\s+(?P<score_equal>-?\d+)\s+(?P<share>[\d.]+ %|—)\s+"
    r"(?P<comments>\d+)\s*$")
NUMBERS = ("rank_weighted", "rank_equal", "supporters", "opponents", "abstentions",
           "score_equal", "comments")
DECIMALS = ("support_weight", "oppose_weight", "score_weighted")


def pdf_text(report: DecisionReport) -> str:
    return subprocess.run(["pdftotext", "-layout", report.pdf.path, "-"], check=True,
                          capture_output=True, text=True).stdout


def _share_percent(share) -> str:
    """How the PDF prints a share (0.7895 → '79.0 %')."""
    return "—" if share is None else f"{Decimal(str(share)) * 100:.1f} %"


def pdf_ranking(report: DecisionReport, *, numbers: bool = False) -> list[dict]:
    """The ranking table's rows; with `numbers`, each with its number on the maps."""
    text = pdf_text(report)
    section = text.split("The ranking", 1)[1].split("The proposals", 1)[0]
    rows = []
    for line in section.splitlines():
        match = PDF_ROW.match(line)
        if match:
            row = match.groupdict()
            rows.append({**{k: int(row[k]) for k in NUMBERS},
                         **{k: Decimal(row[k]) for k in DECIMALS},
                         "title": row["title"], "share": row["share"],
                         **({"number": int(row["number"])} if numbers else {})})
    return rows


def csv_ranking(report: DecisionReport) -> list[dict]:
    text = report.csv.open("rb").read().decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    return [dict(zip(header, row, strict=True)) for row in reader]


def csv_as_pdf_rows(report: DecisionReport) -> list[dict]:
    """The CSV's rows in the PDF's terms."""
    rows = []
    for row in csv_ranking(report):
        share = row["Weighted share of support"]
        rows.append({
            "rank_weighted": int(row["Rank (weighted)"]),
            "rank_equal": int(row["Rank (equal weights)"]),
            "supporters": int(row["Votes for"]), "opponents": int(row["Votes against"]),
            "abstentions": int(row["Abstentions"]),
            "score_equal": int(row["Score with equal weights"]),
            "comments": int(row["Comments"]),
            "support_weight": Decimal(row["Weighted support"]),
            "oppose_weight": Decimal(row["Weighted opposition"]),
            "score_weighted": Decimal(row["Weighted score"]),
            "title": row["Title"], "share": _share_percent(share or None)})
    return rows


def geojson(report: DecisionReport) -> dict:
    return json.loads(report.geojson.open("rb").read())


def geojson_as_pdf_rows(report: DecisionReport) -> list[dict]:
    rows = []
    for feature in geojson(report)["features"]:
        p = feature["properties"]
        rows.append({**{k: p[k] for k in NUMBERS},
                     **{k: Decimal(str(p[k])) for k in DECIMALS},
                     "title": p["title"], "share": _share_percent(p["share"])})
    return rows


def compiled(project, layer=None) -> DecisionReport:
    """A report of `project` compiled here and now, as the worker would (it succeeded)."""
    report = services.report_request(project=project, district_layer=layer, enqueue=False)
    services.report_compile(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == "succeeded", report.message
    return report
