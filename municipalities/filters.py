"""`?municipality=<slug>` for the open-data lists of the API: only what one municipality
published, among what the municipality being served shows (its own data, and layers its
region shares with it). An unknown slug is a 400 that says so."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from municipalities.models import Municipality

HELP = ("Only the data of this municipality (its slug, from /api/v1/municipalities/), "
        "among what this municipality's API shows: its own, and the layers its region "
        "shares.")


# For a list whose filters the schema does not read from its filter set (a plain view).
MUNICIPALITY_PARAMETER = OpenApiParameter("municipality", OpenApiTypes.STR,
                                          OpenApiParameter.QUERY, description=HELP)


def municipality_filter(field_name: str) -> django_filters.ModelChoiceFilter:
    """The filter, on the path from the list's model to its municipality."""
    return django_filters.ModelChoiceFilter(
        field_name=field_name, to_field_name="slug", queryset=Municipality.objects.all(),
        help_text=HELP,
        error_messages={"invalid_choice": _("No municipality has this slug.")})
