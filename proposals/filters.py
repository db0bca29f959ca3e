"""Query filters of the projects and proposals API (django-filter): the fields users ask
for (project, category, status, bbox, updated since), ordering on public fields only, or,
for proposals, by the name of one of the project list's orders (`most_supported`).
Anything else in `ordering` (`author__password`, say) is a 400, not a silent default."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.core import exceptions as django_exceptions
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _

from gisdata.filters import BBoxFilter, CharInFilter, SinceFilter
from municipalities.filters import municipality_filter
from proposals import search
from proposals.list_orders import list_order_apply, list_order_choices
from proposals.models import Project, Proposal, ProposalStatus


class SearchQueryField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return value
        try:
            return search.query_clean(value)
        except django_exceptions.ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc


class SearchFilter(filters.CharFilter):
    """`search`: full-text, in any of the site's languages, accents ignored; the rows
    that match, best first (proposals/search.py)."""

    field_class = SearchQueryField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", "Full-text search (words, \"a phrase\", or, -word), "
                          "in any of the site's languages, accents ignored: the rows that "
                          "match, best first.")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return search.ranked(qs, value) if value else qs


class _WithListOrders(BaseChoiceIterator):
    """The fields' choices, then the list's orders, read when a form or the schema asks:
    apps above register orders (voting's "most supported") once they are ready."""

    def __init__(self, fields):
        self.fields = fields

    def __iter__(self):
        yield from self.fields
        yield from list_order_choices()


class ProposalOrderingFilter(filters.OrderingFilter):
    """Public fields (`-updated_at,id`), or one order of the project page's list by its
    name, alone: the same order, ties broken alike (proposals/list_orders.py)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra["choices"] = _WithListOrders(self.extra["choices"])

    def filter(self, qs, value):
        if value and value[0] in list_order_keys():
            return list_order_apply(qs, value[0])
        return super().filter(qs, value)


def list_order_keys() -> set[str]:
    return {key for key, _label in list_order_choices()}


class _ProposalFilterForm(forms.Form):
    def clean_ordering(self):
        value = self.cleaned_data.get("ordering") or []
        if len(value) > 1 and list_order_keys() & set(value):
            raise forms.ValidationError(_("An order by name (such as most_supported) comes "
                                          "alone, without fields."))
        return value


class StatusInFilter(filters.BaseInFilter, filters.ChoiceFilter):
    """`published,shortlisted`: each one a known status."""


class ProjectFilter(filters.FilterSet):
    municipality = municipality_filter("municipality")
    bbox = BBoxFilter(field_name="area",
                      help_text="Projects whose area meets minlon,minlat,maxlon,maxlat.")
    updated_since = SinceFilter(help_text="Projects changed at or after this ISO 8601 time.")
    search = SearchFilter()
    ordering = filters.OrderingFilter(
        fields=(("created_at", "created_at"), ("updated_at", "updated_at"),
                ("title", "title"), ("id", "id")))

    class Meta:
        model = Project
        fields = ["municipality", "bbox", "updated_since", "search"]


class ProposalFilter(filters.FilterSet):
    municipality = municipality_filter("project__municipality")
    project = filters.NumberFilter(field_name="project_id", help_text="The project's id.")
    category = CharInFilter(field_name="category__slug",
                            help_text="Category slugs, comma-separated.")
    status = StatusInFilter(choices=ProposalStatus.choices,
                            help_text="Statuses, comma-separated.")
    bbox = BBoxFilter(field_name="geometry", help_text="minlon,minlat,maxlon,maxlat")
    updated_since = SinceFilter(
        help_text="Proposals changed (edited, answered, moderated) at or after this "
                  "ISO 8601 time.")
    search = SearchFilter(help_text="Full-text search (words, \"a phrase\", or, -word), in "
                          "any of the site's languages, accents ignored: the proposals that "
                          "match, best first, a page at a time by `cursor` (not with "
                          "`ordering` or `offset`).")
    ordering = ProposalOrderingFilter(
        fields=(("created_at", "created_at"), ("updated_at", "updated_at"),
                ("title", "title"), ("id", "id")),
        help_text="Fields (`-` for descending, comma-separated), or one of the project "
                  "page's list orders alone: `newest`, `most_supported` (weighted score), "
                  "`most_commented` (public comments); ties by newest, then id.")

    class Meta:
        model = Proposal
        form = _ProposalFilterForm
        fields = ["municipality", "project", "category", "status", "bbox", "updated_since",
                  "search"]
