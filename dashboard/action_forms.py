"""Forms of the dashboard's queues: moderation, role claims, proposals, layers."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dashboard.translation_forms import LayerTranslationsMixin
from gisdata.layer_services import MAX_DISTANCE_M
from gisdata.models import ConstraintRule, Severity
from proposals.models import Project


def _reason(label, required: bool = True) -> forms.CharField:
    return forms.CharField(label=label, max_length=1000, required=required,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ModerationForm(forms.Form):
    HIDE, RESTORE, DISMISS = "hide", "restore", "dismiss"
    action = forms.ChoiceField(choices=[(HIDE, _("Hide")), (RESTORE, _("Restore")),
                                        (DISMISS, _("Dismiss the reports"))])
    reason = _reason(_("Reason (the author sees it)"))


class ClaimDecisionForm(forms.Form):
    VERIFY, REJECT, EXPIRY, REVOKE = "verify", "reject", "expiry", "revoke"
    decision = forms.ChoiceField(label=_("Decision"), choices=[
        (VERIFY, _("Verify")), (REJECT, _("Reject")), (EXPIRY, _("Set the expiry")),
        (REVOKE, _("Revoke the verification"))])
    expires_on = forms.DateField(
        label=_("Valid until"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Empty: the role's usual validity period."))
    reason = _reason(_("Reason (the citizen receives it)"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") in (self.REJECT, self.REVOKE) and not data.get("reason"):
            self.add_error("reason", _("Give the citizen a reason."))
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    answer = forms.CharField(
        label=_("Official answer"), max_length=5000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed to accept or reject; the author and the voters are e-mailed it."))

    def __init__(self, *args, statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = list(statuses)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Official answer"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 4}))


class StyleForm(forms.Form):
    color = forms.CharField(label=_("Colour on the map"), max_length=7,
                            widget=forms.TextInput(attrs={"type": "color"}),
                            help_text=_("As #rrggbb."))


class LayerForm(LayerTranslationsMixin, forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=200,
        help_text=_("What citizens read in the maps' layer control and the open data."))
    label_property = forms.ChoiceField(
        label=_("Features are named by"), required=False,
        help_text=_("The attribute that holds a feature's name, such as NOM: used to find "
                    "a district by name, in breakdowns by district and in the maps' "
                    "place search."))
    is_districts = forms.BooleanField(
        label=_("These are the city's districts: breakdowns by district start from "
                "this layer"), required=False)

    def __init__(self, *args, attributes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label_property"].choices = [
            ("", _("— none: features are numbered —")), *((a, a) for a in attributes)]
        # The title in each language together, then how features are named.
        self.order_fields(["title", *(f.name for f in self.translation_fields())])


class ConstraintForm(forms.Form):
    rule = forms.ChoiceField(label=_("Rule"), choices=ConstraintRule.choices)
    distance_m = forms.IntegerField(label=_("Distance in metres"), required=False,
                                    min_value=1, max_value=MAX_DISTANCE_M,
                                    help_text=_("Only for “within a distance”."))
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    message = forms.CharField(
        label=_("Message"), max_length=300,
        help_text=_("What citizens read; {NAME} is replaced by that attribute of the "
                    "feature, e.g. “In flood zone {fld_zone}”."))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    projects = forms.ModelMultipleChoiceField(
        label=_("Speaks in these projects"), required=False,
        queryset=Project.objects.order_by("title", "pk"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: it speaks in every project, including those set up "
                    "later."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Per form: a queryset made at import keeps no municipality's filter.
        self.fields["projects"].queryset = Project.objects.order_by("title", "pk")


