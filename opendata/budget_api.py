"""A budget vote's open results: what each rule funds in each budget, and each budget's
ballots as a pabulib file anyone can recompute the outcome from (docs/budgeting.md).

Both follow the results page's rule: public once the city publishes the results (or to
planners); while voting runs they are provisional and say so (`final`)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from proposals.models import Project
from proposals.selectors import project_for
from voting.budget_models import Budget, BudgetRule, VotingMethod
from voting.budget_selectors import budget_outcomes, project_budgets
from voting.pabulib import budget_pabulib
from voting.selectors import results_visible, voting_rules

IDS = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
RESULTS = inline_serializer("BudgetResults", {
    "project": serializers.IntegerField(),
    "currency": serializers.CharField(help_text="ISO 4217 code of every amount."),
    "official_rule": serializers.ChoiceField(
        choices=BudgetRule.values, help_text="The rule whose outcome the city adopts."),
    "budgets": serializers.ListField(child=inline_serializer("BudgetResult", {
        "district": serializers.CharField(
            allow_null=True, help_text="The district's or neighbourhood's name; null for "
                                       "the whole city's budget."),
        "budget": serializers.IntegerField(help_text="The amount, in whole units."),
        "pabulib": serializers.URLField(help_text="This budget's ballots as a pabulib file."),
        "greedy": IDS, "equal_shares": IDS,
        "equal_weights": inline_serializer("BudgetEqualWeights", {
            "greedy": IDS, "equal_shares": IDS}),
        "final": serializers.BooleanField(
            help_text="False while voting runs or before the outcome was computed after "
                      "it closed: the lists may still change."),
        "computed_at": serializers.DateTimeField(allow_null=True),
    }), help_text="The whole city's budget first, then one per district."),
})


def _budget_project(request, pk: int) -> Project:
    try:
        project = project_for(user=request.user, pk=pk)
    except Project.DoesNotExist as exc:
        raise Http404 from exc
    if voting_rules(project).method != VotingMethod.BUDGET:
        raise Http404("This project does not vote with a budget.")
    if not results_visible(request.user, project):
        raise Http404("The results of this project are not public.")
    return project


def _funded(outcomes: dict, rule: str, equal: bool) -> list[int] | None:
    outcome = outcomes.get((rule, equal))
    return None if outcome is None else list(outcome.funded)


class BudgetResults(APIView):
    """What each rule funds in each budget of a budget vote: proposal ids in the order
    the rule funded them (null before an outcome is computed), with weights and with
    every ballot weighing the same."""

    @extend_schema(responses={200: RESULTS})
    def get(self, request, pk: int):
        project = _budget_project(request, pk)
        rules = voting_rules(project)
        rows = []
        for budget in project_budgets(project).prefetch_related("outcomes"):
            outcomes = budget_outcomes(budget)
            official = outcomes.get((rules.budget_rule, False))
            rows.append({
                "district": budget.area.name if budget.area_id else None,
                "budget": budget.amount,
                "pabulib": request.build_absolute_uri(
                    reverse("api:budget-pabulib", args=[project.pk, budget.pk])),
                "greedy": _funded(outcomes, BudgetRule.GREEDY, False),
                "equal_shares": _funded(outcomes, BudgetRule.EQUAL_SHARES, False),
                "equal_weights": {
                    "greedy": _funded(outcomes, BudgetRule.GREEDY, True),
                    "equal_shares": _funded(outcomes, BudgetRule.EQUAL_SHARES, True)},
                "final": bool(official and official.final),
                "computed_at": official.computed_at if official else None,
            })
        return Response({"project": project.pk, "currency": rules.currency,
                         "official_rule": rules.budget_rule, "budgets": rows})


class BudgetPabulib(APIView):
    """One budget's options and anonymous weighted ballots as a pabulib (.pb) file, with
    the official rule's funded projects marked (`selected`) once computed."""

    renderer_classes = [JSONRenderer]  # for errors; the file is written as it is

    @extend_schema(responses={(200, "text/plain"): OpenApiTypes.STR})
    def get(self, request, pk: int, budget_pk: int):
        project = _budget_project(request, pk)
        try:
            budget = Budget.objects.select_related("area", "project__municipality").get(
                pk=budget_pk, project=project)
        except Budget.DoesNotExist as exc:
            raise Http404 from exc
        official = budget_outcomes(budget).get((voting_rules(project).budget_rule, False))
        text = budget_pabulib(budget, funded=list(official.funded) if official else None)
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
        name = slugify(f"{project.slug} {budget.area.name if budget.area_id else 'city'}")
        response["Content-Disposition"] = content_disposition_header(True, f"{name}.pb")
        return response
