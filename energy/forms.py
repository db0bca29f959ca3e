"""The pledge form: what a member types, read into the pledge service's arguments.

The form only reads numbers and the roof; the rules (ranges, the roof in the
community, a battery with both figures) are the service's (energy/pledges.py), whose
refusals are put next to their fields. Empty PV figures stay None: the service reads
them from the roof, and the page shows those defaults as placeholders.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from energy.models import MemberKind
from energy.roofs import KWP_PER_M2

NUMBER = {"step": "any", "inputmode": "decimal"}


def _number(label, help_text="", **attrs) -> forms.FloatField:
    return forms.FloatField(label=label, required=False, help_text=help_text,
                            widget=forms.NumberInput(attrs={**NUMBER, **attrs}))


class PledgeForm(forms.Form):
    building = forms.IntegerField(required=False, widget=forms.HiddenInput)
    roof = forms.CharField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("I am a"), choices=MemberKind.choices)
    yearly_kwh = forms.FloatField(
        label=_("Electricity used in a year (kWh)"),
        help_text=_("On your bills: a household uses about 2,500 to 4,500 kWh."),
        widget=forms.NumberInput(attrs={**NUMBER, "min": 0}))
    pv_area_m2 = _number(_("Usable roof area for panels (m²)"),
                         _("Or give the array's peak power below; empty: read from the "
                           "roof."), min=0)
    pv_kwp = _number(_("PV peak power (kWp)"), _("Empty: what the roof holds."), min=0)
    pv_tilt = _number(_("Panel tilt (°)"), _("0° flat, 90° upright."), min=0, max=90)
    pv_azimuth = _number(_("Panels facing (°)"), _("From north: 90° east, 180° south, "
                                                   "270° west."), min=0, max=360)
    battery_kwh = _number(_("Battery capacity (kWh)"), _("Empty: no battery."), min=0)
    battery_kw = _number(_("Battery power (kW)"), min=0)
    # In percent, as people say it; the pledge keeps a fraction (0 to 0.5).
    flexible_share = _number(
        _("Flexible share of each day's use (%)"),
        _("0 to 50 %: the part of a day's use you can move to sunny hours (a washing "
          "machine, a heat pump, a car)."), min=0, max=50)

    ARRAY_FIELDS = ("pv_area_m2", "pv_kwp", "pv_tilt", "pv_azimuth")
    FIGURE_FIELDS = ("kind", "yearly_kwh", "pv_kwp", "pv_tilt", "pv_azimuth",
                     "battery_kwh", "battery_kw", "flexible_share")

    def clean(self):
        data = super().clean()
        area, kwp = data.get("pv_area_m2"), data.get("pv_kwp")
        if area is not None and kwp is not None:
            self.add_error("pv_area_m2", _("Give the usable area or the peak power, not "
                                           "both."))
        if not data.get("building") and not (data.get("roof") or "").strip():
            self.add_error("roof", _("Pick your building on the map or in the list, or "
                                     "draw your roof."))
        return data

    def service_arguments(self) -> dict:
        """The pledge service's keyword arguments from the cleaned data."""
        data = self.cleaned_data
        kwp = data.get("pv_kwp")
        if kwp is None and data.get("pv_area_m2") is not None:
            kwp = round(data["pv_area_m2"] * KWP_PER_M2, 2)
        return {
            "building": data.get("building") or None,
            "roof": (data.get("roof") or "").strip() or None,
            "kind": data["kind"], "yearly_kwh": data["yearly_kwh"], "pv_kwp": kwp,
            "pv_tilt": data.get("pv_tilt"), "pv_azimuth": data.get("pv_azimuth"),
            "battery_kwh": data.get("battery_kwh") or 0.0,
            "battery_kw": data.get("battery_kw") or 0.0,
            "flexible_share": (data.get("flexible_share") or 0.0) / 100,
        }


def pledge_initial(pledge) -> dict:
    """A pledge's figures as the form's first values."""
    initial = {name: getattr(pledge, name) for name in PledgeForm.FIGURE_FIELDS}
    initial["flexible_share"] = round(pledge.flexible_share * 100, 1)
    initial["building"] = pledge.building_id
    # A drawn roof comes back as drawn; a building's footprint comes from the building.
    initial["roof"] = "" if pledge.building_id else pledge.roof.json
    return initial


class PledgeWithdrawForm(forms.Form):
    """Nothing to fill in: a button, with the CSRF token."""
