"""Forms of the citizen pages. They only shape input; services decide what is valid."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from proposals.geometry import geometry_clean
from proposals.list_orders import DEFAULT_ORDER, list_order_choices
from proposals.models import MAX_IMAGES, ProposalStatus
from proposals.selectors import bbox_parse


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,"
                                                                       "image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=140)
    body = forms.CharField(label=_("Description"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 5}))
    category = forms.ChoiceField(label=_("Category"))
    geometry = forms.CharField(widget=forms.HiddenInput, required=False,
                               error_messages={"required": _("Draw your proposal on the map.")})
    images = MultipleImageField(required=False, label=_("Pictures"),
                                help_text=format_lazy(_("Up to {count} JPEG, PNG or WebP pictures, "
                                                        "5 MB each. Location data is removed."),
                                                      count=MAX_IMAGES))

    def __init__(self, *args, project, with_images=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["category"].choices = [(c.slug, c.name) for c in project.categories.all()]
        if not with_images:
            del self.fields["images"]

    def clean_geometry(self):
        value = self.cleaned_data["geometry"].strip()
        if not value:
            raise forms.ValidationError(_("Draw your proposal on the map."))
        # Checked here too, so that a drawing's error shows with the other fields' errors;
        # the service checks again with the same function.
        geometry_clean(value, area=self.project.area)
        return value


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ProposalStatus.choices)
    answer = forms.CharField(label=_("Official answer"), required=False, max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class ProposalFilterForm(forms.Form):
    """The project page's one state, shared by its map and its list and kept in the URL:
    the filters, the map's view (`bbox`), whether the list keeps to that view and the
    list's `order` (proposals/list_orders.py; newest when absent).

    `in_view` is "1" unless the query says "0": the list follows the map by default, and
    the plain form sends a hidden "0" before its checkbox so that an unticked box is
    heard (the last value of a key wins in a QueryDict)."""

    category = forms.ChoiceField(label=_("Category"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All"))] + [
        (s.value, s.label) for s in ProposalStatus if s not in (
            ProposalStatus.SUBMITTED, ProposalStatus.WITHDRAWN)])
    bbox = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    in_view = forms.BooleanField(required=False, label=_("Only what is on the map"))
    order = forms.ChoiceField(label=_("Order"), required=False)

    def __init__(self, data=None, *, project, **kwargs):
        if data is not None:
            data = data.copy()
            data["in_view"] = "" if data.get("in_view") == "0" else "1"
        super().__init__(data, **kwargs)
        self.fields["category"].choices = [("", _("All"))] + [
            (c.slug, c.name) for c in project.categories.all()]
        self.fields["in_view"].initial = True
        self.fields["order"].choices = list_order_choices()
        self.fields["order"].initial = DEFAULT_ORDER

    def clean_order(self):
        return self.cleaned_data["order"] or DEFAULT_ORDER

    def clean_bbox(self):
        raw = self.cleaned_data["bbox"].strip()
        if not raw:
            return None
        try:
            return raw, bbox_parse(raw)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["bbox"]) from exc


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Your comment"), max_length=5000,
                           error_messages={"required": _("Write a comment.")},
                           widget=forms.Textarea(attrs={"rows": 4}))
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
