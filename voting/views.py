"""Voting pages: casting one's vote from the proposal page, and the project's results."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from proposals.models import Project, Proposal
from proposals.selectors import project_for, proposals_readable
from voting import budget_selectors, selectors, services
from voting.api import VALUES, ProjectRanking
from voting.budget_views import budget_results
from voting.groups import OTHER_ROLES, min_group_size

# The choice as the message names it, in the reader's language.
CHOICE_LABELS = {"support": lambda: pgettext("vote", "support"),
                 "oppose": lambda: pgettext("vote", "oppose"),
                 "abstain": lambda: pgettext("vote", "abstain")}


def _back(request, pk: int) -> str:
    """Where the vote sends the voter back: the page they voted from (the project's list
    with its filters, map view and page), if it is one of this site's; else the
    proposal's page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("proposals:proposal", args=[pk])


def _answer(request, pk: int, *, ok: bool, text: str, proposal=None, value=None,
            status: int = 200):
    """A script that voted from the list (it asks for JSON) gets the outcome to show in
    place, and no message waits for its next page; a form gets the message and goes
    back where it came from."""
    if "application/json" in request.headers.get("Accept", ""):
        body = {"ok": ok, "message": text, "value": value}
        if proposal is not None:
            voted, total = selectors.ballot_progress(user=request.user,
                                                     project=proposal.project)
            body["progress"] = _("You voted on %(voted)s of %(total)s proposals.") % {
                "voted": voted, "total": total}
        return JsonResponse(body, status=status)
    (messages.success if ok else messages.error)(request, text)
    return redirect(_back(request, pk))


@login_required
@require_POST
def vote(request, pk: int):
    proposal = get_object_or_404(proposals_readable(user=request.user), pk=pk)
    choice = request.POST.get("value", "")
    try:
        if choice == "withdraw":
            services.vote_withdraw(user=request.user, proposal=proposal)
            return _answer(request, pk, ok=True, text=_("Your vote was withdrawn."),
                           proposal=proposal)
        if choice in VALUES:
            cast = services.vote_cast(user=request.user, proposal=proposal,
                                      value=VALUES[choice])
            return _answer(request, pk, ok=True, proposal=proposal, value=choice,
                           text=_("Your vote (%(choice)s) counts with weight %(weight)s.")
                           % {"choice": CHOICE_LABELS[choice](),
                              "weight": cast.weight.normalize()})
        return _answer(request, pk, ok=False, status=400,
                       text=_("Choose support, oppose or abstain."))
    except (PermissionDenied, ValidationError) as exc:
        return _answer(request, pk, ok=False, status=403 if isinstance(
            exc, PermissionDenied) else 400, text=" ".join(
            getattr(exc, "messages", None) or [str(exc)]))


def _bar(value: Decimal, top: Decimal) -> float:
    return float(value / top * 100) if top else 0.0


# Rows of the ranking a results page shows: a city's project has thousands of
# proposals, and whoever wants them all has the CSV export and the ranking API.
RESULTS_PAGE = 50
RESULTS_COLUMNS = ("id", "title", "supporters", "opponents", "abstentions",
                   "support_weight", "oppose_weight", "score_weighted", "score_equal",
                   "rank_weighted", "rank_equal")


def results(request, slug: str):
    try:
        project = project_for(user=request.user, slug=slug)
    except Project.DoesNotExist as exc:
        raise Http404 from exc
    if not selectors.results_visible(request.user, project):
        raise Http404("The results of this project are not public yet.")
    if budget_selectors.is_budget_vote(project):
        return budget_results(request, project)
    # A page of the ranking (ranked over the whole project), with the whole project's
    # figures; the roles of the page's proposals only.
    ranking = selectors.RankingPages(project, values=RESULTS_COLUMNS)
    page = Paginator(ranking, RESULTS_PAGE).get_page(request.GET.get("page"))
    # The page's categories apart: joined in the ranking, they would be for every row.
    categories = {pk: SimpleNamespace(name=name, color=color) for pk, name, color in
                  Proposal.objects.filter(pk__in=[row["id"] for row in page.object_list])
                  .values_list("pk", "category__name", "category__color")}
    rows = [SimpleNamespace(pk=row["id"], category=categories.get(row["id"]), **row)
            for row in page.object_list]
    summary = ranking.summary
    roles = selectors.role_tallies(project, proposal_ids=[r.pk for r in rows])
    top = summary.top_weight  # the bars of every page on one scale
    for row in rows:
        row.share = selectors.share(row.support_weight, row.oppose_weight)
        row.changed = row.rank_weighted - row.rank_equal  # negative: weights moved it up
        row.support_pct, row.oppose_pct = _bar(row.support_weight, top), _bar(
            row.oppose_weight, top)
        shown = roles.get(row.pk)
        row.roles = shown.tallies if shown else []
        row.roles_merged = shown.merged if shown else []
        row.roles_withheld = bool(shown and shown.withheld)
        role_top = max([max(t.support_weight, t.oppose_weight) for t in row.roles]
                       + [Decimal(0)])
        for tally in row.roles:
            tally.label = _("Other roles") if tally.role == OTHER_ROLES else tally.role
            tally.support_pct = _bar(tally.support_weight, role_top)
            tally.oppose_pct = _bar(tally.oppose_weight, role_top)
    rules = selectors.voting_rules(project)
    return render(request, "voting/results.html", {
        "project": project, "rows": rows, "page": page, "summary": summary,
        "changed": [r for r in rows if r.changed],
        "roles_merged": any(r.roles_merged for r in rows),
        "weights": selectors.weights_table(project),
        "rules": rules,
        "public": rules.results_public,
        "provisional_until": selectors.voting_open_until(project),
        "min_group_size": min_group_size(),
        "ranking_api": reverse("api:project-ranking", args=[project.pk]),
        "ranking_api_max": ProjectRanking.pagination_class.max_limit,
        # The CSV export carries the results once they are public (opendata.exports).
        "ranking_csv": reverse("api:project-export-csv", args=[project.pk])
        if rules.results_public else None,
    })
