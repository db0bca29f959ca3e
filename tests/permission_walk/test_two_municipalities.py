"""The permission walk across two municipalities: nothing of one shows in the other.

Every URL pattern of the walk's table (and the admin's lists and change pages) is asked
under A (the default municipality, at /) and under B (at /b-town/, and at its own host
name), with the served town's objects and with the other town's, by every persona:
anonymous, each town's citizen and planner, the region's planner and a superuser. An
answer under one town never carries the other's marker (towns.py puts one in every
title, text, file and feature property), an object of the other town is never served
(a picture, which carries no marker, must be a 404), and a write naming the other
town's objects changes no row, whoever sends it.

B's dataset shared with the region is the exception: its published layer shows,
read-only, in A's lists, collections and tiles (test_shared_layer_*).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib import admin
from django.db import models, transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.html import escape

from municipalities import resolver
from municipalities.models import Municipality
from tests.permission_walk.routes import Case, snapshot
from tests.permission_walk.table import ROUTES
from tests.permission_walk.test_walk import _args, _drain
from tests.permission_walk.towns import B_HOST, SHARED, towns_make

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "citizen_a", "citizen_b", "planner_a", "planner_b", "regional",
            "admin")
# Who asks in the run by host name: fewer, the prefix run has asked as everyone.
HOST_PERSONAS = ("anonymous", "planner_a", "admin")
# Pages that show nobody's data (the API's schema and documentation, the scripts'
# messages, the health check and metrics): asked by the prefix run alone.
NO_DATA = frozenset({"api-schema", "api-docs", "ogc:api", "ogc:api-docs", "ogc:conformance",
                     "javascript-catalog", "healthz", "metrics", "set_language"})
# Who sends the writes naming the other town's objects.
WRITERS = ("citizen", "planner", "regional", "admin")
# The admin's models that are the deployment's, not a municipality's: people (a planner
# of one may look up anyone who took part), and the municipalities themselves.
DEPLOYMENT_WIDE = {"accounts.user", "municipalities"}
# Queries that make a pattern read what it would otherwise refuse to (a 400).
QUERY = {"api:project-proposal-clusters": "?zoom=14",
         "api:place-list": "?search=marq",
         "dashboard:layer-features": "?q=F"}


@pytest.fixture(scope="module")
def towns(django_db_setup, django_db_blocker, _private_files):
    # In the site's language: a module's fixture is made before the function-scoped ones
    # that reset it, and a title is saved in the language active then.
    with django_db_blocker.unblock(), transaction.atomic(), \
            translation.override(settings.LANGUAGE_CODE):
        yield towns_make()
        transaction.set_rollback(True)
    resolver.forget()  # B is gone: the resolver must not keep serving its prefix


@pytest.fixture(scope="module")
def users(towns) -> dict:
    return {"citizen_a": towns["a"]["citizen"], "citizen_b": towns["b"]["citizen"],
            "planner_a": towns["a"]["planner"], "planner_b": towns["b"]["planner"],
            "regional": towns["regional"], "admin": towns["admin"]}


@pytest.fixture(scope="module")
def logins(users, django_db_blocker) -> dict[str, str]:
    cookies = {}
    with django_db_blocker.unblock():
        for persona, user in users.items():
            client = Client()
            client.force_login(user)
            cookies[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return cookies


@pytest.fixture(scope="module")
def visit(logins):
    """visit(persona, served, path, method="get", data=None, host=False) → response, as
    the persona, under the served town's prefix (or host name)."""
    handler = Client().handler

    def send(persona, served, path, method="get", data=None, *, host=False, api=False):
        client = Client(HTTP_HOST=B_HOST) if host else Client()
        client.handler = handler
        if persona in logins:
            client.cookies[settings.SESSION_COOKIE_NAME] = logins[persona]
        url = f"/b-town{path}" if served == "b" and not host else path
        if method == "get":
            return client.get(url)
        if api:
            return getattr(client, method)(url, data or {}, content_type="application/json")
        return getattr(client, method)(url, data or {})

    return send


@pytest.fixture
def b_host(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, B_HOST, "testserver"]


def body_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content + response.get("Location", "").encode()


def assert_clean(response, marker: str, what: str, url: str = "") -> None:
    """No marker of the other town in the body, nor in a redirect's target (the URL
    asked for, which may name the other town's slug, aside)."""
    assert response.status_code < 500, f"{what}: {response.status_code}"
    body = body_of(response).lower()
    for echo in {url, quote(url, safe=""), quote(url), escape(url)} - {""}:
        body = body.replace(echo.lower().encode(), b"")
    found = body.find(marker.lower().encode())
    assert found < 0, (f"{what} shows the other town's data: "
                       f"{body[max(0, found - 150):found + 60]!r}")


def _cases():
    for key, spec in ROUTES.items():
        for case in spec if isinstance(spec, tuple) else (spec,):
            variant = f"[{case.variant}]" if case.variant else ""
            yield pytest.param(key, case, id=f"{key}{variant}")


def _names_objects(case: Case, world: dict) -> bool:
    return any(isinstance(world.get(v), models.Model | str) and v in world
               for v in case.args.values() if isinstance(v, str))


def _url(key: str, case: Case, world: dict) -> str:
    return reverse(key, kwargs=_args(case.args, world)) + QUERY.get(key, "")


def _personas(served: str, *, cross: bool, host: bool) -> tuple[str, ...]:
    """Everyone asks for the other town's objects; the served town's own pages (which
    may list the other's by mistake) are asked by those who see the most of them."""
    if host:
        return HOST_PERSONAS
    if cross:
        return PERSONAS
    return ("anonymous", f"citizen_{served}", f"planner_{served}", "regional", "admin")


def _walk_reads(key, case, towns, visit, *, host=False):
    pairs = (("a", "b"), ("b", "a")) if not host else (("b", "a"),)
    for served, other in pairs:
        marker = towns[other]["mark"]
        worlds = [towns[served]]
        if _names_objects(case, towns[other]):
            worlds.append(towns[other])
        for world in worlds:
            url = _url(key, case, world)
            cross = world is towns[other]
            personas = (("anonymous",) if key in NO_DATA
                        else _personas(served, cross=cross, host=host))
            for persona in personas:
                response = visit(persona, served, url, host=host)
                what = f"GET {url} under {served}{' (host)' if host else ''} as {persona}"
                assert_clean(response, marker, what, url)
                if cross and key == "media":
                    assert response.status_code == 404, what


@pytest.mark.parametrize(("key", "case"), list(_cases()))
@pytest.mark.quality("tenant-walls")
def test_reads_show_nothing_of_the_other_town(key, case, towns, visit):
    _walk_reads(key, case, towns, visit)


@pytest.mark.parametrize(("key", "case"), list(_cases()))
@pytest.mark.quality("tenant-walls")
def test_reads_by_host_name(key, case, towns, visit, b_host):
    if key in NO_DATA:
        pytest.skip("shows no municipality's data")
    _walk_reads(key, case, towns, visit, host=True)


def _write_cases():
    for param in _cases():
        key, case = param.values
        if case.write is not None and (case.args or callable(case.data)):
            yield param


@pytest.mark.parametrize(("key", "case"), list(_write_cases()))
@pytest.mark.quality("tenant-walls")
def test_writes_to_the_other_towns_objects_change_nothing(key, case, towns, visit):
    """The other town's ids (or role, in a claim) sent under a town, by anyone: refused."""
    for served, other in (("a", "b"), ("b", "a")):
        world = towns[other]
        if case.args and not _names_objects(case, world):
            continue
        url = _url(key, case, world) if case.args else _url(key, case, towns[served])
        data = case.data(world) if callable(case.data) else dict(case.data or {})
        for writer in WRITERS:
            persona = writer if writer in ("regional", "admin") else f"{writer}_{served}"
            for method in case.methods:
                before = snapshot()
                response = visit(persona, served, url, method, data,
                                 api=key.startswith("api:"))
                what = f"{method.upper()} {url} under {served} as {persona}"
                assert response.status_code < 500, f"{what}: {response.status_code}"
                _drain(response)
                after = snapshot()
                changed = sorted(t for t in before if before[t] != after[t])
                assert not changed, f"{what} changed {changed}"


# ----------------------------------------------------------------------- the admin
def _admin_models():
    for model in admin.site._registry:
        yield pytest.param(model, id=model._meta.label_lower)


@pytest.mark.parametrize("model", list(_admin_models()))
@pytest.mark.quality("tenant-walls")
def test_admin_lists_and_pages_show_nothing_of_the_other_town(model, towns, visit):
    meta = model._meta
    changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    for served, other in (("a", "b"), ("b", "a")):
        marker = towns[other]["mark"]
        objects = [v for v in towns[other].values() if isinstance(v, model)]
        for persona in ("planner_a", "planner_b", "regional", "admin"):
            assert_clean(visit(persona, served, changelist), marker,
                         f"{changelist} under {served} as {persona}")
            for obj in objects:
                try:
                    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change",
                                  args=[obj.pk])
                except NoReverseMatch:
                    continue
                response = visit(persona, served, url)
                what = f"{url} ({other}'s) under {served} as {persona}"
                assert_clean(response, marker, what, url)
                if not {meta.label_lower, meta.app_label} & DEPLOYMENT_WIDE:
                    assert response.status_code != 200, what


# ------------------------------------------------- what the region shares, read-only
def _json(response):
    assert response.status_code == 200, response.content[:300]
    return body_of(response).decode()


def test_a_layer_shared_with_the_region_shows_in_its_other_municipalities(towns, visit):
    layer, idea = towns["shared_layer"], towns["a"]["idea"]
    for persona in ("anonymous", "citizen_a", "planner_a"):
        assert SHARED in _json(visit(persona, "a", reverse("api:layer-list")))
        assert SHARED in _json(visit(persona, "a", reverse("api:layer-detail",
                                                           args=[layer.pk])))
        assert SHARED in _json(visit(persona, "a", reverse("ogc:collections")))
        assert SHARED in _json(visit(persona, "a", reverse("proposals:project",
                                                           args=[idea.slug])))
        tile = visit(persona, "a", reverse("gisdata:layer-tile", args=[layer.pk, 0, 0, 0]))
        assert tile.status_code == 200 and SHARED.encode() in tile.content


def test_an_unpublished_layer_of_a_shared_dataset_does_not(towns, visit):
    hidden = towns["shared_hidden_layer"]
    for persona in ("anonymous", "planner_a", "regional", "admin"):
        for url in (reverse("api:layer-detail", args=[hidden.pk]),
                    reverse("gisdata:layer-tile", args=[hidden.pk, 0, 0, 0])):
            assert visit(persona, "a", url).status_code == 404, (url, persona)


def test_nor_outside_the_region(towns, visit):
    Municipality.objects.create(slug="c-town", name="C Town")  # in no region
    try:
        body = _json(Client().get("/c-town" + reverse("api:layer-list")))
        assert SHARED not in body and towns["b"]["mark"] not in body
    finally:
        resolver.forget()


@pytest.mark.quality("tenant-walls")
def test_a_shared_layer_cannot_be_changed_from_another_municipality(towns, visit):
    layer = towns["shared_layer"]
    writes = [("dashboard:layer-edit", {"title": "Changed", "label_property": ""}),
              ("dashboard:layer-style", {"color": "#ff0000"}),
              ("dashboard:layer-publish", {"published": ""}),
              ("dashboard:constraint-add", {"new-rule": "inside", "new-severity": "info",
                                            "new-message": "Changed"})]
    for persona in ("planner_a", "regional", "admin"):
        for key, data in writes:
            url = reverse(key, args=[layer.pk])
            before = snapshot()
            response = visit(persona, "a", url, "post", data)
            assert response.status_code in {302, 400, 403, 404}, (url, persona)
            assert snapshot() == before, f"POST {url} as {persona} changed the shared layer"
    # Its own municipality's planner still can.
    before = snapshot()
    visit("planner_b", "b", reverse("dashboard:layer-style", args=[layer.pk]), "post",
          {"color": "#ff0000"})
    assert snapshot() != before


# --------------------------------------------------------------- ?municipality=<slug>
LISTS = ("api:project-list", "api:proposal-list", "api:dataset-list", "api:layer-list")


def test_municipality_narrows_the_open_data_lists(towns, visit):
    a_slug = towns["a"]["municipality"].slug
    a_mark, b_mark = towns["a"]["mark"], towns["b"]["mark"]
    for key in LISTS:
        own = _json(visit("anonymous", "a", f"{reverse(key)}?municipality={a_slug}"))
        assert a_mark in own and SHARED not in own, key
        # B's, seen from A: only what B shares with the region.
        other = _json(visit("anonymous", "a", f"{reverse(key)}?municipality=b-town"))
        assert a_mark not in other and b_mark not in other, key
    layers = _json(visit("anonymous", "a", f"{reverse('api:layer-list')}?municipality=b-town"))
    assert SHARED in layers


def test_an_unknown_municipality_is_a_400_that_says_so(towns, visit):
    for key in LISTS:
        response = visit("anonymous", "a", f"{reverse(key)}?municipality=atlantis")
        assert response.status_code == 400, key
        assert response.json()["municipality"] == ["No municipality has this slug."], key


def test_the_municipalities_list(towns, visit):
    for served in ("a", "b"):
        response = visit("anonymous", served, reverse("api:municipality-list"))
        assert response.status_code == 200
        found = {m["slug"]: m for m in response.json()}
        a = found[towns["a"]["municipality"].slug]
        assert a["is_default"] and a["url"] == "http://testserver/"
        assert a["region"] == {"slug": "walk-region", "name": "Walk region"}
        b = found["b-town"]
        assert b["url"] == f"http://{B_HOST}/" and b["api"] == f"http://{B_HOST}/api/v1/"
        assert b["ogc"].startswith(f"http://{B_HOST}/ogc")
