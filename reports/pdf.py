"""The report for the council as a PDF: an HTML template laid out by WeasyPrint.

Why WeasyPrint: the report is a document with tables, maps and running page numbers,
which HTML and CSS Paged Media describe well and which planners can restyle by editing a
template; WeasyPrint is maintained, pure Python over Pango (no browser to run), and
writes tagged, searchable text that `pdftotext` reads back. It fetches nothing here:
every image is an inline `data:` URL and any other URL is refused, so a report builds
offline and a title cannot make the worker fetch a URL.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string

from reports import charts, overview
from reports.backdrop import Backdrop
from reports.snapshot import ReportData
from voting.groups import OTHER_ROLES

# Proposals named on the first page, with their scores.
SUMMARY_TOP = 5


def num(value) -> str:
    """A decimal as people write it: 4.5, not 4.500 nor 4.5E+1."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "") else text
    return str(value)


def percent(share) -> str:
    return "—" if share is None else f"{share * 100:.1f} %"


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _row(p: dict) -> dict:
    return {**p, "support_weight_text": num(p["support_weight"]),
            "oppose_weight_text": num(p["oppose_weight"]),
            "score_weighted_text": num(p["score_weighted"]), "share_text": percent(p["share"]),
            "moved": p["rank_equal"] - p["rank_weighted"],
            "role_rows": [{**t, "support_weight_text": num(t["support_weight"]),
                           "oppose_weight_text": num(t["oppose_weight"])}
                          for t in p["roles"]]}


def images_needed(data: ReportData) -> int:
    """How many maps and charts `report_pdf` draws (the progress bar counts them)."""
    return (1 + bool(data.votes_by_role) + bool(data.proposals)
            + min(len(data.proposals), settings.REPORTS_PDF_DETAILED))


def _summary(data: ReportData, ranking: list[dict]) -> dict:
    """The first page's figures: what the council reads if it reads one page."""
    first = {p["id"] for p in data.proposals if p["rank_weighted"] == 1}
    first_equal = {p["id"] for p in data.proposals if p["rank_equal"] == 1}
    return {
        "top": ranking[:SUMMARY_TOP],
        # Would equal weights put another proposal first?
        "first_changed": first != first_equal,
        "first_equal": [p for p in ranking if p["id"] in first_equal],
        "question": data.project["description"].strip().split("\n\n", 1)[0],
    }


def report_pdf(data: ReportData, *, report_id: int, checksum: str,
               backdrop: Backdrop | None = None,
               on_image: Callable[[], None] = lambda: None) -> bytes:
    """Draw the maps and charts, fill the template, lay the PDF out."""
    return _render(data, report_id=report_id, checksum=checksum, backdrop=backdrop,
                   on_image=on_image)[0]


def _render(data: ReportData, *, report_id: int, checksum: str, backdrop: Backdrop | None,
            on_image: Callable[[], None]) -> tuple[bytes, overview.OverviewMap]:
    # Every proposal's number on the maps: its row in the ranking table (ranks may tie,
    # numbers do not).
    numbered = [{**p, "number": n} for n, p in enumerate(data.proposals, 1)]
    detailed = numbered[: settings.REPORTS_PDF_DETAILED]
    ranked = numbered[: settings.REPORTS_PDF_RANKED]
    area = data.project["area"]

    def image(png: bytes) -> str:
        on_image()
        return _data_url(png)

    base = charts.basemap(area, data.districts)
    drawn = overview.overview_map(area=area, base=base, proposals=numbered,
                                  backdrop=backdrop,
                                  numbered=min(settings.REPORTS_MAP_NUMBERED, len(ranked)))
    overview_png = image(drawn.png)
    roles_png = image(charts.roles_chart(data.votes_by_role)) if data.votes_by_role else ""
    ranking_png = image(charts.ranking_chart(numbered[:15])) if data.proposals else ""
    others = [(p["geometry"], p["geometry"].extent) for p in data.proposals]
    details = [{**_row(p), "map": image(charts.proposal_map(base=base, proposal=p,
                                                            others=others))}
               for p in detailed]
    ranking = [_row(p) for p in ranked]
    html = render_to_string("reports/report.html", {
        "data": data, "report_id": report_id, "checksum": checksum,
        "project": data.project, "totals": data.totals,
        "summary": _summary(data, ranking),
        "overview_map": overview_png, "map_numbered": drawn.numbered,
        "roles_chart": roles_png, "ranking_chart": ranking_png,
        "ranking": ranking, "ranked_all": len(ranked) == len(data.proposals),
        "details": details, "details_all": len(detailed) == len(data.proposals),
        "changed": [_row(p) for p in numbered if p["rank_weighted"] != p["rank_equal"]],
        "votes_by_role": [{**r, "support_weight_text": num(r["support_weight"]),
                           "oppose_weight_text": num(r["oppose_weight"])}
                          for r in data.votes_by_role],
        "other_roles": OTHER_ROLES,
        "proposal_authors": [r for r in data.participants_by_role if r["proposals"]],
        # Districts without a proposal get no row, only their names in one line.
        "districts": [{**d, "support_weight_text": num(d["support_weight"])}
                      for d in data.districts if d["proposals"]],
        "districts_empty": [d["name"] for d in data.districts if not d["proposals"]],
        "areas": [{**a, "support_weight_text": num(a["support_weight"])} for a in data.areas],
        "weights": [{**w, "weight_text": num(w["weight"])} for w in data.weights],
        "unverified_text": num(data.unverified_weight),
        "site_name": settings.SITE_NAME,
    })
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # data: URLs only: any other (http, file, …) is refused, never fetched.
    fetcher = URLFetcher(allowed_protocols=("data",), timeout=1)
    return HTML(string=html, url_fetcher=fetcher, base_url=None).write_pdf(), drawn
