"""The planners' dashboard: the daily work that the Django admin does not arrange well."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render

from accounts.selectors import role_claims_pending
from proposals.comment_selectors import comments_flagged
from proposals.selectors import proposals_flagged


@login_required
@permission_required("accounts.verify_roleclaim", raise_exception=True)
def index(request):
    pending = role_claims_pending()
    return render(request, "dashboard/index.html", {
        "pending_claims": pending[:50],
        "pending_count": pending.count(),
        "flagged": proposals_flagged()[:50],
        "flagged_comments": comments_flagged()[:50],
    })
