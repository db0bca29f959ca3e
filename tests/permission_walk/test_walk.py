"""Every URL pattern, for every persona: the public reads it, refused personas are
sent to log in or get 401/403/404 and change nothing, allowed ones get the page or
their action done, and nobody ever gets a 500.

The personas: an anonymous visitor, a citizen (who owns a proposal, a comment, a vote
and a role claim), a planner; and, for owner-only URLs, another citizen.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.permission_walk.routes import (
    ACTORS,
    ANONYMOUS,
    OTHER,
    Case,
    allowed,
    check,
    read_expected,
    refusal,
    snapshot,
    url_keys,
)
from tests.permission_walk.table import GROUPS, ROUTES

pytestmark = pytest.mark.django_db


def _cases() -> list[tuple[str, Case]]:
    return [(key, case) for key, spec in ROUTES.items()
            for case in (spec if isinstance(spec, tuple) else (spec,))]


def _walk():
    for key, case in _cases():
        variant = f"[{case.variant}]" if case.variant else ""
        for actor in ACTORS + ((OTHER,) if case.owned else ()):
            yield pytest.param(key, case, actor, id=f"{key}{variant}-{actor}")


def _grouped(key: str) -> bool:
    return any(key.startswith(prefixes) for prefixes in GROUPS)


@pytest.mark.quality("planner-actions")
def test_every_url_pattern_is_classified():
    """A new URL fails here until the table says who may use it."""
    missing = sorted(key for key in url_keys() if key not in ROUTES and not _grouped(key))
    assert not missing, f"add these patterns to tests/permission_walk/table.py: {missing}"


def test_the_table_names_only_patterns_that_exist():
    keys = url_keys()
    gone = sorted(set(ROUTES) - set(keys))
    assert not gone, f"these patterns are gone: remove them from the table: {gone}"
    for prefixes in GROUPS:
        assert any(key.startswith(prefixes) for key in keys), f"no pattern of {prefixes}"
    assert not [key for key in ROUTES if _grouped(key)], "a key both grouped and listed"


def test_the_walk_covers_every_persona_and_variant():
    """Every key is walked, owner-only ones by another citizen too."""
    ids = {param.id for param in _walk()}
    assert {key for key, _ in _cases()} == set(ROUTES)
    assert "dashboard:project-edit-citizen" in ids
    assert "proposals:edit-other" in ids and "reports:file[published]-anonymous" in ids


def _args(args: dict, world: dict) -> dict:
    """The URL's arguments: a world object's slug or pk; anything else as it is."""
    resolved = {}
    for name, value in args.items():
        found = world.get(value) if isinstance(value, str) else None
        if found is None or isinstance(found, str):
            resolved[name] = value if found is None else found
        else:
            resolved[name] = found.slug if name == "slug" else found.pk
    return resolved


def _send(client: Client, method: str, url: str, data: dict, *, api: bool):
    if api:
        return getattr(client, method)(url, data, content_type="application/json")
    return getattr(client, method)(url, data)


def _drain(response) -> None:
    """Read a streamed file to its end, which closes it the way the test client expects
    (`response.close()` here would also close the walk's database connection)."""
    if response.streaming:
        b"".join(response.streaming_content)


@pytest.mark.parametrize(("key", "case", "actor"), list(_walk()))
@pytest.mark.quality("planner-actions")
def test_walk(key: str, case: Case, actor: str, world, client_for):
    client = client_for(actor)
    url = reverse(key, kwargs=_args(case.args, world))
    api = key.startswith("api:")
    expected = read_expected(key, case, actor)
    # A refused GET, and any GET of an action, must not change a row.
    watch = case.read is None or not allowed(case.read, actor)
    before = snapshot() if watch else None
    response = client.get(url)
    check(response, expected, f"GET {url} as {actor}")
    _drain(response)
    if watch:
        assert not _changed(before), f"GET {url} as {actor} changed rows"
    if case.write is not None:
        _write(client, case, actor, url, world, api=api)


def _write(client, case, actor, url, world, *, api):
    permitted = allowed(case.write, actor)
    if permitted:
        expected = case.wrote
    elif actor == ANONYMOUS:
        expected = refusal(case.write, actor, api=api)
    else:
        expected = case.refused
    data = case.data(world) if callable(case.data) else dict(case.data or {})
    for method in case.methods:
        before = snapshot()
        response = _send(client, method, url, data, api=api)
        what = f"{method.upper()} {url} as {actor}"
        check(response, expected, what)
        _drain(response)
        changed = _changed(before)
        if not permitted:
            assert not changed, f"{what} was refused but changed {changed}"
        elif not case.keeps:  # the allowed write did something
            assert changed, f"{what} answered {response.status_code} but changed nothing"


def _changed(before: dict) -> list[str]:
    after = snapshot()
    return sorted(table for table in before if before[table] != after[table])
