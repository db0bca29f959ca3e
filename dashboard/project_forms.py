"""Forms of a project's set-up pages: the project, its phases and categories, weights.

They parse what the planner typed; the rules (phase order, a polygon area, colours,
frozen weights) are the services' (`dashboard.project_services`, `voting.services`).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import MAX_WEIGHT
from dashboard.selectors import area_feature_choices
from proposals.models import PHASE_ORDER, PhaseKind, Visibility

LOCAL_DATETIME = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=LOCAL_DATETIME, **kwargs)


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(
        label=_("Address"), max_length=80, required=False,
        help_text=_("The last part of the project's web address; empty: made from the "
                    "title."))
    description = forms.CharField(label=_("Description"), max_length=20000,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    # A new project starts as a draft: it is shown to citizens only when a planner
    # chooses so, never by a first save of a half-made set-up.
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices,
                                   initial=Visibility.DRAFT)
    moderate_before_publishing = forms.BooleanField(
        label=_("New proposals wait for a planner before they are shown"), required=False)
    area_feature = forms.TypedChoiceField(
        label=_("Take the area from"), required=False, coerce=int, empty_value=None,
        help_text=_("A feature of an imported layer of areas, such as a district."))
    area = forms.CharField(
        label=_("Or the area drawn on the map (GeoJSON)"), required=False,
        max_length=256 * 1024, widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_("Filled in when you draw on the map; you may also paste a GeoJSON "
                    "polygon in longitude/latitude."))

    def __init__(self, *args, has_area: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_area = has_area
        self.fields["area_feature"].choices = [("", _("— drawn on the map —")),
                                               *area_feature_choices()]
        for kind in PHASE_ORDER:
            label = PhaseKind(kind).label
            self.fields[f"{kind}_starts"] = forms.DateTimeField(
                label=_("%(phase)s opens") % {"phase": label}, required=False,
                widget=LocalDateTimeInput(), input_formats=[LOCAL_DATETIME])
            self.fields[f"{kind}_ends"] = forms.DateTimeField(
                label=_("%(phase)s closes") % {"phase": label}, required=False,
                widget=LocalDateTimeInput(), input_formats=[LOCAL_DATETIME])

    def phase_fields(self):
        return [(PhaseKind(kind).label, self[f"{kind}_starts"], self[f"{kind}_ends"])
                for kind in PHASE_ORDER]

    def clean(self):
        data = super().clean()
        phases = []
        for kind in PHASE_ORDER:
            start, end = data.get(f"{kind}_starts"), data.get(f"{kind}_ends")
            if bool(start) != bool(end):
                self.add_error(f"{kind}_ends" if start else f"{kind}_starts",
                               _("Give both dates of a phase, or neither."))
            elif start:
                phases.append((kind, start, end))
        data["phases"] = phases
        if not self.has_area and not data.get("area_feature") and not data.get("area"):
            self.add_error("area_feature", _("Choose a feature, or draw the area on the map."))
        return data


class CategoryForm(forms.Form):
    pk = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Category"), max_length=80, required=False)
    color = forms.CharField(label=_("Colour"), max_length=7, initial="#0b6e4f",
                            widget=forms.TextInput(attrs={"type": "color"}))
    delete = forms.BooleanField(label=_("Remove"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("pk") and not (data.get("name") or "").strip() and not data.get("delete"):
            self.add_error("name", _("Give the category a name, or remove it."))
        return data


CategoryFormSet = forms.formset_factory(CategoryForm, extra=2, max_num=30, validate_max=True)


class WeightsForm(forms.Form):
    unverified_weight = forms.DecimalField(
        label=_("Participants without a verified role"), min_value=Decimal("0"),
        max_value=MAX_WEIGHT, max_digits=6, decimal_places=3,
        help_text=_("0 means they may not vote."))
    reason = forms.CharField(label=_("Why (for the log)"), max_length=1000, required=False)

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.roles = list(roles)
        for role in self.roles:
            self.fields[f"role_{role.slug}"] = forms.DecimalField(
                label=role.name, min_value=Decimal("0"), max_value=MAX_WEIGHT,
                max_digits=6, decimal_places=3)

    def role_fields(self):
        return [self[f"role_{role.slug}"] for role in self.roles]

    def weights(self) -> dict[str, Decimal]:
        return {role.slug: self.cleaned_data[f"role_{role.slug}"] for role in self.roles}
