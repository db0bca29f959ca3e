"""Admin for a project's voting rules and weights. Changes are refused once voting has
opened (here with a message, and by the database whatever the path)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _

from voting.models import ProjectVoting, RoleWeight
from voting.selectors import weights_frozen


class FrozenCheck(forms.ModelForm):
    frozen_fields: tuple[str, ...] = ()

    def clean(self):
        data = super().clean()
        project = data.get("project") or getattr(self.instance, "project", None)
        changing = not self.instance.pk or any(f in self.changed_data for f in self.frozen_fields)
        if project is not None and changing and weights_frozen(project):
            raise forms.ValidationError(_("Voting has opened in this project: its weights "
                                          "are frozen."))
        return data


class RoleWeightForm(FrozenCheck):
    frozen_fields = ("weight", "role", "project")

    class Meta:
        model = RoleWeight
        fields = ["project", "role", "weight"]


class ProjectVotingForm(FrozenCheck):
    frozen_fields = ("unverified_weight",)

    class Meta:
        model = ProjectVoting
        fields = ["project", "unverified_weight", "results_public"]

    def clean(self):
        if not self.instance.pk and not self.cleaned_data.get("unverified_weight"):
            return self.cleaned_data  # creating the rules with weight 0 changes no weight
        return super().clean()


@admin.register(RoleWeight)
class RoleWeightAdmin(admin.ModelAdmin):
    form = RoleWeightForm
    list_display = ("project", "role", "weight")
    list_filter = ("project",)

    def has_delete_permission(self, request, obj=None):
        return obj is None or not weights_frozen(obj.project)


@admin.register(ProjectVoting)
class ProjectVotingAdmin(admin.ModelAdmin):
    form = ProjectVotingForm
    list_display = ("project", "unverified_weight", "results_public")
