"""The walk's budget votes, in the walk's world and in each of the two towns."""

from __future__ import annotations

from decimal import Decimal

from tests.factories import project_make, proposal_make
from voting.budget_models import Assessment, Budget
from voting.models import ProjectVoting


def budget_votes(author, district, *, low: str = "walk", mark: str = "") -> dict:
    """Two budget votes in their voting phase: "budget" (results public; a budget for
    the whole city and one for `district`, an assessed option in each) and
    "budget_secret" (results not public). `mark` goes into every title."""
    made = {}

    def budget_rules(public):
        def setup(project):
            # Written straight, not through budget_setup: its audit entry would keep
            # the project's title, which the language walk cannot tell from a text.
            ProjectVoting.objects.create(project=project, results_public=public,
                                         unverified_weight=Decimal("1"), method="budget")
            Budget.objects.create(project=project, amount=1000)
            Budget.objects.create(project=project, area=district, amount=500)
            for budget in Budget.objects.filter(project=project).order_by("pk"):
                option = proposal_make(project, author, title=f"Option {budget} {mark}".strip(),
                                       body=f"Body {mark}.")
                Assessment.objects.create(proposal=option, budget=budget, cost=100,
                                          feasibility="feasible")
                made.setdefault(project.slug, []).append((budget, option))
        return setup

    title = {"title": f"Budget {mark}", "description": f"Money of {mark}."} if mark else {}
    budget = project_make(f"{low}-budget", phase="voting", before_phases=budget_rules(True),
                          **title)
    secret = project_make(f"{low}-budget-secret", phase="voting",
                          before_phases=budget_rules(False), **title)
    (city, city_option), (area, area_option) = made[budget.slug]
    return {"budget": budget, "budget_secret": secret, "budget_city": city,
            "budget_district": area, "budget_option": city_option,
            "budget_district_option": area_option,
            "budget_secret_city": made[secret.slug][0][0]}
