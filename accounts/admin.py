"""Admin screens: users, the city's stakeholder roles, and the role-claim queue.

A claim's status is never edited as a field: planners decide through the
"Decide" screen, which calls the same services as every other entry point.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from modeltranslation.admin import TranslationAdmin
from modeltranslation.settings import DEFAULT_LANGUAGE

from accounts import services
from accounts.forms import AdminLoginForm, ClaimDecisionForm
from accounts.models import RoleClaim, StakeholderRole, User
from core.admin_mixins import ServiceAdmin, service_call

# The admin's log-in counts on, and respects, the same per-account lock as the site's.
admin.site.login_form = AdminLoginForm


@admin.register(User)
class PlazaUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (
        ("Plaza", {"fields": ("display_name", "terms_version", "terms_accepted_at")}),
        # Where a planner's permissions (their groups') apply: one municipality, or, to
        # see without changing, every municipality of a region.
        ("Planner", {"fields": ("planner_municipality", "planner_region")}),)
    # What the person accepted at sign-up is a record, not something to edit.
    readonly_fields = ("terms_version", "terms_accepted_at")
    list_display = ("username", "display_name", "email", "is_staff", "is_active", "date_joined")


@admin.register(StakeholderRole)
class StakeholderRoleAdmin(ServiceAdmin, TranslationAdmin):  # name, description per language
    """Roles are added and changed through `services.role_save`, as everywhere: it checks
    the values and the planner's permission and writes the audit entry; a refusal is an
    error message and nothing is saved (`core.admin_mixins.ServiceAdmin`)."""

    list_display = ("name", "slug", "default_weight", "claim_validity_days", "position",
                    "is_active")
    list_editable = ("position",)
    # The municipality being served: a role is made in, and stays with, its own.
    exclude = ("municipality",)
    prepopulated_fields = {"slug": ("name",)}

    def get_readonly_fields(self, request, obj=None):
        # The API and the weights' audit entries name a role by its slug.
        return ("slug",) if obj is not None else ()

    def get_prepopulated_fields(self, request, obj=None):
        return super().get_prepopulated_fields(request, obj) if obj is None else {}

    def has_delete_permission(self, request, obj=None):
        # Roles are kept for the record of past votes; deactivate them instead.
        return False

    def save_model(self, request, obj, form, change):
        with service_call():
            role = services.role_save(
                planner=request.user,
                role=StakeholderRole.objects.get(pk=obj.pk) if change else None,
                slug=obj.slug, name=getattr(obj, f"name_{DEFAULT_LANGUAGE}") or "",
                description=getattr(obj, f"description_{DEFAULT_LANGUAGE}") or "",
                default_weight=obj.default_weight,
                claim_validity_days=obj.claim_validity_days, position=obj.position,
                is_active=obj.is_active,
                translations={column: getattr(obj, column) or ""
                              for column in services.ROLE_COLUMNS})
        obj.pk = role.pk  # for the admin's redirect and history


@admin.register(RoleClaim)
class RoleClaimAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "status", "created_at", "decided_at", "expires_at",
                    "decide_link")
    list_filter = ("status", "role")
    search_fields = ("user__username", "user__email", "user__display_name")
    list_select_related = ("user", "role", "decided_by")
    readonly_fields = ("user", "role", "evidence", "evidence_link", "status", "decided_by",
                       "decided_at", "decision_reason", "expires_at", "created_at")
    exclude = ("evidence_file",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False  # citizens file claims themselves

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Evidence file")
    def evidence_link(self, obj):
        if not obj.evidence_file:
            return "—"
        return format_html('<a href="{}">Download</a>',
                           reverse("accounts:claim-evidence", args=[obj.pk]))

    @admin.display(description="")
    def decide_link(self, obj):
        return format_html('<a href="{}">Decide</a>',
                           reverse("admin:accounts_roleclaim_decide", args=[obj.pk]))

    def get_urls(self):
        return [
            path("<int:pk>/decide/", self.admin_site.admin_view(self.decide_view),
                 name="accounts_roleclaim_decide"),
            *super().get_urls(),
        ]

    def decide_view(self, request, pk: int):
        if not request.user.has_perm("accounts.verify_roleclaim"):
            raise PermissionDenied
        claim = get_object_or_404(RoleClaim.objects.select_related("user", "role"), pk=pk)
        form = ClaimDecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                self._apply(request.user, claim, form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("Decision recorded for %(claim)s.") % {"claim": claim})
                return redirect("admin:accounts_roleclaim_changelist")
        context = {**self.admin_site.each_context(request), "claim": claim, "form": form,
                   "opts": self.model._meta, "title": _("Decide on %(claim)s") % {"claim": claim}}
        return TemplateResponse(request, "admin/accounts/roleclaim/decide.html", context)

    @staticmethod
    def _apply(planner, claim, data) -> None:
        decision = data["decision"]
        if decision == ClaimDecisionForm.VERIFY:
            services.role_claim_verify(claim_id=claim.pk, planner=planner,
                                       expires_at=data["expires_at"])
        elif decision == ClaimDecisionForm.REJECT:
            services.role_claim_reject(claim_id=claim.pk, planner=planner,
                                       reason=data["reason"])
        else:
            services.role_claim_revoke(claim_id=claim.pk, planner=planner,
                                       reason=data["reason"])
