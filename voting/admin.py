"""Admin for a project's voting rules and weights. Every change goes through
`voting.services`, as when a planner sets weights in the dashboard: the services refuse
it once voting has opened (the database too, whatever the path), check the planner's
permission and write the audit entry. A refusal is an error message, and nothing is
saved (`core.admin_mixins.ServiceAdmin`)."""

from collections import defaultdict

from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext as _

from core.admin_mixins import ServedOnlyAdmin, ServiceAdmin, service_call
from proposals.models import Project
from voting import services
from voting.models import ProjectVoting, RoleWeight
from voting.selectors import voting_rules


@admin.register(RoleWeight)
class RoleWeightAdmin(ServedOnlyAdmin, ServiceAdmin, admin.ModelAdmin):
    served_through = ("project", Project)
    list_display = ("project", "role", "weight")
    list_filter = ("project",)
    fields = ("project", "role", "weight")

    def get_readonly_fields(self, request, obj=None):
        # Another project or role is another weight: add that one instead.
        return ("project", "role") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        with service_call():
            services.role_weights_set(project=obj.project, planner=request.user,
                                      weights={obj.role.slug: obj.weight},
                                      reason=_("Changed in the admin."))
        # The service wrote the row; the admin's redirect and history need its id.
        obj.pk = RoleWeight.objects.get(project=obj.project, role=obj.role).pk

    def delete_model(self, request, obj):
        with service_call():
            services.role_weights_set(project=obj.project, planner=request.user,
                                      weights={obj.role.slug: None},
                                      reason=_("Deleted in the admin."))

    def delete_queryset(self, request, queryset):
        # "Delete selected": all or nothing, one service call (and entry) per project.
        by_project = defaultdict(list)
        for weight in queryset.select_related("project", "role"):
            by_project[weight.project].append(weight.role.slug)
        with transaction.atomic(), service_call():
            for project, slugs in by_project.items():
                services.role_weights_set(project=project, planner=request.user,
                                          weights=dict.fromkeys(slugs),
                                          reason=_("Deleted in the admin."))


@admin.register(ProjectVoting)
class ProjectVotingAdmin(ServedOnlyAdmin, ServiceAdmin, admin.ModelAdmin):
    served_through = ("project", Project)
    list_display = ("project", "unverified_weight", "results_public")
    fields = ("project", "unverified_weight", "results_public")

    def get_readonly_fields(self, request, obj=None):
        return ("project",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        # No service deletes a project's rules (it would reset the unverified weight).
        return False

    def save_model(self, request, obj, form, change):
        stored = voting_rules(obj.project)  # the row as saved, not as the form left obj
        with service_call():
            if obj.unverified_weight != stored.unverified_weight:
                services.role_weights_set(project=obj.project, planner=request.user,
                                          weights={}, unverified_weight=obj.unverified_weight,
                                          reason=_("Changed in the admin."))
            services.results_public_set(project=obj.project, planner=request.user,
                                        public=obj.results_public,
                                        reason=_("Changed in the admin."))
        obj.pk = ProjectVoting.objects.get(project=obj.project).pk
