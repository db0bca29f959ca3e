"""The decision report of a budget vote: a budgeting section with each budget's funded
proposals under both rules, the effect of the weights and a map, read in the report's
snapshot; each budget's pabulib file among the report's files, covered by the checksum
and served as the other files are. A for/against project's report has neither."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import ClaimStatus
from reports import budgeting, services
from reports.models import DecisionReport
from tests.budget_factories import EAST_POINT, WEST_POINT, budget_project_make
from tests.factories import claim_make, role_make, user_make
from tests.reports.readback import compiled, pdf_text
from voting import pabulib
from voting.budget_models import BudgetOutcome, BudgetRule
from voting.budget_services import ballot_submit

pytestmark = pytest.mark.django_db(transaction=True)

# Residents (weight 1) pick Benches, Trees and Fountain; experts (weight 2) Trees and
# Bike racks. Weighted scores: Trees 3 + 4 = 7, Bike racks 4, Benches 3, Fountain 3;
# voters: Trees 5, Benches 3, Fountain 3, Bike racks 2.
GROUPS = {"resident": (3, ["Benches", "Trees", "Fountain"]),
          "expert": (2, ["Trees", "Bike racks"])}


@pytest.fixture
def budget_vote(db):
    # The roles first: the weights are frozen when voting opens.
    roles = {"resident": role_make("resident", "1", position=10),
             "expert": role_make("expert", "2", position=30)}
    made = budget_project_make("pb-report")
    for group, (count, picked) in GROUPS.items():
        for n in range(count):
            user = user_make(f"{group}{n}")
            claim_make(user, roles[group], status=ClaimStatus.VERIFIED,
                       decided_by=made.planner)
            ballot_submit(user=user, budget=made.budgets[None],
                          proposal_ids=[made.proposals[t].pk for t in picked])
    ids = {title: p.pk for title, p in made.proposals.items()}
    # The outcomes as the engine stores them (the report shows them, it does not compute
    # them): greedy funds Trees and Bike racks with the weights, and Trees, Benches and
    # Fountain with equal weights; Equal Shares (the official rule) Trees, Benches and
    # Fountain either way.
    outcomes = {(BudgetRule.GREEDY, False): (["Trees", "Bike racks"], 80),
                (BudgetRule.GREEDY, True): (["Trees", "Benches", "Fountain"], 100),
                (BudgetRule.EQUAL_SHARES, False): (["Trees", "Benches", "Fountain"], 100),
                (BudgetRule.EQUAL_SHARES, True): (["Trees", "Benches", "Fountain"], 100)}
    for (rule, equal), (titles, spent) in outcomes.items():
        BudgetOutcome.objects.create(
            budget=made.budgets[None], rule=rule, equal_weights=equal,
            funded=[ids[t] for t in titles], spent=spent, ballots=5,
            total_weight=Decimal(5 if equal else 7), computed_at=timezone.now())
    made.ids = ids
    return made


def section(report: DecisionReport) -> str:
    return pdf_text(report).split("The participatory budget", 1)[1].split("The ranking", 1)[0]


def test_the_report_has_a_budgeting_section_with_both_rules_and_the_weights_effect(
        budget_vote):
    report = compiled(budget_vote.project)
    text = section(report)
    assert "Budget of the whole city: 100 EUR" in text
    first_page = " ".join(pdf_text(report).split("The project", 1)[0].split())
    assert "Participatory budget: ballots: 5; budgets: 1." in first_page
    assert "Ballots: 5, with a total weight of 7. Proposals on the ballot: 4." in text
    # The funded proposals of either rule by weighted score: cost, score, voters, and
    # a mark under each rule (the official rule, Equal Shares, first).
    rows = [[m[1], m[2], *re.split(r"\s{2,}", m[3])] for m in (
        re.match(r"\s*(\d+) (\S.*?)\s{2,}(.*\S)\s*$", line) for line in text.splitlines())
        if m]
    assert rows == [["1", "Trees", "30 EUR", "7", "5", "funded", "funded"],
                    ["2", "Bike racks", "50 EUR", "4", "2", "—", "funded"],
                    ["3", "Benches", "40 EUR", "3", "3", "funded", "—"],
                    ["4", "Fountain", "30 EUR", "3", "3", "funded", "—"]]
    flat = " ".join(text.split())
    assert "Equal Shares: 3 proposals funded, 100 EUR spent (provisional" in flat
    assert "With equal weights it would fund the same proposals." in flat
    assert "Greedy: 2 proposals funded, 80 EUR spent" in flat
    assert "Funded thanks to the weights: 2. Bike racks." in flat
    assert "Would be funded with equal weights instead: Benches; Fountain." in flat
    assert "Green: funded by both rules; blue: by Equal Shares only" in flat


def test_the_budget_data_and_its_map_count_in_the_progress(budget_vote):
    report = compiled(budget_vote.project)
    # overview, ranking chart (no for/against vote: no roles chart), four proposal maps,
    # one budget map, the snapshot and the files
    assert report.progress_total == 1 + 1 + 1 + 4 + 1 + 1


def test_each_budget_has_its_pabulib_file_among_the_reports_files(budget_vote, planner):
    report = compiled(budget_vote.project)
    budget = budget_vote.budgets[None]
    [entry] = report.pabulib
    assert (entry["budget"], entry["district"]) == (budget.pk, None)
    official = budget_vote.ids
    expected = pabulib.budget_pabulib(budget, funded=[official[t] for t in (
        "Trees", "Benches", "Fountain")])
    with report.pabulib_file(budget.pk) as stored:
        content = stored.read().decode()
    assert content == expected
    assert entry["sha256"] == hashlib.sha256(content.encode()).hexdigest()
    assert entry["sha256"] in "".join(section(report).split())  # printed, maybe wrapped

    client = Client()
    url = f"/reports/{report.pk}/files/budget-{budget.pk}.pb"
    assert client.get(url).status_code == 302  # not published: log in first
    client.force_login(user_make("citizen"))
    assert client.get(url).status_code == 404  # nor shown to a citizen
    client.force_login(planner)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode() == expected
    assert response["Content-Disposition"].endswith(
        f'pb-report-report-{report.pk}-budget-{budget.pk}.pb"')
    assert client.get(f"/reports/{report.pk}/files/budget-{budget.pk + 999}.pb"
                      ).status_code == 404
    files = client.get(f"/api/v1/reports/{report.pk}/").json()["pabulib"]
    assert [(f["budget"], f["district"], f["sha256"]) for f in files] == [
        (budget.pk, None, entry["sha256"])]
    assert files[0]["url"].endswith(url)

    services.report_publish(report=report, user=planner)
    anonymous = Client()
    assert anonymous.get(url).status_code == 200
    page = anonymous.get(f"/projects/{budget_vote.project.slug}/").content.decode()
    assert url in page


def test_the_checksum_covers_the_pabulib_files(budget_vote, monkeypatch):
    first, again = compiled(budget_vote.project), compiled(budget_vote.project)
    assert first.checksum == again.checksum  # unchanged data, same sum
    real = pabulib.budget_pabulib
    monkeypatch.setattr(budgeting, "budget_pabulib",
                        lambda budget, **kw: real(budget, **kw) + "\n")
    changed = compiled(budget_vote.project)
    assert changed.checksum != first.checksum
    assert changed.pabulib[0]["sha256"] != first.pabulib[0]["sha256"]


def test_a_for_against_project_has_no_budgeting_section_nor_pabulib_file(council):
    report = compiled(council["project"])
    text = pdf_text(report)
    assert "The participatory budget" not in text and "Participatory budget" not in text
    assert report.pabulib == []


def test_a_budget_per_district_has_its_own_part_and_pabulib_file(db):
    made = budget_project_make(
        "pb-districts", city=None, districts={"D1": 60, "D2": 80},
        costs={"Benches": (40, "D1", WEST_POINT), "Trees": (30, "D2", EAST_POINT)})
    report = compiled(made.project)
    text = " ".join(section(report).split())
    d1, d2 = made.budgets["D1"], made.budgets["D2"]
    assert text.index(f"Budget of {d1.area.name}: 60 EUR") < text.index(
        f"Budget of {d2.area.name}: 80 EUR")
    assert text.count("Ballots: 0, with a total weight of 0. Proposals on the ballot: 1.") == 2
    assert text.count("Equal Shares: not computed yet.") == 2  # no outcome stored yet
    assert [(e["budget"], e["district"]) for e in report.pabulib] == [
        (d1.pk, d1.area.name), (d2.pk, d2.area.name)]
