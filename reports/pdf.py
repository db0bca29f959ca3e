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

from reports import charts
from reports.snapshot import ReportData


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


def report_pdf(data: ReportData, *, report_id: int, checksum: str,
               on_image: Callable[[], None] = lambda: None) -> bytes:
    """Draw the maps and charts, fill the template, lay the PDF out."""
    detailed = data.proposals[: settings.REPORTS_PDF_DETAILED]
    ranked = data.proposals[: settings.REPORTS_PDF_RANKED]
    area = data.project["area"]

    def image(png: bytes) -> str:
        on_image()
        return _data_url(png)

    base = charts.basemap(area, data.districts)
    overview = image(charts.overview_map(area=area, base=base, proposals=data.proposals))
    roles_png = image(charts.roles_chart(data.votes_by_role)) if data.votes_by_role else ""
    ranking_png = image(charts.ranking_chart(data.proposals[:15])) if data.proposals else ""
    others = [(p["geometry"], p["geometry"].extent) for p in data.proposals]
    details = [{**_row(p), "map": image(charts.proposal_map(base=base, proposal=p,
                                                            others=others))}
               for p in detailed]
    html = render_to_string("reports/report.html", {
        "data": data, "report_id": report_id, "checksum": checksum,
        "project": data.project, "totals": data.totals,
        "overview_map": overview, "roles_chart": roles_png, "ranking_chart": ranking_png,
        "ranking": [_row(p) for p in ranked], "ranked_all": len(ranked) == len(data.proposals),
        "details": details, "details_all": len(detailed) == len(data.proposals),
        "changed": [_row(p) for p in data.rank_changed],
        "votes_by_role": [{**r, "support_weight_text": num(r["support_weight"]),
                           "oppose_weight_text": num(r["oppose_weight"])}
                          for r in data.votes_by_role],
        "districts": [{**d, "support_weight_text": num(d["support_weight"])}
                      for d in data.districts],
        "weights": [{**w, "weight_text": num(w["weight"])} for w in data.weights],
        "unverified_text": num(data.unverified_weight),
        "site_name": settings.SITE_NAME,
    })
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # data: URLs only: any other (http, file, …) is refused, never fetched.
    fetcher = URLFetcher(allowed_protocols=("data",), timeout=1)
    return HTML(string=html, url_fetcher=fetcher, base_url=None).write_pdf()
