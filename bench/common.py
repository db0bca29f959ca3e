"""What every benchmark shares: its own database, Django set up on it, output, statistics.

Benchmarks run against `plaza_bench`, a database of their own on the same server as
DATABASE_URL (the private cluster of `platform/services.py` unless the environment
says otherwise): the developer's data and the tests' databases are never touched, and
the seeded rows stay between runs so that a second run is fast. The cache uses a Redis
database of its own too (12), so the API throttle counts bench requests apart from
`make run`'s.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

# BENCH_DATABASE: another name, so that two checkouts can bench on one server at once.
BENCH_DATABASE = os.environ.get("BENCH_DATABASE", "plaza_bench")
BENCH_CACHE_DB = 12  # local uses 0 and 1, tests 14 and 15


def out(line: str = "") -> None:
    """One line on stdout, flushed (print is for the project's own commands)."""
    sys.stdout.write(f"{line}\n")
    sys.stdout.flush()


def fail(message: str) -> None:
    """A correctness problem, not a timing one: say it on stderr and exit non-zero."""
    sys.stderr.write(f"bench: ERROR: {message}\n")
    sys.exit(1)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def libpq_url(url: str) -> str:
    """postgis://… (Django's scheme) → postgresql://… (libpq's)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


def setup_django() -> str:
    """Create `plaza_bench` if missing, point Django at it, migrate; return its libpq URL."""
    from config.env import read_services_env, redis_url_with_db

    read_services_env()  # DATABASE_URL / REDIS_URL from var/services.env; the environment wins
    if "DATABASE_URL" not in os.environ or "REDIS_URL" not in os.environ:
        fail("no DATABASE_URL / REDIS_URL: start the services (`make services`) first.")
    url = with_database(os.environ["DATABASE_URL"], BENCH_DATABASE)
    _create_database(url)

    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["CACHE_REDIS_URL"] = redis_url_with_db(os.environ["REDIS_URL"], BENCH_CACHE_DB)
    hosts = [h for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]
    os.environ["ALLOWED_HOSTS"] = ",".join([*hosts, "testserver"])
    # Measure what a deployment runs: no query log kept per request, and the throttles
    # still consulted on every request but never reached by the timed runs (DRF's
    # UserRateThrottle counts anonymous requests too, by address).
    os.environ.setdefault("DEBUG", "false")
    os.environ["THROTTLE_ANON"] = os.environ["THROTTLE_USER"] = "1000000/min"
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django
    from django.core.management import call_command

    django.setup()
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    out(f"database {BENCH_DATABASE}: migrated in {time.perf_counter() - started:.1f} s")
    return libpq_url(url)


def _create_database(url: str) -> None:
    """Create the bench database if missing; BENCH_FRESH=1 drops it first (after a
    migration was edited in place, say), so that every benchmark seeds again."""
    import psycopg
    from psycopg import sql

    admin = libpq_url(with_database(url, "postgres"))
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        if os.environ.get("BENCH_FRESH") == "1":
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(BENCH_DATABASE)))
            out(f"database {BENCH_DATABASE}: dropped (BENCH_FRESH=1)")
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              [BENCH_DATABASE]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DATABASE)))
            out(f"database {BENCH_DATABASE}: created")


def machine_facts(conn) -> str:
    """Cores, PostgreSQL and PostGIS versions, Python and Django: one detail line."""
    import django

    pg = conn.execute("SHOW server_version").fetchone()[0]
    postgis = conn.execute("SELECT postgis_lib_version()").fetchone()[0]
    parallel = conn.execute("SHOW max_parallel_workers_per_gather").fetchone()[0]
    return (f"machine: {os.cpu_count()} cores, PostgreSQL {pg} (parallel workers per gather "
            f"{parallel}), PostGIS {postgis}, Python {sys.version.split()[0]}, "
            f"Django {django.get_version()}")


def alternate(ours: Callable[[], object], reference: Callable[[], object], *,
              warmup: int, runs: int) -> tuple[list[float], list[float]]:
    """Time ours and the reference in turn (seconds), so both see the same machine state."""
    for _ in range(warmup):
        ours()
        reference()
    ours_times, ref_times = [], []
    for i in range(runs):
        # Alternate which goes first, so neither always follows the other.
        pair = ((ours, ours_times), (reference, ref_times))
        for fn, times in pair if i % 2 == 0 else reversed(pair):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
    return ours_times, ref_times


def rounds(sides: dict, *, warmup: int, runs: int,
           before: dict[str, Callable[[], object]] | None = None) -> dict[str, list[float]]:
    """Each side once per round, the order rotating, so none always follows another.
    `before[name]()`, untimed, runs before each call of that side."""
    names = list(sides)
    before = before or {}
    for _ in range(warmup):
        for name in names:
            if name in before:
                before[name]()
            sides[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(runs):
        for name in names[i % len(names):] + names[:i % len(names)]:
            if name in before:
                before[name]()
            started = time.perf_counter()
            sides[name]()
            times[name].append(time.perf_counter() - started)
    return times


def p50(times: list[float]) -> float:
    return statistics.median(times)


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[-1]


def summary(name: str, ours: float, reference: float, unit: str) -> str:
    return (f"{name}: ours {ours:.2f} {unit}, reference {reference:.2f} {unit}, "
            f"ratio {ours / reference:.2f}")


# Stakeholder roles shared by the voting benchmarks: slug, name, default weight. Their
# default weights apply (no project sets its own), as votes snapshot them.
BENCH_ROLES = [
    ("bench-resident", "Bench: resident", "1.000"),
    ("bench-business", "Bench: business owner", "1.000"),
    ("bench-expert", "Bench: expert or architect", "2.000"),
    ("bench-civil", "Bench: civil-society organisation", "1.500"),
    ("bench-worker", "Bench: works in the area", "1.250"),
    ("bench-student", "Bench: student", "0.500"),
]


def bench_roles() -> list:
    """The six roles of BENCH_ROLES, through the ORM, created when missing (in order)."""
    from decimal import Decimal

    from accounts.models import StakeholderRole

    roles = []
    for position, (slug, name, weight) in enumerate(BENCH_ROLES, start=1):
        role, _ = StakeholderRole.objects.get_or_create(
            slug=slug, defaults={"name": name, "default_weight": Decimal(weight),
                                 "position": position})
        roles.append(role)
    return roles


USERS_SQL = """
INSERT INTO accounts_user
    (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
     date_joined, display_name)
SELECT '!', false, %(prefix)s || lpad(g::text, 6, '0'), '', '', '', false, true, now(), ''
FROM generate_series(1, %(n)s) AS g
ON CONFLICT (username) DO NOTHING
"""


def bench_users(prefix: str, count: int) -> list[int]:
    """Ids of users `{prefix}000001` … in order, inserted in SQL when missing: unusable
    password ('!'), no e-mail (the unique e-mail constraint skips empty ones), active."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(USERS_SQL, {"prefix": prefix, "n": count})
        cursor.execute(
            "SELECT id FROM accounts_user WHERE username = ANY(%s) ORDER BY username",
            [[f"{prefix}{i:06d}" for i in range(1, count + 1)]])
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) != count:
        fail(f"expected {count} users named {prefix}…, found {len(ids)}.")
    return ids


def bench_seeding_project(project, *, slug: str, title: str, description: str,
                          area: tuple[float, float, float, float]):
    """The bench author and its public project in its ideation phase, the project made
    (around `area`, a bbox) when `project` is None; call inside the seed's transaction.
    Returns (project, author)."""
    from datetime import timedelta

    from django.contrib.gis.geos import MultiPolygon, Polygon
    from django.utils import timezone

    from accounts.models import User
    from proposals.models import Phase, PhaseKind, Project, Visibility

    user, created = User.objects.get_or_create(
        username="bench-author", defaults={"email": "bench-author@example.invalid"})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if project is None:
        minx, miny, maxx, maxy = area
        outline = Polygon.from_bbox((minx - 0.01, miny - 0.01, maxx + 0.01, maxy + 0.01))
        project = Project.objects.create(
            slug=slug, title=title, description=description,
            area=MultiPolygon(outline, srid=4326), visibility=Visibility.PUBLIC)
    now = timezone.now()
    Phase.objects.get_or_create(
        project=project, kind=PhaseKind.IDEATION,
        defaults={"starts_at": now - timedelta(days=1), "ends_at": now + timedelta(days=3650)})
    return project, user


# A browser page's script, run before the page's own (Playwright's init script): shows
# the map once the page's scripts are set up, as a phone's reader does (a phone shows the
# list first; the toggle is hidden on a desktop, where the map is shown already).
SHOW_MAP_JS = """
document.addEventListener("DOMContentLoaded", function () {
  setTimeout(function () {
    var toggle = document.querySelector("[data-view-toggle]");
    if (toggle && toggle.offsetParent !== null) { toggle.click(); }
  }, 0);
});
"""
