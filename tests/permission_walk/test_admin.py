"""The Django admin, for every persona: visitors and citizens are sent to the admin's log
in and change nothing; planners (staff) reach only the models their group has a
permission on; the site administrator reaches all of them; nobody gets a 500.

The admin's ~100 patterns are one group in the table (STAFF). They are walked here by a
representative sample, read from the admin site itself, so a model registered later
is walked too: the start page, each app's page, and each model's list, "add", "change"
and "delete" pages; plus the role-claim "Decide" screen, the admin's own view that
verifies roles.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from accounts.groups import PLANNER_PERMISSIONS
from tests.permission_walk.routes import (
    ANONYMOUS,
    CITIZEN,
    LOGIN,
    PLANNER_USER,
    STAFF,
    check,
    snapshot,
    url_keys,
)
from tests.permission_walk.table import GROUPS

pytestmark = pytest.mark.django_db

ADMIN_USER = "admin"
PERSONAS = (ANONYMOUS, CITIZEN, PLANNER_USER, ADMIN_USER)
# Some models take no additions, and keep every row, whoever asks.
ADD_OR_NOT = frozenset({200, 403})


def _granted(app_label: str, *actions: str, model: str) -> bool:
    return any(f"{app_label}.{action}_{model}" in PLANNER_PERMISSIONS for action in actions)


def _sample():
    """(key, url arguments from the world, view, app label, model name)."""
    yield "admin:index", None, "index", "", ""
    for app_label in sorted({m._meta.app_label for m in admin.site._registry}):
        yield "admin:app_list", {"app_label": app_label}, "app", app_label, ""
    for model in admin.site._registry:
        app_label, name = model._meta.app_label, model._meta.model_name
        for view in ("changelist", "add", "change", "delete"):
            yield f"admin:{app_label}_{name}_{view}", None, view, app_label, name
    yield "admin:accounts_roleclaim_decide", {"pk": "claim"}, "decide", "accounts", "roleclaim"


def _walk():
    for key, args, view, app_label, model in _sample():
        for persona in PERSONAS:
            label = f"{key}[{app_label}]" if view == "app" else key
            yield pytest.param(key, args, view, app_label, model, persona,
                               id=f"{label}-{persona}")


def _expected(view: str, app_label: str, model: str, persona: str) -> frozenset:
    if persona in (ANONYMOUS, CITIZEN):  # not staff: to the admin's log-in page
        return frozenset({LOGIN})
    if persona == ADMIN_USER:
        return ADD_OR_NOT if view in ("add", "delete") else frozenset({200})
    # A planner: as far as the planner group's permissions (accounts/groups.py) go.
    if view in ("index", "decide"):
        return frozenset({200})
    if view == "app":
        mine = any(p.startswith(f"{app_label}.") for p in PLANNER_PERMISSIONS)
        return frozenset({200 if mine else 404})
    if view in ("add", "delete"):
        return ADD_OR_NOT if _granted(app_label, view, model=model) else frozenset({403})
    return frozenset({200 if _granted(app_label, "view", "change", model=model) else 403})


def test_the_sample_covers_every_registered_model():
    [prefixes] = [p for p, access in GROUPS.items() if access == STAFF]
    keys = {key for key in url_keys() if key.startswith(prefixes)}
    walked = {param.values[0] for param in _walk()}
    assert walked <= keys
    for model in admin.site._registry:
        assert f"admin:{model._meta.app_label}_{model._meta.model_name}_change" in walked


@pytest.mark.parametrize(("key", "args", "view", "app_label", "model", "persona"),
                         list(_walk()))
@pytest.mark.quality("planner-actions")
def test_admin(key, args, view, app_label, model, persona, world, client_for):
    client = client_for(persona)
    kwargs = {}
    if view in ("change", "delete"):  # any row of the model will do
        rows = apps.get_model(app_label, model)._default_manager.order_by("pk")
        kwargs = {"object_id": rows.first().pk}
    elif args:
        kwargs = {name: world[value].pk if value in world else value
                  for name, value in args.items()}
    url = reverse(key, kwargs=kwargs)
    expected = _expected(view, app_label, model, persona)
    login = reverse("admin:login")

    before = snapshot()
    check(client.get(url), expected, f"GET {url} as {persona}", login=login)
    refused = not expected & {200}
    if refused and view in ("add", "change", "delete", "decide"):  # a write is refused too
        response = client.post(url, {"post": "yes", "decision": "verify", "is_active": "on"})
        check(response, expected, f"POST {url} as {persona}", login=login)
    assert snapshot() == before, f"{url} as {persona} changed rows"
