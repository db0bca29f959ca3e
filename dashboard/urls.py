from django.urls import path

from dashboard import (
    area_picker,
    budget_views,
    imports,
    layers,
    merge_views,
    moderation,
    participation,
    projects,
    proposal_views,
    region_views,
    replicate_views,
    reports,
    roles,
    views,
)

app_name = "dashboard"
urlpatterns = [
    path("", views.index, name="index"),
    path("audit/", views.audit_log, name="audit"),
    # Projects: set-up, overview, weights, proposals.
    path("projects/", projects.projects_list, name="projects"),
    path("participation/", participation.participation_by_area, name="participation"),
    path("projects/new/", projects.project_new, name="project-new"),
    path("projects/<slug:slug>/", projects.project_overview, name="project"),
    path("projects/<slug:slug>/edit/", projects.project_edit, name="project-edit"),
    path("projects/<slug:slug>/weights/", projects.project_weights, name="project-weights"),
    path("projects/<slug:slug>/proposals/", proposal_views.project_proposals,
         name="project-proposals"),
    # A participatory budget: set-up, assessors, outcomes (planners); the proposals'
    # assessments (planners and the project's assessors).
    path("projects/<slug:slug>/budget/", budget_views.project_budget, name="project-budget"),
    path("projects/<slug:slug>/budget/assessors/", budget_views.project_assessors,
         name="project-assessors"),
    path("projects/<slug:slug>/budget/outcomes/", budget_views.project_outcomes,
         name="project-outcomes"),
    path("projects/<slug:slug>/assessments/", budget_views.project_assessments,
         name="project-assessments"),
    path("proposals/<int:pk>/assessment/", budget_views.proposal_assessment,
         name="proposal-assessment"),
    path("projects/<slug:slug>/replicate/", replicate_views.project_replicate_view,
         name="project-replicate"),
    path("proposals/<int:pk>/status/", proposal_views.proposal_status, name="proposal-status"),
    path("proposals/<int:pk>/answer/", proposal_views.proposal_answer, name="proposal-answer"),
    path("proposals/<int:pk>/merge/", merge_views.proposal_merge_view, name="proposal-merge"),
    # Queues.
    path("moderation/", moderation.moderation_queue, name="moderation"),
    path("moderation/proposals/<int:pk>/", moderation.proposal_moderate,
         name="moderate-proposal"),
    path("moderation/comments/<int:pk>/", moderation.comment_moderate,
         name="moderate-comment"),
    path("roles/", roles.role_claims, name="roles"),
    path("roles/claims/<int:pk>/", roles.role_claim, name="role-claim"),
    # Datasets and layers.
    path("imports/", imports.imports_list, name="imports"),
    path("imports/new/", imports.import_new, name="import-new"),
    path("imports/runs/<int:pk>/", imports.import_run, name="import-run"),
    path("imports/runs/<int:pk>/retry/", imports.import_retry, name="import-retry"),
    path("imports/layers/<int:pk>/publish/", imports.layer_publish_view,
         name="layer-publish"),
    path("layers/<int:pk>/", layers.layer_detail, name="layer"),
    path("layers/<int:pk>/edit/", layers.layer_edit, name="layer-edit"),
    path("layers/<int:pk>/features/", area_picker.layer_features, name="layer-features"),
    path("layers/<int:pk>/style/", layers.layer_style, name="layer-style"),
    path("layers/<int:pk>/constraints/", layers.constraint_add, name="constraint-add"),
    path("constraints/<int:pk>/", layers.constraint_edit, name="constraint-edit"),
    # Decision reports.
    path("reports/", reports.reports_index, name="reports"),
    path("reports/projects/<slug:slug>/", reports.project_reports, name="project-reports"),
    path("reports/projects/<slug:slug>/compile/", reports.report_compile,
         name="report-compile"),
    path("reports/<int:pk>/publish/", reports.report_publish, name="report-publish"),
    # The region the municipality belongs to: its municipalities side by side.
    path("region/", region_views.region_dashboard, name="region"),
    path("region/report.csv", region_views.region_report, name="region-report"),
]
