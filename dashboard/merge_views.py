"""Merging a duplicate proposal into another, for planners (docs/duplicates.md).

Three steps on one address, each working without JavaScript: GET shows the form (the
proposals most like the duplicate first, then every public one of its project); a POST
of the form shows what the merge would carry (votes, ballots) and asks to confirm; a
POST with `confirm` merges (voting.merge_services.proposal_merge) and goes back to the
project's proposals, saying what moved.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboard.access import error_text, planner_only
from proposals.models import Proposal
from proposals.similar import proposals_similar
from voting.merge_services import merge_preview, merge_summary, proposal_merge

PERMISSION = "proposals.answer_proposal"


class MergeForm(forms.Form):
    target = forms.TypedChoiceField(label=gettext_lazy("Merge into"), coerce=int)
    reason = forms.CharField(
        label=gettext_lazy("Why are they the same? (in the audit log, and told to the "
                           "duplicate's author and supporters)"),
        max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, duplicate: Proposal, **kwargs):
        super().__init__(*args, **kwargs)
        public = (Proposal.objects.public().filter(project=duplicate.project_id)
                  .exclude(pk=duplicate.pk).order_by("title", "pk"))
        similar = [s.id for s in proposals_similar(project=duplicate.project,
                                                   title=duplicate.title,
                                                   geometry=duplicate.geometry)
                   if s.id != duplicate.pk]
        by_id = {p.pk: p for p in public}
        label = "{title} (#{pk})".format
        self.fields["target"].choices = [
            ("", _("Choose a proposal")),
            (_("Most alike or nearest"), [(pk, label(title=by_id[pk].title, pk=pk))
                                          for pk in similar if pk in by_id]),
            (_("Every public proposal of the project"),
             [(p.pk, label(title=p.title, pk=p.pk)) for p in public]),
        ]


def _duplicate(pk: int) -> Proposal:
    return get_object_or_404(Proposal.objects.select_related("project"), pk=pk)


@planner_only(PERMISSION)
def proposal_merge_view(request, pk: int):
    duplicate = _duplicate(pk)
    back = reverse("dashboard:project-proposals", args=[duplicate.project.slug])
    form = MergeForm(request.POST if request.method == "POST" else None,
                     duplicate=duplicate)
    context = {"duplicate": duplicate, "project": duplicate.project, "form": form,
               "back": back}
    if request.method != "POST" or not form.is_valid():
        return render(request, "dashboard/proposal_merge.html", context,
                      status=400 if form.errors else 200)
    target = get_object_or_404(Proposal, pk=form.cleaned_data["target"],
                               project=duplicate.project_id)
    preview = merge_preview(duplicate=duplicate, target=target)
    context.update(target=target, preview=preview)
    if preview.refusal:
        messages.error(request, preview.refusal)
        return render(request, "dashboard/proposal_merge.html", context, status=400)
    if not request.POST.get("confirm"):
        return render(request, "dashboard/proposal_merge.html", {**context, "confirm": True})
    try:
        result = proposal_merge(planner=request.user, duplicate=duplicate, target=target,
                                reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return render(request, "dashboard/proposal_merge.html", context, status=400)
    messages.success(request, _("“%(duplicate)s” was merged into “%(target)s”: %(summary)s")
                     % {"duplicate": duplicate.title, "target": target.title,
                        "summary": merge_summary(result)})
    return redirect(back)
