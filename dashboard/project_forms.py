"""Forms of a project's set-up pages: the project, its phases and categories, weights.

They parse what the planner typed; the rules (phase order, a polygon area, colours,
frozen weights) are the services' (`dashboard.project_services`, `voting.services`).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import MAX_WEIGHT
from core import tenancy
from dashboard.selectors import area_layers
from dashboard.translation_forms import CategoryTranslationsMixin, ProjectTranslationsMixin
from gisdata.selectors import feature_geojson, features_search, layer_label
from municipalities.selectors import area_tree, municipality_default
from proposals.models import PHASE_ORDER, PhaseKind, Visibility

LOCAL_DATETIME = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=LOCAL_DATETIME, **kwargs)


class ProjectForm(ProjectTranslationsMixin, forms.Form):
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
    # The level the project runs at; the chosen area's shape is the project's area
    # unless one is taken from a layer or drawn.
    scope_area = forms.TypedChoiceField(
        label=_("Run for"), required=False, coerce=int, empty_value=None,
        help_text=_("The whole city, or one of its districts or neighbourhoods: its "
                    "numbers are then counted there. Its shape is the project's area "
                    "unless you choose or draw another below."))
    area_layer = forms.TypedChoiceField(
        label=_("Take the area from the layer"), required=False, coerce=int,
        empty_value=None, help_text=_("An imported layer of areas, such as the districts."))
    area_search = forms.CharField(
        label=_("Find its feature by name"), required=False, max_length=120,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}))
    area_feature = forms.TypedChoiceField(
        label=_("The feature"), required=False, coerce=int, empty_value=None,
        widget=forms.RadioSelect)
    area = forms.CharField(
        label=_("Or the area drawn on the map (GeoJSON)"), required=False,
        max_length=256 * 1024, widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_("Filled in when you draw on the map; you may also paste a GeoJSON "
                    "polygon in longitude/latitude."))

    def __init__(self, *args, has_area: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_area = has_area
        self._area_choices()
        self._scope_choices()
        for kind in PHASE_ORDER:
            label = PhaseKind(kind).label
            self.fields[f"{kind}_starts"] = forms.DateTimeField(
                label=_("%(phase)s opens") % {"phase": label}, required=False,
                widget=LocalDateTimeInput(), input_formats=[LOCAL_DATETIME])
            self.fields[f"{kind}_ends"] = forms.DateTimeField(
                label=_("%(phase)s closes") % {"phase": label}, required=False,
                widget=LocalDateTimeInput(), input_formats=[LOCAL_DATETIME])

    def _area_choices(self) -> None:
        """The layers, and the features of the chosen layer that match the search (the
        chosen feature always among them): the only values the form accepts."""
        layers = {layer.pk: layer for layer in area_layers()}
        self.fields["area_layer"].choices = [
            ("", _("— none: the area is drawn on the map —")),
            *((pk, layer_label(layer)) for pk, layer in layers.items())]
        data = self.data if self.is_bound else self.initial
        raw = str(data.get("area_layer") or "")
        self.area_layer = layers.get(int(raw)) if raw.isdigit() else None
        self.area_matches, self.area_more = [], False
        if self.area_layer is not None:
            self.area_matches, self.area_more = features_search(
                self.area_layer, str(data.get("area_search") or ""))
            chosen = str(data.get("area_feature") or "")
            known = {m["id"] for m in self.area_matches}
            if chosen.isdigit() and int(chosen) not in known:
                feature = feature_geojson(int(chosen), layers=area_layers().filter(
                    pk=self.area_layer.pk))
                if feature is not None:
                    self.area_matches.insert(0, {"id": feature["id"],
                                                 "name": feature["properties"]["name"]})
        self.fields["area_feature"].choices = [(m["id"], m["name"])
                                               for m in self.area_matches]

    def _scope_choices(self) -> None:
        """The whole city, then each district with its neighbourhoods under it."""
        municipality = tenancy.current() or municipality_default()
        choices = [("", _("The whole city"))]
        for district in area_tree(municipality):
            choices.append((_("District of %(name)s") % {"name": district["area"].name}, [
                (district["area"].pk, district["area"].name),
                *((n.pk, "— " + n.name) for n in district["children"])]))
        self.fields["scope_area"].choices = choices
        self.fields["scope_area"].widget.attrs["disabled"] = len(choices) == 1

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
        if not (self.has_area or data.get("area_feature") or data.get("area")
                or data.get("scope_area")):
            self.add_error("area_feature", _("Choose a feature, or draw the area on the map."))
        return data


class CategoryForm(CategoryTranslationsMixin, forms.Form):
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
