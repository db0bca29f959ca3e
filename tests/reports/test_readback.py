"""The PDF read back as the council reads it: its checksum is the stored one and the
GeoJSON's (and a SHA-256 of the data computed here, not by the report's own code); the
files of two compilations of unchanged data are the same byte for byte; the per-role
and method sections print the figures the votes give; the maps are in it, drawn.

Figures are worked out here from the fixture's ballots (tests/reports/conftest.py):
resident 3 voters at weight 1, business owner 2 at 1, expert 2 at 2, one voter without
a verified role at 0.5; each votes on the four public proposals as LEANINGS says."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal

import pytest
from django.contrib.gis.geos import GEOSGeometry
from PIL import Image

from reports.models import DecisionReport
from reports.snapshot import snapshot_read
from tests.reports.conftest import GROUPS, LEANINGS
from tests.reports.readback import compiled, geojson, pdf_text
from voting.services import vote_cast

pytestmark = pytest.mark.django_db(transaction=True)
WEIGHTS = {"resident": Decimal(1), "business": Decimal(1), "expert": Decimal(2),
           "nobody": Decimal("0.5")}
NAMES = {"resident": "Resident", "business": "Business Owner", "expert": "Expert",
         "nobody": "No verified role"}


def stored_bytes(field) -> bytes:
    with field.open("rb") as f:
        return f.read()


def pdf_checksum(text: str) -> str:
    """The checksum printed at the end of the method (it may wrap: hex digits are joined
    up to the page's foot)."""
    flat = " ".join(text.split(" "))
    after = re.split(r"a report compiled again from unchanged\s+data\s+has\s+the\s+same\s+one:",
                     flat, maxsplit=1)[1]
    return "".join(re.findall(r"[0-9a-f]", after.split("Data as of", 1)[0]))


def section(text: str, start: str, end: str | None) -> str:
    assert start in text, f"no section {start!r} in the PDF"
    part = text.split(start, 1)[1]
    return part.split(end, 1)[0] if end else part


def rows(part: str, names: dict[str, str]) -> dict[str, list[str]]:
    """The table rows of `part` whose first cell is one of `names`' values."""
    found = {}
    for line in part.splitlines():
        for key, name in names.items():
            match = re.match(rf"^\s*{re.escape(name)}( \(the role's default\))?\s{{2,}}", line)
            if match:
                found[key] = line[match.end():].split()
    return found


def own_checksum(data) -> str:
    """SHA-256 of the data in the canonical form docs/reports.md describes, computed
    here: every field but the time of reading and the pabulib texts, keys sorted, decimals as text,
    geometries as hex EWKB, compact separators, ASCII."""
    def canonical(value):
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, GEOSGeometry):
            return value.hexewkb.decode()
        raise TypeError(type(value))

    fields = asdict(data)
    del fields["snapshot_at"]
    del fields["pabulib"]  # the files' texts: each budget's row holds the text's SHA-256
    text = json.dumps(fields, sort_keys=True, default=canonical, ensure_ascii=True,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def test_the_pdf_and_the_geojson_print_the_stored_checksum_of_the_data(council, districts):
    report = compiled(council["project"], districts)
    assert re.fullmatch(r"[0-9a-f]{64}", report.checksum)
    assert pdf_checksum(pdf_text(report)) == report.checksum
    assert geojson(report)["checksum"] == report.checksum
    # The same data read again, hashed here: the stored checksum is of the data.
    assert own_checksum(snapshot_read(project=council["project"],
                                      district_layer=districts)) == report.checksum


def test_unchanged_data_gives_the_same_files_byte_for_byte_and_a_vote_changes_them(
        council, districts):
    first = compiled(council["project"], districts)
    second = compiled(council["project"], districts)
    for kind in ("csv", "geojson"):
        assert hashlib.sha256(stored_bytes(first.file(kind))).hexdigest() == \
            hashlib.sha256(stored_bytes(second.file(kind))).hexdigest(), kind
    assert pdf_checksum(pdf_text(first)) == pdf_checksum(pdf_text(second)) == first.checksum

    vote_cast(user=council["voters"]["expert"][0], proposal=council["proposals"][3], value=1)
    third = compiled(council["project"], districts)
    assert third.checksum != first.checksum
    assert pdf_checksum(pdf_text(third)) == geojson(third)["checksum"] == third.checksum
    assert stored_bytes(third.geojson) != stored_bytes(first.geojson)


def expected_votes_by_role() -> dict[str, list[str]]:
    """Voters, votes, for, against, abstain, weighted support, weighted opposition."""
    table = {}
    for group, leanings in LEANINGS.items():
        n, w = GROUPS[group], WEIGHTS[group]
        support, oppose = leanings.count(1) * n, leanings.count(-1) * n
        table[group] = [str(n), str(len(leanings) * n), str(support), str(oppose),
                        str(leanings.count(0) * n), _num(support * w), _num(oppose * w)]
    return table


def _num(value: Decimal) -> str:
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


def test_the_per_role_section_prints_the_roles_and_their_figures(council, districts, settings):
    settings.PLAZA_MIN_GROUP_SIZE = 1  # every group shown: the figures of each role
    text = pdf_text(compiled(council["project"], districts))
    votes = section(text, "Votes by the stakeholder role they counted with",
                    "Participants by verified role")
    assert rows(votes, NAMES) == expected_votes_by_role()
    people = section(text, "Participants by verified role", "By district")
    # participants, proposals, comments: the author (four public proposals) has no role;
    # one comment each from a resident, a business owner and an expert (the hidden
    # comment and the one on the hidden proposal do not count).
    assert rows(people, NAMES) == {"resident": ["3", "0", "1"], "business": ["2", "0", "1"],
                                   "expert": ["2", "0", "1"], "nobody": ["2", "4", "0"]}


def test_the_method_section_prints_the_weights_the_rule_and_the_data(council, districts):
    report = compiled(council["project"], districts)
    method = section(pdf_text(report), "Method", None)
    weights = section(method, "Weights", "The weight rule")
    assert rows(weights, NAMES) == {"resident": ["1"], "business": ["1"], "expert": ["2"],
                                    "nobody": ["0.5"]}
    flat = " ".join(method.split())
    assert "The vote counts with the highest of these weights, never their sum" in flat
    assert "Votes of erased accounts keep counting, anonymised (0 here)" in flat
    assert "Public proposals only" in flat
    assert "Districts: the layer “Districts” (version" in flat and "2 areas" in flat
    assert report.snapshot_at.astimezone().strftime("%Y") in flat


def pdf_images(report: DecisionReport) -> list[dict]:
    """`pdfimages -list`: one row per image with its page, size and type."""
    out = subprocess.run(["pdfimages", "-list", report.pdf.path], check=True,
                         capture_output=True, text=True).stdout.splitlines()
    header = out[0].split()
    return [dict(zip(header, line.split(), strict=False)) for line in out[2:]
            if line.split()[2] == "image"]


def page_of(report: DecisionReport, needle: str, *, after: int = 0) -> int:
    pages = pdf_text(report).split("\f")
    return next(n for n, page in enumerate(pages, 1) if n > after and needle in page)


def images_on_page(report: DecisionReport, page: int, tmp_path) -> list[Image.Image]:
    subprocess.run(["pdfimages", "-png", report.pdf.path, str(tmp_path / "img")], check=True)
    return [Image.open(io.BytesIO((tmp_path / f"img-{int(i['num']):03d}.png").read_bytes()))
            .convert("RGB") for i in pdf_images(report) if int(i["page"]) == page]


def pixels(image: Image.Image, test) -> int:
    return sum(count for count, rgb in image.getcolors(image.width * image.height)
               if test(*rgb))


def greenish(r, g, b):  # SUPPORT, #0b6e4f, also as a translucent area
    return g > r + 40 and g > b + 10


def reddish(r, g, b):  # OPPOSE, #b3261e, also as a translucent area
    return r > g + 40 and r > b + 40


def test_the_maps_and_charts_are_in_the_pdf_and_drawn(council, districts, tmp_path, settings):
    settings.PLAZA_MIN_GROUP_SIZE = 1  # a breakdown by role, so its chart
    report = compiled(council["project"], districts)
    images = pdf_images(report)
    # The overview map, the chart by role, the ranking chart, one map per proposal.
    assert len(images) == 3 + len(council["proposals"])
    assert all(int(i["width"]) >= 300 and int(i["height"]) >= 150 for i in images)
    on_pages = {int(i["page"]) for i in images}
    assert page_of(report, "Where: the project's area and its proposals") in on_pages
    for title in ("1. Bike lane", "2. Fountain", "3. Benches", "4. Play street"):
        # After the summary on page 1, which names the first proposals too.
        assert page_of(report, title, after=1) in on_pages, title

    page = page_of(report, "Where: the project's area and its proposals")
    [overview] = images_on_page(report, page, tmp_path)
    # Drawn, not blank: green proposals (more weighted support) and a red one (Play
    # street, score -1.5), over the grey districts.
    assert len(overview.getcolors(overview.width * overview.height)) > 20
    assert pixels(overview, greenish) > 50 and pixels(overview, reddish) > 50
