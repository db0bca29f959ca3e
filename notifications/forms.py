"""The forms of following an area and of the notification settings."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.follow_services import NAME_MAX
from notifications.models import Cadence, Kind


class AreaFollowForm(forms.Form):
    """An area drawn on the map (GeoJSON, written by static/js/plaza-follow-area.js) and
    its name; the service checks the shape."""

    name = forms.CharField(label=_("Name of the area"), max_length=NAME_MAX,
                           help_text=_("For you: “my street”, “around the school”."))
    area = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_area(self):
        area = self.cleaned_data.get("area", "")
        if not area.strip():
            raise forms.ValidationError(_("Draw an area on the map, or choose one of the "
                                          "ways below it."))
        return area


class PreferencesForm(forms.Form):
    """The e-mail cadence and, for each kind, whether it shows in the bell and by e-mail.

    The fields are `cadence`, `in_app_<kind>` and `email_<kind>`; `kinds()` gives the
    template each kind with its two boxes, so the page is a table of kinds."""

    cadence = forms.ChoiceField(label=_("E-mails"), choices=Cadence.choices,
                                widget=forms.RadioSelect)

    def __init__(self, *args, preferences=None, **kwargs):
        if preferences is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "cadence": preferences.cadence,
                **{f"in_app_{k}": k not in preferences.in_app_off for k in Kind.values},
                **{f"email_{k}": k not in preferences.email_off for k in Kind.values}}
        super().__init__(*args, **kwargs)
        for kind, label in Kind.choices:
            self.fields[f"in_app_{kind}"] = forms.BooleanField(
                required=False, label=_("%(kind)s on the site") % {"kind": label})
            self.fields[f"email_{kind}"] = forms.BooleanField(
                required=False, label=_("%(kind)s by e-mail") % {"kind": label})

    def kinds(self):
        return [{"label": label, "in_app": self[f"in_app_{kind}"],
                 "email": self[f"email_{kind}"]} for kind, label in Kind.choices]

    def switched_off(self, channel: str) -> list[str]:
        return [k for k in Kind.values if not self.cleaned_data.get(f"{channel}_{k}")]
