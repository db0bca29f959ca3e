"""Forms of a project's participatory budget: its set-up, its assessors, and one
proposal's assessment.

They parse what was typed; the rules (an area of the city, the frozen budget, a
reason for an unfeasible proposal, a budget the proposal lies in) are the services'
(`voting.budget_services`), whose errors the pages show on these forms.
"""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from municipalities.models import AreaLevel
from voting.budget_models import BudgetRule, Feasibility, VotingMethod

# An amount or a cost: whole currency units, as the models store them.
AMOUNT_MAX = 10 ** 15


def amount_field(label: str, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=1, max_value=AMOUNT_MAX,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric",
                                                              "step": "1"}), **kwargs)


class BudgetForm(forms.Form):
    method = forms.ChoiceField(label=_("Voting method"), choices=VotingMethod.choices,
                               widget=forms.RadioSelect)
    city = amount_field(_("Whole city"), help_text=_("Empty: no budget for the whole city."))
    min_projects = forms.IntegerField(label=_("Fewest proposals a ballot may pick"),
                                      min_value=1, max_value=1000, initial=1)
    max_projects = forms.IntegerField(
        label=_("Most proposals a ballot may pick"), min_value=1, max_value=1000,
        required=False, help_text=_("Empty: as many as the budget allows."))
    currency = forms.CharField(
        label=_("Currency"), max_length=3, min_length=3, initial="EUR",
        validators=[RegexValidator(r"^[A-Za-z]{3}$", _("A three-letter code, such as EUR."))],
        help_text=_("Its ISO 4217 code, such as EUR."))
    rule = forms.ChoiceField(
        label=_("Official rule"), choices=BudgetRule.choices, widget=forms.RadioSelect,
        help_text=_("The rule whose outcome the city adopts; both are computed and "
                    "published. It may change after voting has opened."))
    reason = forms.CharField(label=_("Why (for the log)"), max_length=1000, required=False)

    def __init__(self, *args, areas=(), frozen: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.areas = list(areas)
        for area in self.areas:
            self.fields[f"area_{area.pk}"] = amount_field(area.name)
        if frozen:  # what the service would refuse to change: shown, not sent
            for name, field in self.fields.items():
                if name not in ("rule", "reason"):
                    field.disabled = True

    def area_groups(self) -> list[tuple[object, list]]:
        """The areas' fields, a district with its neighbourhoods in one group (a city
        has tens of them): [(the district or None, [bound field, …]), …]."""
        groups: list[tuple[object, list]] = []
        for area in self.areas:
            field = self[f"area_{area.pk}"]
            if area.level == AreaLevel.DISTRICT:
                groups.append((area, [field]))
            elif groups and groups[-1][0] is not None and groups[-1][0].pk == area.parent_id:
                groups[-1][1].append(field)
            else:
                groups.append((None, [field]))
        return groups

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].upper()

    def budgets(self) -> dict[int | None, int]:
        """Area id (None: the whole city) → amount, for the budgets filled in."""
        data = self.cleaned_data
        found = {area.pk: data[f"area_{area.pk}"] for area in self.areas
                 if data.get(f"area_{area.pk}")}
        if data.get("city"):
            found[None] = data["city"]
        return found


class AssessorForm(forms.Form):
    who = forms.CharField(label=_("Username or e-mail address"), max_length=254,
                          widget=forms.TextInput(attrs={"autocomplete": "off",
                                                        "spellcheck": "false"}))


class AssessmentForm(forms.Form):
    cost = amount_field(_("Cost"), help_text=_("In whole units of the currency; empty: "
                                               "not known yet."))
    feasibility = forms.ChoiceField(label=_("Feasibility"), choices=Feasibility.choices,
                                    widget=forms.RadioSelect)
    unfeasible_reason = forms.CharField(
        label=_("Why it cannot be done (published)"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when the proposal is unfeasible; shown on its public page."))
    budget = forms.TypedChoiceField(label=_("Competes in the budget of"), coerce=int,
                                    required=False, empty_value=None)

    def __init__(self, *args, budgets=(), frozen: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.budget_objects = {b.pk: b for b in budgets}
        self.fields["budget"].choices = [("", _("— none yet —")),
                                         *((b.pk, str(b)) for b in budgets)]
        if frozen:
            for field in self.fields.values():
                field.disabled = True

    def chosen_budget(self):
        return self.budget_objects.get(self.cleaned_data.get("budget"))
