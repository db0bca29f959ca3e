"""Query filters of the projects and proposals API (django-filter): the fields users ask
for (project, category, status, bbox, updated since), ordering on public fields only.
Anything else in `ordering` (`author__password`, say) is a 400, not a silent default."""

from __future__ import annotations

import django_filters as filters

from gisdata.filters import BBoxFilter, CharInFilter, SinceFilter
from proposals.models import Project, Proposal, ProposalStatus


class StatusInFilter(filters.BaseInFilter, filters.ChoiceFilter):
    """`published,shortlisted`: each one a known status."""


class ProjectFilter(filters.FilterSet):
    bbox = BBoxFilter(field_name="area",
                      help_text="Projects whose area meets minlon,minlat,maxlon,maxlat.")
    updated_since = SinceFilter(help_text="Projects changed at or after this ISO 8601 time.")
    ordering = filters.OrderingFilter(
        fields=(("created_at", "created_at"), ("updated_at", "updated_at"),
                ("title", "title"), ("id", "id")))

    class Meta:
        model = Project
        fields = ["bbox", "updated_since"]


class ProposalFilter(filters.FilterSet):
    project = filters.NumberFilter(field_name="project_id", help_text="The project's id.")
    category = CharInFilter(field_name="category__slug",
                            help_text="Category slugs, comma-separated.")
    status = StatusInFilter(choices=ProposalStatus.choices,
                            help_text="Statuses, comma-separated.")
    bbox = BBoxFilter(field_name="geometry", help_text="minlon,minlat,maxlon,maxlat")
    updated_since = SinceFilter(
        help_text="Proposals changed (edited, answered, moderated) at or after this "
                  "ISO 8601 time.")
    ordering = filters.OrderingFilter(
        fields=(("created_at", "created_at"), ("updated_at", "updated_at"),
                ("title", "title"), ("id", "id")))

    class Meta:
        model = Proposal
        fields = ["project", "category", "status", "bbox", "updated_since"]
