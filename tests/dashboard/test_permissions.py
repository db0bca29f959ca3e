"""Every URL of the dashboard, for every persona: anonymous visitors are sent to log in,
citizens are refused (403) and nothing changes, planners get the page.

The URLs are read from dashboard/urls.py, so a page added there without a line in
ARGS fails `test_every_dashboard_url_is_in_the_matrix` until someone decides what it
needs, and is then walked by the other tests like all the others.
"""

import pytest
from django.urls import URLPattern, reverse

from audit.models import AuditEntry
from dashboard import urls as dashboard_urls
from proposals.models import CommentFlag, Flag, Proposal

pytestmark = pytest.mark.django_db

# URL name → the keyword arguments it takes, from the `world` fixture (tests/dashboard/
# conftest.py); "post" marks the actions that accept only POST.
ARGS = {
    "index": {},
    "audit": {},
    "projects": {},
    "project-new": {},
    "participation": {},
    "project": {"slug": "project"},
    "project-edit": {"slug": "project"},
    "project-weights": {"slug": "project"},
    "project-proposals": {"slug": "project"},
    "project-replicate": {"slug": "project", "post": True},
    "project-budget": {"slug": "project"},
    "project-assessors": {"slug": "project", "post": True},
    "project-outcomes": {"slug": "project", "post": True},
    "project-assessments": {"slug": "project"},
    "proposal-assessment": {"pk": "proposal"},
    "proposal-status": {"pk": "proposal", "post": True},
    "proposal-answer": {"pk": "proposal", "post": True},
    "proposal-merge": {"pk": "proposal"},
    "moderation": {},
    "moderate-proposal": {"pk": "proposal", "post": True},
    "moderate-comment": {"pk": "comment", "post": True},
    "roles": {},
    "role-claim": {"pk": "claim"},
    "imports": {},
    "import-new": {},
    "import-run": {"pk": "run"},
    "import-retry": {"pk": "run", "post": True},
    "layer-publish": {"pk": "layer", "post": True},
    "layer": {"pk": "layer"},
    "layer-edit": {"pk": "layer", "post": True},
    "layer-features": {"pk": "layer"},
    "layer-style": {"pk": "layer", "post": True},
    "constraint-add": {"pk": "layer", "post": True},
    "constraint-edit": {"pk": "constraint", "post": True},
    "reports": {},
    "project-reports": {"slug": "project"},
    "report-compile": {"slug": "project", "post": True},
    "report-publish": {"pk": "report", "post": True},
    "region": {},
    "region-report": {},
}
# The region's pages are its regional planners' (tests/dashboard/test_region.py): the
# municipality's planner of this world gets a 404 there, its municipality in no region.
REGIONAL = {"region", "region-report"}
# What a citizen's request would do if it got through: enough to change something.
POST_DATA = {"action": "hide", "reason": "Spam", "status": "shortlisted", "answer": "Yes.",
             "published": "on", "color": "#ff0000", "decision": "verify", "epsg": "25831",
             "new-rule": "intersects", "new-severity": "info", "new-message": "Hi",
             "title": "Renamed"}


def _names() -> set[str]:
    return {p.name for p in dashboard_urls.urlpatterns if isinstance(p, URLPattern)}


def test_every_dashboard_url_is_in_the_matrix():
    assert _names() == set(ARGS), "add the new URL to ARGS (and decide who may open it)"


def _requests(world):
    for name, spec in ARGS.items():
        kwargs = {}
        for key, source in spec.items():
            if key == "post":
                continue
            obj = world[source]
            kwargs[key] = obj.slug if key == "slug" else obj.pk
        yield name, reverse(f"dashboard:{name}", kwargs=kwargs), spec.get("post", False)


def _state():
    return (Flag.objects.count(), CommentFlag.objects.count(), AuditEntry.objects.count(),
            list(Proposal.objects.values_list("status", "is_hidden", "official_answer")))


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    for name, url, post in _requests(world):
        response = client.post(url, POST_DATA) if post else client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith("/accounts/login/"), name


@pytest.mark.quality("planner-actions")
def test_citizens_are_refused_and_nothing_changes(client, world, citizen):
    before = _state()
    client.force_login(citizen)
    for name, url, post in _requests(world):
        response = client.post(url, POST_DATA) if post else client.get(url)
        assert response.status_code == 403, name
    assert _state() == before


def test_planners_open_every_page(client, world, planner):
    client.force_login(planner)
    for name, url, post in _requests(world):
        if post:  # actions take POST only; opened by GET, they send to their page
            response = client.get(url)
            assert response.status_code == 302, name
            assert response["Location"].startswith("/dashboard/"), name
            assert client.get(response["Location"]).status_code == 200, name
        elif name in REGIONAL:
            assert client.get(url).status_code == 404, name
        else:
            assert client.get(url).status_code == 200, name


@pytest.mark.quality("planner-actions")
def test_every_dashboard_view_names_its_permission():
    """The dashboard's own views declare one named permission (dashboard/access.py)."""
    others = {"imports", "import-new", "import-run", "import-retry", "layer-publish",
              "reports", "project-reports", "report-compile", "report-publish"}
    for pattern in dashboard_urls.urlpatterns:
        if pattern.name in others:
            continue
        assert getattr(pattern.callback, "dashboard_permission", ""), pattern.name
