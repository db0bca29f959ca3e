"""Who may open a dashboard page: one named permission per view, checked on every view.

Anonymous visitors are sent to log in; signed-in users without the permission get 403.
`tests/dashboard/test_permissions.py` walks every URL of `dashboard/urls.py` through
this for the three personas, so a new page cannot be added unchecked.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from voting.budget_selectors import can_assess


def planner_only(permission: str):
    def decorate(view):
        checked = login_required(permission_required(permission, raise_exception=True)(view))
        checked.dashboard_permission = permission  # read by the permission tests
        return checked
    return decorate


def planner_or_assessor(permission: str, project_of: Callable):
    """A page of one project that planners with `permission` open, and so do the
    people asked to assess that project's proposals (voting's `Assessor`), who are no
    planners: nothing else of the dashboard opens to them.

    `project_of(**url_kwargs)` finds the project (a 404 outside the municipality being
    served); the view gets it as `project`. Anyone else gets 403, the same whether the
    project exists or not, so that a slug cannot be probed."""
    def decorate(view):
        @wraps(view)
        def checked(request, **kwargs):
            if request.user.has_perm(permission):
                project = project_of(**kwargs)
            else:
                try:
                    project = project_of(**kwargs)
                except Http404:
                    raise PermissionDenied from None
                if not can_assess(request.user, project):
                    raise PermissionDenied
            return view(request, project=project, **kwargs)
        checked = login_required(checked)
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


def form_action(page: Callable[..., str]):
    """The URL a form of `page` posts to (`page` takes the URL's arguments and gives the
    page's path). It takes POST only, but it is never a dead end:

    - opened by GET (a reload of a form sent back with errors, a bookmark, a redirect)
      it sends to the page, with the query string, instead of a bare 405;
    - on POST, `request.page_path` is the page the form came from (its `next`, or
      `page`), without a fragment. A page re-rendered here after a validation error
      gives it to its forms as `next` (`request.page_path|default:request.get_full_path`),
      so the corrected form, sent again, lands on the page and not on this URL.
    """
    def decorate(view):
        @wraps(view)
        def action(request, *args, **kwargs):
            home = page(**kwargs)
            if request.method in ("GET", "HEAD"):
                query = request.META.get("QUERY_STRING", "")
                return redirect(f"{home}?{query}" if query else home)
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            request.page_path = next_url(request, home).split("#")[0]
            return view(request, *args, **kwargs)
        return action
    return decorate
