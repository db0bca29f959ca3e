"""The budget page's outcomes: the stored ones with their status (computed when, final or
provisional), and the planners' "Compute the outcomes now"."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEntry
from tests.budget_factories import budget_project_make
from voting.budget_models import BudgetOutcome, BudgetRule

pytestmark = pytest.mark.django_db


def _outcome(budget, rule, *, final, equal_weights=False, funded=(), spent=0, at=None):
    return BudgetOutcome.objects.create(
        budget=budget, rule=rule, equal_weights=equal_weights, funded=list(funded),
        spent=spent, ballots=3, total_weight=Decimal("3"), final=final,
        computed_at=at or timezone.now())


def _section(page: str) -> str:
    return page.split('id="outcomes"')[1].split("</section>")[0]


def test_the_stored_outcomes_show_with_their_status(client):
    made = budget_project_make(phase="voting", city=100)
    city = made.budgets[None]
    ids = [made.proposals["Benches"].pk, made.proposals["Trees"].pk]
    _outcome(city, BudgetRule.GREEDY, final=False, funded=ids, spent=70,
             at=timezone.now() - timedelta(hours=1))
    _outcome(city, BudgetRule.EQUAL_SHARES, final=True, funded=ids[:1], spent=40)
    client.force_login(made.planner)
    section = _section(client.get(reverse("dashboard:project-budget",
                                          args=[made.project.slug])).content.decode())
    rows = section.split("<tr><td")[1:]
    assert len(rows) == 2
    greedy = next(row for row in rows if "Greedy" in row)
    shares = next(row for row in rows if "Equal Shares" in row)
    assert "Provisional" in greedy and "2 proposals" in greedy
    assert "70 EUR / 100 EUR" in greedy
    assert "Final" in shares and "1 proposal<" in shares and "40 EUR" in shares
    assert "<time datetime=" in shares
    assert "Compute the outcomes now" in section


def test_no_outcome_yet_and_no_button_without_a_budget(client, planner):
    from tests.factories import project_make

    project = project_make()
    client.force_login(planner)
    section = _section(client.get(reverse("dashboard:project-budget",
                                          args=[project.slug])).content.decode())
    assert "No outcome computed yet." in section
    assert "Compute the outcomes now" not in section


def test_a_planner_asks_for_the_outcomes_now(client, django_capture_on_commit_callbacks):
    made = budget_project_make(phase="voting", city=100)
    client.force_login(made.planner)
    url = reverse("dashboard:project-outcomes", args=[made.project.slug])
    with django_capture_on_commit_callbacks():
        response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/projects/{made.project.slug}/budget/#outcomes")
    page = client.get(response["Location"]).content.decode()
    assert "The outcomes are being computed" in page
    entry = AuditEntry.objects.get(action=AuditAction.BUDGET_OUTCOME)
    assert entry.actor_id == made.planner.pk


def test_the_budget_pages_in_catalan(client):
    made = budget_project_make(phase="voting", city=100, districts={"D1": 60})
    _outcome(made.budgets[None], BudgetRule.GREEDY, final=True, funded=[1], spent=40)
    client.force_login(made.planner)
    ca = {"HTTP_ACCEPT_LANGUAGE": "ca"}
    page = client.get(reverse("dashboard:project-budget", args=[made.project.slug]),
                      **ca).content.decode()
    for text in ("Pressupost participatiu", "Tota la ciutat", "Regla oficial",
                 "La votació s'ha obert", "Definitiu", "1 proposta", "Avaluadors"):
        assert text in page, text
    page = client.get(reverse("dashboard:project-assessments", args=[made.project.slug]),
                      **ca).content.decode()
    for text in ("Totals per pressupost", "Viabilitat", "Cost de les propostes viables",
                 "Viable", "Competeix en el pressupost de"):
        assert text in page, text


def test_outcomes_of_a_project_without_a_budget_vote_are_refused_with_the_reason(client,
                                                                              planner):
    from tests.factories import project_make

    project = project_make()
    client.force_login(planner)
    response = client.post(reverse("dashboard:project-outcomes", args=[project.slug]),
                           follow=True)
    assert "This project does not vote with a budget." in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditAction.BUDGET_OUTCOME).exists()
