"""The site's search page, `/search/`: a GET form (what to find, where), a page of
results best first with their snippets, and a link to the next page (a cursor)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from proposals import search
from proposals.models import Project, ProposalStatus


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search for"), required=False,
                        max_length=search.MAX_QUERY)
    kind = forms.ChoiceField(label=_("Find"), required=False, initial="proposals",
                             widget=forms.RadioSelect,
                             choices=[("proposals", _("Proposals")),
                                      ("comments", _("Comments")),
                                      ("projects", _("Projects"))])
    project = forms.TypedChoiceField(label=_("Project"), required=False, coerce=int,
                                     empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False)
    cursor = forms.CharField(required=False, widget=forms.HiddenInput, max_length=200)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        projects = Project.objects.visible_to(user).defer("area").order_by("-created_at")[:200]
        self.fields["project"].choices = [("", _("Every project")),
                                          *((p.pk, p.title) for p in projects)]
        # Not "merged": a merged proposal leads to the one it was merged into.
        self.fields["status"].choices = [("", _("Any status")), *(
            (value, label) for value, label in ProposalStatus.choices
            if value != ProposalStatus.MERGED)]

    def clean_q(self):
        value = self.cleaned_data["q"]
        return search.query_clean(value) if value.strip() else ""

    def clean_cursor(self):
        value = self.cleaned_data["cursor"]
        try:
            return search.Cursor.decode(value) if value else None
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc


def search_page(request):
    data = None
    if request.GET:
        data = request.GET.copy()
        data.setdefault("kind", "proposals")  # the radio shows what is searched
    form = SearchForm(data, user=request.user)
    results = None
    next_query = None
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        data = form.cleaned_data
        try:
            results = search.site_search(
                user=request.user, text=data["q"], kind=data["kind"] or "proposals",
                project_id=data["project"], status=data["status"] or None,
                cursor=data["cursor"])
        except ValidationError as exc:  # a cursor from another search
            form.add_error(None, exc.messages)
        else:
            next_query = search.next_query(request, results.next)
    return render(request, "proposals/search.html", {
        "form": form, "results": results, "next_query": next_query})
