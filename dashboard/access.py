"""Who may open a dashboard page: one named permission per view, checked on every view.

Anonymous visitors are sent to log in; signed-in users without the permission get 403.
`tests/dashboard/test_permissions.py` walks every URL of `dashboard/urls.py` through
this for the three personas, so a new page cannot be added unchecked.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.utils.http import url_has_allowed_host_and_scheme


def planner_only(permission: str):
    def decorate(view):
        checked = login_required(permission_required(permission, raise_exception=True)(view))
        checked.dashboard_permission = permission  # read by the permission tests
        return checked
    return decorate


def error_text(error) -> str:
    """A form's or a service's errors as one sentence for a message."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return " ".join(str(m) for messages in error.values() for m in messages)


def next_url(request, default: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return default
