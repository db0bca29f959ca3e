"""The planners' dashboard: the start page with what waits, and the audit log."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import render

from accounts.selectors import role_claims_pending
from audit.models import AuditAction
from audit.selectors import audit_entries
from dashboard import selectors
from dashboard.access import planner_only
from proposals.comment_selectors import comments_flagged
from proposals.models import Project
from proposals.selectors import proposals_flagged

AUDIT_PAGE = 50


@planner_only("accounts.verify_roleclaim")
def index(request):
    pending = role_claims_pending()
    return render(request, "dashboard/index.html", {
        "pending_claims": pending[:50],
        "pending_count": pending.count(),
        "flagged": proposals_flagged()[:50],
        "flagged_comments": comments_flagged()[:50],
        "projects": selectors.projects_for_dashboard()[:20],
    })


@planner_only("audit.view_auditentry")
def audit_log(request):
    """Everything planners did that citizens see, newest first; filtered by project or
    action. Read-only here, in the admin and in the database."""
    project = request.GET.get("project", "")
    action = request.GET.get("action", "")
    entries = audit_entries(project_id=int(project) if project.isdigit() else None,
                            action=action)
    page = Paginator(entries, AUDIT_PAGE).get_page(request.GET.get("page"))
    return render(request, "dashboard/audit.html", {
        "page": page, "actions": AuditAction.choices, "action": action,
        "projects": Project.objects.order_by("title").values_list("pk", "title"),
        "project": int(project) if project.isdigit() else None,
        "query": urlencode({k: v for k, v in (("project", project), ("action", action))
                            if v}),
    })
