"""The report's data files: the ranking as CSV and the proposals with their results as
GeoJSON, both written from the same `ReportData` as the PDF.

Both depend on the data alone (no time of writing in them), so two compilations of
unchanged data write the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from core import geojson
from reports.snapshot import ReportData

# A spreadsheet runs a cell that starts with one of these as a formula (`=HYPERLINK(…)`,
# `+cmd|…`, `@SUM(…)`); a leading apostrophe makes it text again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = [
    ("rank_weighted", "Rank (weighted)"), ("rank_equal", "Rank (equal weights)"),
    ("id", "Proposal id"), ("title", "Title"), ("category", "Category"),
    ("status", "Status"), ("district", "District"), ("supporters", "Votes for"),
    ("opponents", "Votes against"), ("abstentions", "Abstentions"),
    ("support_weight", "Weighted support"), ("oppose_weight", "Weighted opposition"),
    ("score_weighted", "Weighted score"), ("score_equal", "Score with equal weights"),
    ("share", "Weighted share of support"), ("comments", "Comments"),
    ("official_answer", "Official answer"),
]


def neutralise(value: str) -> str:
    """Text a spreadsheet shows as text. Only text from people goes through this: the
    numbers are Plaza's own, and a negative score must stay a number."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal | int):
        return str(value)
    return neutralise(str(value))


def ranking_csv(data: ReportData) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheets open accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([label for _, label in CSV_COLUMNS])
    for row in data.proposals:
        writer.writerow([_cell(row[key]) for key, _ in CSV_COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _number(value):
    """Decimals as JSON numbers: sums of weights with three decimals have far fewer than
    the 15 significant digits a double keeps, so the number reads back exactly."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def _feature(row: dict) -> dict:
    properties = {key: _number(row[key]) for key in (
        "id", "title", "category", "status", "official_answer", "district", "rank_weighted",
        "rank_equal", "supporters", "opponents", "abstentions", "support_weight",
        "oppose_weight", "score_weighted", "score_equal", "share", "comments")}
    properties["rank_changed"] = row["rank_weighted"] != row["rank_equal"]
    properties["roles"] = [{k: _number(v) for k, v in tally.items()} for tally in row["roles"]]
    # Which roles were merged into "Other roles", or whether no breakdown could be shown
    # (voting/groups.py): the file says so where it happens, as the PDF does.
    properties["role_groups"] = row["role_groups"]
    properties["constraint_feedback"] = row["constraint_feedback"]
    return geojson.feature(row["id"], row["geometry"], properties)


def proposals_geojson(data: ReportData, *, checksum: str) -> bytes:
    """A FeatureCollection (RFC 7946, WGS 84) of the ranked proposals, in ranking order.
    Text is kept verbatim: JSON has no formulas to neutralise."""
    collection = {
        "type": "FeatureCollection",
        "project": {"id": data.project["id"], "slug": data.project["slug"],
                    "title": data.project["title"]},
        "checksum": checksum,
        "features": [_feature(row) for row in data.proposals],
    }
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
