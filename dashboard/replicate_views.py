"""The project page's "Replicate to another municipality" form, and the action it posts
to: the copy is made by `dashboard.replication.project_replicate`, and the planner lands
on the new project's page in the target municipality (its host, or its /<slug>/ prefix),
told what was left behind."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboard.access import error_text, form_action, planner_only
from dashboard.replication import project_replicate, replication_targets
from municipalities.models import Municipality
from proposals.models import Project


class ReplicateForm(forms.Form):
    to = forms.ModelChoiceField(queryset=Municipality.objects.none(),
                                label=gettext_lazy("Target municipality"),
                                empty_label=gettext_lazy("— choose —"))
    starts_on = forms.DateField(
        label=gettext_lazy("First phase opens on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Every phase keeps its length and the gaps between them."))

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = targets
        self.fields["starts_on"].initial = timezone.localdate()


def replicate_form(request, project: Project) -> ReplicateForm | None:
    """The form for the project page, or None when the planner may replicate nowhere."""
    targets = replication_targets(planner=request.user, project=project)
    return ReplicateForm(targets=targets, prefix="replicate") if targets.exists() else None


def _project_page(slug: str) -> str:
    return reverse("dashboard:project", args=[slug])


def project_url_in(request, municipality: Municipality, slug: str) -> str:
    """The dashboard page of project `slug` of `municipality`: on its own host, else
    under its prefix on this one (the default municipality has none)."""
    path = _project_page(slug)
    served = get_script_prefix()
    path = path[len(served):] if path.startswith(served) else path.lstrip("/")
    if municipality.host:
        return f"{request.scheme}://{municipality.host}/{path}"
    return f"{municipality.prefix}{path}"


def _skipped_text(copy: Project, to: Municipality) -> list[str]:
    texts = []
    if copy.skipped.roles:
        texts.append(_("No weight was copied for these roles, which %(municipality)s does "
                       "not have: %(roles)s.") % {"municipality": to.name,
                                                   "roles": ", ".join(copy.skipped.roles)})
    if copy.skipped.constraints:
        texts.append(_("No rule was copied for these layers, which %(municipality)s has "
                       "not published: %(rules)s.")
                     % {"municipality": to.name, "rules": "; ".join(copy.skipped.constraints)})
    return texts


@planner_only("proposals.view_project")
@form_action(_project_page)
def project_replicate_view(request, slug: str):
    project = get_object_or_404(Project, slug=slug)
    form = ReplicateForm(request.POST, prefix="replicate",
                         targets=replication_targets(planner=request.user, project=project))
    if not form.is_valid():
        messages.error(request, error_text(form.errors))
        return redirect(request.page_path)
    to = form.cleaned_data["to"]
    try:
        copy = project_replicate(planner=request.user, project=project, to=to,
                                 starts_on=form.cleaned_data["starts_on"])
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc) if isinstance(exc, ValidationError)
                       else str(exc))
        return redirect(request.page_path)
    messages.success(request, " ".join([
        _("“%(title)s” is replicated to %(municipality)s as a draft: review it, then "
          "publish it.") % {"title": copy.title, "municipality": to.name},
        *_skipped_text(copy, to)]))
    return redirect(project_url_in(request, to, copy.slug))
