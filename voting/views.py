"""Voting pages: casting one's vote from the proposal page, and the project's results."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from proposals.models import Project
from proposals.selectors import project_for, proposals_readable
from voting import selectors, services
from voting.api import VALUES

# The choice as the message names it, in the reader's language.
CHOICE_LABELS = {"support": lambda: pgettext("vote", "support"),
                 "oppose": lambda: pgettext("vote", "oppose"),
                 "abstain": lambda: pgettext("vote", "abstain")}


@login_required
@require_POST
def vote(request, pk: int):
    proposal = get_object_or_404(proposals_readable(user=request.user), pk=pk)
    choice = request.POST.get("value", "")
    try:
        if choice == "withdraw":
            services.vote_withdraw(user=request.user, proposal=proposal)
            messages.success(request, _("Your vote was withdrawn."))
        elif choice in VALUES:
            cast = services.vote_cast(user=request.user, proposal=proposal,
                                      value=VALUES[choice])
            messages.success(request, _("Your vote (%(choice)s) counts with weight %(weight)s.")
                             % {"choice": CHOICE_LABELS[choice](),
                                "weight": cast.weight.normalize()})
        else:
            messages.error(request, _("Choose support, oppose or abstain."))
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
    return redirect("proposals:proposal", pk=pk)


def _bar(value: Decimal, top: Decimal) -> float:
    return float(value / top * 100) if top else 0.0


def results(request, slug: str):
    try:
        project = project_for(user=request.user, slug=slug)
    except Project.DoesNotExist as exc:
        raise Http404 from exc
    if not selectors.results_visible(request.user, project):
        raise Http404("The results of this project are not public yet.")
    rows = list(selectors.ranking_queryset(project))
    roles = selectors.role_tallies(project)
    top = max([max(r.support_weight, r.oppose_weight) for r in rows] + [Decimal(0)])
    for row in rows:
        row.share = selectors.share(row.support_weight, row.oppose_weight)
        row.changed = row.rank_weighted - row.rank_equal  # negative: weights moved it up
        row.support_pct, row.oppose_pct = _bar(row.support_weight, top), _bar(
            row.oppose_weight, top)
        row.roles = roles.get(row.pk, [])
        role_top = max([max(t.support_weight, t.oppose_weight) for t in row.roles]
                       + [Decimal(0)])
        for tally in row.roles:
            tally.support_pct = _bar(tally.support_weight, role_top)
            tally.oppose_pct = _bar(tally.oppose_weight, role_top)
    rules = selectors.voting_rules(project)
    return render(request, "voting/results.html", {
        "project": project, "rows": rows,
        "changed": [r for r in rows if r.changed],
        "weights": selectors.weights_table(project),
        "rules": rules,
        "public": rules.results_public,
        "provisional_until": selectors.voting_open_until(project),
    })
