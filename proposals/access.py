"""Who may open an unlisted project: whoever followed its link.

The link is the project's page with `?key=<link_key>` (Project.link_path). A request that
carries a project's key, on any address, may open that project; with a session (a
browser), the key is remembered there, so the project's other pages and the map's API
calls need not carry it. `Project.objects.visible_to(user)` reads the projects so
opened from `user.unlisted_project_ids`, which this middleware sets.

The key is compared in the database (a unique index): a wrong key opens nothing and
says nothing, the same 404 as an unknown address.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication

from proposals.models import Project, Visibility

SESSION_KEY = "plaza_unlisted_projects"
KEY_PARAM = "key"


class UnlistedLinkMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        granted = self._remembered(request)
        key = request.GET.get(KEY_PARAM, "")
        if key and len(key) <= 64:
            pk = (Project.objects.filter(visibility=Visibility.UNLISTED, link_key=key)
                  .values_list("pk", flat=True).first())
            if pk is not None and pk not in granted:
                granted = granted | {pk}
                request.session[SESSION_KEY] = sorted(granted)
        if granted:  # left alone otherwise: no need to load the user for nothing
            request.user.unlisted_project_ids = frozenset(granted)
        return self.get_response(request)

    @staticmethod
    def _remembered(request) -> frozenset[int]:
        # Only a request with a session cookie has a session to read: reading one
        # otherwise would add "Vary: Cookie" to every anonymous answer.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return frozenset()
        return frozenset(int(pk) for pk in request.session.get(SESSION_KEY, ()))


class UnlistedLinkAuthentication(BaseAuthentication):
    """The API's last authentication: a request that no other one recognised (so an
    anonymous one) keeps Django's anonymous user, with the unlisted projects its link
    opened; without this, DRF would give the view a fresh AnonymousUser without them.
    It signs no one in: the user stays anonymous, and may only read."""

    def authenticate(self, request):
        user = getattr(request._request, "user", None)
        if user is not None and not user.is_authenticated and getattr(
                user, "unlisted_project_ids", None):
            return (user, None)
        return None


class UnlistedLinkScheme(OpenApiAuthenticationExtension):
    """The schema names the link's key as what it is: an optional key in the query."""

    target_class = UnlistedLinkAuthentication
    name = "unlistedProjectKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "query", "name": KEY_PARAM,
                "description": "The key in an unlisted project's link: opens that project "
                               "and its proposals to this request."}
