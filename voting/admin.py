"""Admin for a project's voting rules and weights. Changes are refused once voting has
opened (here with a message, and by the database whatever the path), and every change
is written to the audit log, as when a planner sets weights in the dashboard."""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
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


class AuditedAdmin(admin.ModelAdmin):
    """Citizens see weights and whether results are public: who changed them, when and
    from what to what goes to the audit log, in the transaction of the change."""

    def _changes(self, obj, form) -> dict:
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            changes = self._changes(obj, form) if form.changed_data else {}
            for action, details in changes.items():
                audit_record(actor=request.user, action=action, target=obj.project,
                             project_id=obj.project_id, details=details,
                             reason=_("Changed in the admin."))

    def delete_model(self, request, obj):
        with transaction.atomic():
            super().delete_model(request, obj)
            audit_record(actor=request.user, action=AuditAction.WEIGHTS_SET,
                         target=obj.project, project_id=obj.project_id,
                         details={"deleted": str(obj)}, reason=_("Deleted in the admin."))

    def delete_queryset(self, request, queryset):
        # The list's "delete selected" asks no object-level permission: frozen ones are
        # skipped here rather than refused by the database with an error page.
        frozen = 0
        with transaction.atomic():
            for obj in queryset.select_related("project"):
                if weights_frozen(obj.project):
                    frozen += 1
                    continue
                self.delete_model(request, obj)
        if frozen:
            self.message_user(request, _("%(count)s kept: voting has opened in their "
                                         "project, its weights are frozen.")
                              % {"count": frozen}, level="warning")


def _before_after(form, field: str) -> list[str]:
    before = form.initial.get(field)
    return ["" if before is None else str(before), str(form.cleaned_data.get(field))]


@admin.register(RoleWeight)
class RoleWeightAdmin(AuditedAdmin):
    form = RoleWeightForm
    list_display = ("project", "role", "weight")
    list_filter = ("project",)

    def has_delete_permission(self, request, obj=None):
        return obj is None or not weights_frozen(obj.project)

    def _changes(self, obj, form) -> dict:
        return {AuditAction.WEIGHTS_SET: {"weights": {obj.role.slug: _before_after(
            form, "weight")}}}


@admin.register(ProjectVoting)
class ProjectVotingAdmin(AuditedAdmin):
    form = ProjectVotingForm
    list_display = ("project", "unverified_weight", "results_public")

    def _changes(self, obj, form) -> dict:
        changes = {}
        if "unverified_weight" in form.changed_data:
            changes[AuditAction.WEIGHTS_SET] = {
                "unverified_weight": _before_after(form, "unverified_weight")}
        if "results_public" in form.changed_data:
            changes[AuditAction.PROJECT_UPDATE] = {
                "results_public": _before_after(form, "results_public")}
        return changes
