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
from django.utils.translation import gettext as _

from reports import charts, energy_section, overview
from reports.backdrop import Backdrop
from reports.snapshot import ReportData
from voting.budget_models import BudgetRule
from voting.budget_services import money
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


def _rule_name(rule: str) -> str:
    return {BudgetRule.GREEDY: _("Greedy"), BudgetRule.EQUAL_SHARES: _("Equal Shares")}[rule]


def budget_view(budget: dict, *, currency: str, base: charts.Basemap, area,
                image: Callable[[bytes], str]) -> dict:
    """One budget of the budgeting section: the proposals either rule funds, numbered
    by weighted score, with a mark under each rule; what equal weights change; the map."""
    official, other = budget["rules"]
    funded = {r["rule"]: set(r["weighted"]["funded"]) if r["weighted"] else set()
              for r in budget["rules"]}
    either = funded[official["rule"]] | funded[other["rule"]]
    proposals = sorted(budget["proposals"], key=lambda p: (-p["score"], p["id"]))
    rows, by_id = [], {p["id"]: p for p in proposals}
    for p in proposals:
        if p["id"] in either:
            rows.append({**p, "number": len(rows) + 1, "cost_text": money(p["cost"], currency),
                         "score_text": num(p["score"]),
                         "marks": [p["id"] in funded[r["rule"]] for r in budget["rules"]]})
    numbers = {row["id"]: row["number"] for row in rows}

    def named(ids: list[int]) -> list[dict]:
        return [{"title": by_id[pk]["title"] if pk in by_id else f"#{pk}",
                 "number": numbers.get(pk)} for pk in ids]

    rules = []
    for r in budget["rules"]:
        weighted, equal = r["weighted"], r["equal"]
        rules.append({
            "rule": r["rule"], "name": _rule_name(r["rule"]), "official": r["official"],
            "label": BudgetRule(r["rule"]).label, "computed": weighted is not None,
            "spent_text": money(weighted["spent"], currency) if weighted else "—",
            "count": len(weighted["funded"]) if weighted else 0,
            "final": bool(weighted and weighted["final"]),
            "computed_at": weighted["computed_at"] if weighted else None,
            "outcome_ballots": weighted["ballots"] if weighted else None,
            "equal_computed": equal is not None,
            "gained": named(r["gained"]), "lost": named(r["lost"])})
    extent = (budget["area"] or area).extent
    png = charts.budget_map(
        base=base, extent=extent, outline=budget["area"],
        proposals=[{**p, "number": numbers.get(p["id"])} for p in proposals],
        official=funded[official["rule"]], other=funded[other["rule"]])
    return {**budget, "amount_text": money(budget["amount"], currency),
            "total_weight_text": num(budget["total_weight"]), "rows": rows, "rules": rules,
            "options": len(proposals), "map": image(png)}


def images_needed(data: ReportData) -> int:
    """How many maps and charts `report_pdf` draws (the progress bar counts them)."""
    return (1 + bool(data.votes_by_role) + bool(data.proposals)
            + min(len(data.proposals), settings.REPORTS_PDF_DETAILED) + len(data.budgets)
            + energy_section.images_needed(data.energy))


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
    budgets = [budget_view(b, currency=b["currency"], base=base, area=area, image=image)
               for b in data.budgets]
    energy = energy_section.energy_view(data.energy, base=base, image=image, num=num) \
        if data.energy else None
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
        "budgets": budgets,
        "budget_ballots": sum(b["ballots"] for b in data.budgets),
        "energy": energy,
        "site_name": settings.SITE_NAME,
    })
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # data: URLs only: any other (http, file, …) is refused, never fetched.
    fetcher = URLFetcher(allowed_protocols=("data",), timeout=1)
    return HTML(string=html, url_fetcher=fetcher, base_url=None).write_pdf(), drawn
