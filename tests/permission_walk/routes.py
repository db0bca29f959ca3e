"""What the walk knows about URLs: every pattern of the project, who may use it, and
what each persona should get back.

A pattern is named by its key: `namespace:name` (`dashboard:project-edit`, `api:my-votes`,
`account_login`), or its route when it has no name (the admin's redirects such as
`admin/proposals/project/<path:object_id>/`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver

# Who may use a URL.
PUBLIC = "public"                      # anyone, signed in or not
USER = "user"                          # any signed-in user, for their own account or vote
OWNER = "owner"                        # the citizen who made the object, and nobody else
OWNER_OR_PLANNER = "owner-or-planner"  # ... or a planner, who reviews it
PLANNER = "planner"                    # planners: visitors are sent to log in, others 403/404
HIDDEN = "hidden"                      # planners: everyone else 404, so it is not even known
NOBODY = "nobody"                      # open data never serves it (a draft): 404 to all
STAFF = "staff"                        # the Django admin: staff, within their permissions

ANONYMOUS, CITIZEN, OTHER, PLANNER_USER = "anonymous", "citizen", "other", "planner"
ACTORS = (ANONYMOUS, CITIZEN, PLANNER_USER)
LOGIN = "login"  # in a set of statuses: a 302 to the log-in page
WROTE = frozenset({200, 201, 204, 302})
REFUSED = frozenset({403, 404})


@dataclass(frozen=True)
class Case:
    """One way of calling a pattern, and who may.

    `read` is who may GET it (None: it takes writes only, and a GET must answer 405 or
    a refusal); `write` is who may send `methods` to it, with `data` (a dict, or a
    function of the world). `args` names the world's objects the URL takes (a `slug`
    argument gets the object's slug, others its pk; anything not in the world is taken
    as it is).
    """

    read: str | None = None
    write: str | None = None
    args: dict = field(default_factory=dict)
    methods: tuple[str, ...] = ("post",)
    data: dict | Callable[[dict], dict] | None = None
    ok: frozenset = frozenset({200})  # what an allowed GET answers
    wrote: frozenset = WROTE  # what an allowed write answers
    refused: frozenset = REFUSED  # what a signed-in user's refused write answers
    answers: dict = field(default_factory=dict)  # persona → statuses of a GET, when special
    keeps: bool = False  # an allowed write changes no row: a download, a form sent back
    variant: str = ""

    @property
    def owned(self) -> bool:
        """Owner-only patterns are also asked by another citizen."""
        return OWNER in (self.read, self.write) or OWNER_OR_PLANNER in (self.read, self.write)


def url_keys(patterns=None, prefix: str = "", namespace: str = "") -> dict[str, str]:
    """Every pattern below the root URLconf: key → its route, as a template."""
    found: dict[str, str] = {}
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            found.update(url_keys(pattern.url_patterns, route, inner))
        elif isinstance(pattern, URLPattern):
            key = route
            if pattern.name:
                key = f"{namespace}:{pattern.name}" if namespace else pattern.name
            assert key not in found, f"two patterns answer to {key}"
            found[key] = route
    return found


def allowed(access: str, actor: str) -> bool:
    if access == PUBLIC:
        return True
    if actor == ANONYMOUS or access == NOBODY:
        return False
    return {USER: True, OWNER: actor == CITIZEN,
            OWNER_OR_PLANNER: actor in (CITIZEN, PLANNER_USER)}.get(
        access, actor == PLANNER_USER)


def refusal(access: str, actor: str, *, api: bool) -> frozenset:
    """What a refused persona gets: a visitor is asked to log in (the API answers 401 or
    403), a signed-in user 403 or 404; what is hidden is 404 to everyone."""
    if access in (HIDDEN, NOBODY):
        return frozenset({404})
    if actor == ANONYMOUS:
        return frozenset({401, 403}) if api else frozenset({LOGIN})
    return REFUSED


def read_expected(key: str, case: Case, actor: str) -> frozenset:
    api = key.startswith("api:")
    if actor in case.answers:
        return frozenset(case.answers[actor])
    if case.read is None:  # an action: a GET never runs it
        refused = not allowed(case.write, actor)
        return frozenset({405}) | (refusal(case.write, actor, api=api) if refused else set())
    if actor in case.answers:
        return frozenset(case.answers[actor])
    if allowed(case.read, actor):
        return case.ok
    return refusal(case.read, actor, api=api)


def login_url() -> str:
    return resolve_url(settings.LOGIN_URL)


def check(response, expected: frozenset, what: str, *, login: str | None = None) -> None:
    """The response is one of `expected`; a 302 to the log-in page counts only as LOGIN."""
    login = login or login_url()
    status = response.status_code
    assert status < 500, f"{what}: {status}"
    to_login = status == 302 and response["Location"].split("?")[0] == login
    if to_login:
        assert LOGIN in expected, f"{what}: sent to log in, expected {sorted(map(str, expected))}"
    else:
        assert status in expected, (
            f"{what}: {status} {response.get('Location', '')}, "
            f"expected {sorted(map(str, expected))}")


# ------------------------------------------------------------------------ the database
SNAPSHOT_APPS = ("audit", "accounts", "proposals", "voting", "gisdata", "reports", "dashboard",
                 "notifications", "authtoken", "account", "auth", "admin", "energy")


def _tables() -> list[str]:
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.app_label in SNAPSHOT_APPS and meta.managed and not meta.proxy:
            tables.add(meta.db_table)
    return sorted(tables)


def snapshot() -> dict[str, str]:
    """A digest of every row of the project's tables (the log-in table aside), in one
    query: a refused request must leave each of them as it was."""
    tables = _tables()
    quote = connection.ops.quote_name
    # Table names come from the models' metadata, quoted; nothing from a request.
    digest = "SELECT %s, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM "
    sql = " UNION ALL ".join(f"{digest}{quote(table)} t" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql, tables)
        return dict(cursor.fetchall())
