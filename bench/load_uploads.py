"""bench_load's third phase: several planners upload a large file at once through the
dashboard's import form while visitors keep opening a light page.

An upload must only be stored and queued in the request (the import itself is a worker's
job), so the web has to stay responsive while several arrive. The bench's Celery worker
(bench/load_worker.py) takes the imports' tasks from the bench server's own broker
database (Redis 13) as they are published; `imports_wait` then waits for the runs to
finish and says how long each took. The datasets, with their runs and imported layers,
are removed at the end, and any task still waiting in the broker with them (the uploaded
files live in a temporary MEDIA_ROOT).
The planners are signed in as signing in leaves them, with a session in the database; the
form is fetched first for its CSRF token, as a browser does.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import fail
from bench.http_load import Answer, Connection, latency, multipart, percentile

PLANNER_PREFIX = "bench-load-planner-"
DATASET_PREFIX = "Bench load upload"
SLUG_PREFIX = "bench-load-upload"
FORM = "/dashboard/imports/new/"
RUN_PATH = re.compile(r"^(?:https?://[^/]+)?/dashboard/imports/runs/(\d+)/$")
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
AREA = (2.05, 41.32, 2.23, 41.47)
SPECIES = ("Platanus x hispanica", "Celtis australis", "Tipuana tipu", "Pinus pinea",
           "Jacaranda mimosifolia", "Citrus x aurantium")


@dataclass
class Upload:
    """One planner's upload: the session, the form's CSRF token, the answer, the run."""

    number: int
    session: str
    csrf: str = ""
    form_token: str = ""
    answer: Answer | None = None
    run_id: int | None = None


@dataclass
class Outcome:
    uploads: list[Upload]
    light: list[Answer] = field(default_factory=list)
    uploads_started: float = 0.0
    uploads_done: float = 0.0


def planners(count: int) -> list[str]:
    """`count` planners (in the planner group), each signed in: their session keys."""
    from django.conf import settings
    from django.test import Client

    from accounts.groups import ensure_planner_group
    from accounts.models import User
    from municipalities.selectors import municipality_default

    group = ensure_planner_group()
    sessions = []
    for n in range(1, count + 1):
        user, created = User.objects.get_or_create(
            username=f"{PLANNER_PREFIX}{n}",
            defaults={"email": f"{PLANNER_PREFIX}{n}@example.invalid"})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        user.groups.add(group)
        user.planner_municipality = municipality_default()
        user.save(update_fields=["planner_municipality"])
        client = Client()
        client.force_login(user)  # a session in the database, as signing in makes one
        sessions.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return sessions


def geojson_file(path: Path, features: int, seed: int) -> Path:
    """A GeoJSON of `features` tree points in Barcelona with five attributes each, written
    in the bench's temporary directory (seeded, so the same bytes every run)."""
    rng = random.Random(seed)  # noqa: S311 - the same file every run, not a secret
    x0, y0, x1, y1 = AREA
    with path.open("w") as f:
        f.write('{"type": "FeatureCollection", "name": "trees", "features": [\n')
        for i in range(features):
            sep = ",\n" if i else ""
            f.write(f'{sep}{{"type": "Feature", "geometry": {{"type": "Point", '
                    f'"coordinates": [{rng.uniform(x0, x1):.7f}, {rng.uniform(y0, y1):.7f}]}}, '
                    f'"properties": {{"id": {i + 1}, "name": "Tree {i + 1}", '
                    f'"species": "{SPECIES[i % len(SPECIES)]}", '
                    f'"height_m": {rng.uniform(2, 25):.1f}, "planted": {1950 + i % 75}}}}}')
        f.write("\n]}\n")
    return path


async def _form_open(port: int, upload: Upload) -> None:
    """GET the import form as the planner: 200, the CSRF cookie and the form's token."""
    conn = Connection(port)
    answer = await conn.request("GET", FORM, headers={
        "Cookie": f"sessionid={upload.session}", "Accept": "text/html"})
    await conn.close()
    cookie = next((c.split(";")[0].split("=", 1)[1] for c in answer.cookies
                   if c.startswith("csrftoken=")), "")
    token = CSRF_FIELD.search(answer.body)
    if answer.status != 200 or not cookie or not token:
        fail(f"planner {upload.number}: GET {FORM} → {answer.status or answer.error}, CSRF "
             f"cookie {'found' if cookie else 'missing'}, form token "
             f"{'found' if token else 'missing'}.")
    upload.csrf = cookie
    upload.form_token = token.group(1).decode()


async def _upload(port: int, upload: Upload, path: Path, stamp: str) -> None:
    content_type, parts = multipart(
        {"csrfmiddlewaretoken": upload.form_token,
         "name": f"{DATASET_PREFIX} {stamp} {upload.number}", "licence": "CC0 1.0",
         "attribution": "Plaza benchmarks"},
        "source_file", path, "application/geo+json")
    conn = Connection(port, timeout=60)
    upload.answer = await conn.request("POST", FORM, headers={
        "Cookie": f"sessionid={upload.session}; csrftoken={upload.csrf}",
        "Content-Type": content_type, "Accept": "text/html"}, body=parts)
    await conn.close()


async def run(port: int, sessions: list[str], path: Path, light_path: str, *,
              light_clients: int, quiet: float, deadline: float) -> Outcome:
    """Light clients for `quiet` seconds, then every upload at once while they go on;
    they stop when the last upload is answered (or at the deadline)."""
    outcome = Outcome([Upload(n, s) for n, s in enumerate(sessions, start=1)])
    await asyncio.gather(*(_form_open(port, u) for u in outcome.uploads))
    stop = asyncio.Event()

    async def light_client() -> None:
        conn = Connection(port)
        while not stop.is_set() and time.monotonic() < deadline:
            answer = await conn.request("GET", light_path, headers={"Accept": "text/html"},
                                        keep_body=False)
            outcome.light.append(answer)
            if not answer.status:
                break
        await conn.close()

    clients = [asyncio.create_task(light_client()) for _ in range(light_clients)]
    await asyncio.sleep(quiet)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    outcome.uploads_started = time.monotonic()
    await asyncio.gather(*(_upload(port, u, path, stamp) for u in outcome.uploads))
    outcome.uploads_done = time.monotonic()
    stop.set()
    await asyncio.gather(*clients)
    return outcome


def check(outcome: Outcome, path: Path, broker_url: str, log_tail) -> list[str]:
    """Every upload answered 302 to its run's page; every run queued (or already taken by
    the worker) with the whole file stored; every light request answered 200. Returns the
    detail lines."""
    from gisdata.models import ImportRun, ImportStatus

    size = path.stat().st_size
    for u in outcome.uploads:
        a = u.answer
        match = RUN_PATH.match(a.headers.get("location", "")) if a else None
        if a is None or a.status != 302 or not match:
            fail(f"planner {u.number}: POST {FORM} → {a.status or a.error if a else 'not sent'}"
                 f" {a.headers.get('location', '') if a else ''} (expected 302 to the run's "
                 f"page)\n{log_tail()}")
        u.run_id = int(match.group(1))
    runs = {r.pk: r for r in ImportRun.objects.filter(
        pk__in=[u.run_id for u in outcome.uploads]).select_related("dataset")}
    for u in outcome.uploads:
        run = runs.get(u.run_id)
        if run is None or run.status == ImportStatus.FAILED:
            fail(f"planner {u.number}: run {u.run_id} is "
                 f"{f'failed: {run.message}' if run else 'missing'}.")
        stored = Path(run.dataset.source_file.path)
        if not stored.exists() or stored.stat().st_size != size:
            fail(f"run {u.run_id}: the stored file {stored} is not the {size:,} bytes sent.")
    bad = [a for a in outcome.light if a.status != 200]
    if bad:
        fail(f"light page: {len(bad)} of {len(outcome.light)} requests failed, e.g. "
             f"{bad[0].status or bad[0].error}\n{log_tail()}")
    published = _published(broker_url, [u.run_id for u in outcome.uploads])

    # Before: answered before the first upload was sent. During: in flight at any moment
    # while an upload was (so the requests an upload could have held up all count).
    before = [a.seconds for a in outcome.light
              if a.started + a.seconds <= outcome.uploads_started]
    during = [a.seconds for a in outcome.light
              if a.started < outcome.uploads_done
              and a.started + a.seconds > outcome.uploads_started]
    took = [u.answer.seconds for u in outcome.uploads]
    span = outcome.uploads_done - outcome.uploads_started
    quiet = outcome.uploads_started - min((a.started for a in outcome.light),
                                          default=outcome.uploads_started)
    lines = [
        f"uploads: {len(took)} × {size / 1e6:.1f} MB GeoJSON at once, all answered 302 to "
        f"their run's page in {span:.2f} s ({len(took) * size / 1e6 / span:.0f} MB/s "
        f"together); each {', '.join(f'{t:.2f} s' for t in took)}; runs "
        f"{sorted(runs)} stored with the whole file; when the last upload was answered "
        f"{published} of their {len(runs)} tasks waited in the broker, the runs "
        f"{dict(sorted(Counter(r.status for r in runs.values()).items()))}",
        f"light page before the uploads: {len(before)} requests in {quiet:.1f} s, "
        f"{len(before) / max(quiet, 1e-9):.0f} requests/s, {latency(before)}",
        f"light page during the uploads: {len(during)} requests in flight at some point of "
        f"their {span:.1f} s, {latency(during)}"
        + (f"; p95 {percentile(during, 95) / percentile(before, 95):.1f}× before's"
           if before and len(during) > 1 else "") + "; every light request answered 200",
    ]
    return lines


def imports_wait(run_ids: list[int], features: int, deadline: float) -> list[str]:
    """Wait (until `deadline`, time.monotonic) for the worker to finish the runs' imports;
    every finished run must have succeeded with all `features` imported. Returns the
    detail lines: how long each waited in the queue and ran, and any still unfinished."""
    from gisdata.models import ImportRun, ImportStatus

    finished = (ImportStatus.SUCCEEDED, ImportStatus.FAILED)
    started = time.monotonic()
    while True:
        runs = list(ImportRun.objects.filter(pk__in=run_ids).order_by("pk"))
        if all(r.status in finished for r in runs) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    waited = time.monotonic() - started
    lines = []
    for run in runs:
        if run.status == ImportStatus.FAILED:
            fail(f"run {run.pk}: the import failed: {run.message}")
        if run.status == ImportStatus.SUCCEEDED and run.imported_count != features:
            fail(f"run {run.pk}: {run.imported_count:,} features imported, not {features:,}.")
    done = [r for r in runs if r.status == ImportStatus.SUCCEEDED]
    if done:
        lines.append(
            f"imports by the worker: {len(done)} of {len(runs)} succeeded, "
            f"{features:,} features each, within {waited:.1f} s of the last upload; queued → "
            f"started, then ran: " + ", ".join(
                f"run {r.pk} {(r.started_at - r.created_at).total_seconds():.1f} s + "
                f"{(r.finished_at - r.started_at).total_seconds():.1f} s" for r in done))
    left = [r for r in runs if r.status not in finished]
    if left:
        lines.append("imports unfinished at the time cap: " + ", ".join(
            f"run {r.pk} {r.status}" for r in left))
    return lines


def _published(broker_url: str, run_ids: list[int], *, remove: bool = False) -> int:
    """How many of the runs' tasks wait in the broker's default queue (Celery's
    `celery` list); with `remove`, they are taken out of it too."""
    import redis

    wanted = {f"({pk},)" for pk in run_ids}
    client = redis.Redis.from_url(broker_url, socket_timeout=5)
    try:
        found = 0
        for raw in client.lrange("celery", 0, -1):
            headers = json.loads(raw).get("headers", {})
            if (headers.get("task") == "plaza.gisdata.import_run_execute"
                    and headers.get("argsrepr") in wanted):
                found += 1
                if remove:
                    client.lrem("celery", 1, raw)
        return found
    finally:
        client.close()


def cleanup(sessions: list[str], broker_url: str) -> None:
    """The bench's datasets with their runs and layers, the runs' tasks still waiting
    and the planners' sessions: after a failure too, and before a run in case an earlier
    one was interrupted."""
    from django.contrib.sessions.models import Session

    from gisdata.models import Dataset, ImportRun

    datasets = Dataset.objects.filter(slug__startswith=SLUG_PREFIX)
    runs = list(ImportRun.objects.filter(dataset__in=datasets).values_list("pk", flat=True))
    if runs:
        _published(broker_url, runs, remove=True)
    datasets.delete()
    Session.objects.filter(session_key__in=sessions).delete()
