"""Where log-in, sign-up and e-mail confirmation take people: back to the page they were on.

Every "Log in" and "Sign up" link carries that page as `next` (the header's, the vote
box's, the comments', the project page's); allauth keeps it through the log-in form, the
sign-up form and the e-mail confirmation, and redirects to it only when it is a path on
this site (`AccountAdapter.is_safe_url`). With no `next`, a log-in lands on the home page,
a planner's on the dashboard (`AccountAdapter.get_login_redirect_url`).
"""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

# allauth's own pages: a link on them passes their `next` on instead of pointing at them.
ENTRANCE_PAGES = frozenset({
    "account_login", "account_signup", "account_logout", "account_reset_password",
    "account_reset_password_done", "account_reset_password_from_key",
    "account_reset_password_from_key_done", "account_email_verification_sent",
    "account_confirm_email", "account_inactive",
})


def local_path(url: str | None) -> str:
    """`url` if it is a path on this site ("/projects/x/"), else "": never another host
    (`https://evil.example/`, `//evil.example`), never a scheme (`javascript:`)."""
    if not url or not url.startswith("/") or url.startswith("//"):
        return ""
    return url if url_has_allowed_host_and_scheme(url, allowed_hosts=None) else ""


def requested_next(request) -> str:
    """The `next` a request carries (form field or query), if it is a path on this site."""
    if request is None:
        return ""
    return local_path(request.POST.get("next") or request.GET.get("next"))


def page_next(request) -> str:
    """The page a log-in or sign-up link on this request's page should come back to.

    On allauth's own pages, the `next` they were opened with; on the home page none, so
    that a planner lands on the dashboard and anyone else on the home page again; on any
    other page, that page (the one a form came from, when it was sent back with errors).
    """
    match = getattr(request, "resolver_match", None)
    if match is not None and match.url_name in ENTRANCE_PAGES:
        return requested_next(request)
    path = getattr(request, "page_path", "") or request.get_full_path()
    if path == reverse("proposals:home"):
        return ""
    return local_path(path)


def with_next(url: str, next_path: str) -> str:
    return f"{url}?{urlencode({'next': next_path})}" if next_path else url
