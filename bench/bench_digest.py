"""digest: 100,000 followers, one day's events, the daily digest composed and sent.

Data: a public project of its own ("bench-digest-<followers>") followed by as many bench
users (each with an e-mail address and a daily cadence), and one day's events on it:
`--proposals` new proposals (each heard of by every follower) and as many status
changes, made through the services and fanned out by `notifications.fanout` — so every
follower has 2 × `--proposals` notifications waiting. Seeded once, reused while the
counts match; each run gives the notifications back (unsent) and forgets the digest run.

Measured:
- fan-out: the seconds to write the day's notifications (the events' INSERT … SELECT);
- compose and queue: `digest_compose_task("daily")`, as beat calls it — the run row,
  the users cut into id ranges by the database, one batch task published per range to
  a Redis database of the bench's own (13) — its seconds and how many tasks;
- send: a real Celery worker (one pool process) started on the bench database and that
  broker, with Django's dummy e-mail backend (each e-mail composed, nothing delivered),
  sends every digest: its seconds and its pool process's peak resident memory
  (Linux's VmHWM), read while it still runs.
Checks: every follower was sent exactly one digest (all notifications claimed once, by
the e-mail count the batches return), and the tasks stayed under `MAX_BATCHES`.
The reference is the bare read the composer cannot avoid: the distinct users with a daily
notification waiting, counted in raw SQL; the ratio says what cutting them into ranges
and publishing the tasks costs over it.

    .venv/bin/python -m bench.bench_digest [--followers 100000] [--proposals 5]
        [--send-limit PEOPLE]  (the worker stops once that many are sent)
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import bench_users, fail, out, setup_django

NAME = "digest"
FOLLOWERS = 100_000
PROPOSALS = 5
BROKER_DB = 13  # the bench's own broker database: its queue is emptied freely
ROOT = Path(__file__).resolve().parents[1]
POINT = {"type": "Point", "coordinates": [2.17, 41.39]}


def seed(followers: int, proposals: int, *, slug: str | None = None, prefix: str = "bd-"):
    """The project, its followers and the day's events, fanned out: (project, user ids,
    fan-out seconds or None when reused)."""
    from django.db import connection, transaction

    from bench.common import bench_seeding_project
    from notifications.models import Event, Notification
    from proposals import services
    from proposals.models import Category, Project

    slug = slug or f"bench-digest-{followers}"
    users = bench_users(prefix, followers)
    project = Project.objects.filter(slug=slug).first()
    wanted = followers * proposals * 2
    if project is not None:
        have = Notification.objects.filter(event__project=project, email="daily").count()
        if have == wanted:
            out(f"seed: reused project {project.pk}: {followers:,} followers, "
                f"{have:,} notifications")
            return project, users, None
        project.delete()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 0")
        project, author = bench_seeding_project(
            None, slug=slug, title="Benchmark: a followed project",
            description=f"{followers:,} followers, seeded by bench/bench_digest.py.",
            area=(2.10, 41.35, 2.22, 41.45))
        Category.objects.get_or_create(project=project, slug="green",
                                       defaults={"name": "Green"})
        cursor.execute("UPDATE accounts_user SET email = username || '@example.invalid' "
                       "WHERE id = ANY(%s) AND email = ''", [users])
        cursor.execute("""
            INSERT INTO notifications_follow (user_id, municipality_id, project_id, name,
                                              active, created_at)
            SELECT u, %s, %s, '', true, now() FROM unnest(%s::bigint[]) u""",
                       [project.municipality_id, project.pk, users])
        cursor.execute("""
            INSERT INTO notifications_preferences (user_id, cadence, in_app_off, email_off,
                                                   updated_at)
            SELECT u, 'daily', '{}', '{}', now() FROM unnest(%s::bigint[]) u
            ON CONFLICT (user_id) DO UPDATE SET cadence = 'daily'""", [users])
        from accounts.models import User

        planner, _ = User.objects.get_or_create(
            username="bench-digest-planner",
            defaults={"email": "bench-digest-planner@example.invalid", "is_superuser": True,
                      "is_staff": True})
        for index in range(proposals):
            proposal = services.proposal_create(
                project=project, author=author, title=f"Idea {index + 1} for the square",
                body="Shade, benches and a fountain.", category="green", geometry=POINT)
            services.proposal_set_status(proposal=proposal, planner=planner,
                                         status="shortlisted")
    started = time.perf_counter()
    fan_out_events(list(Event.objects.filter(project=project, fanned_out_at__isnull=True)
                        .values_list("pk", flat=True)))
    seconds = time.perf_counter() - started
    # The followers' (the author hears of the status changes too, at once: not counted).
    have = Notification.objects.filter(event__project=project, email="daily").count()
    if have != wanted:
        fail(f"the fan-out wrote {have:,} notifications, not {wanted:,}.")
    out(f"seed: project {project.pk}, {followers:,} followers; fan-out of "
        f"{proposals * 2} events: {have:,} notifications in {seconds:.1f} s")
    return project, users, seconds


def fan_out_events(event_ids: list[int]) -> None:
    from notifications import fanout

    for event_id in event_ids:
        fanout.event_fan_out(event_id=event_id)


def reset(project) -> None:
    """Every notification of the project unsent again, and no digest run yet."""
    from django.db import connection, transaction

    from notifications.models import DigestRun, Notification

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 0")  # a million rows
        Notification.objects.filter(event__project=project, email="daily").update(
            emailed_at=None)
    DigestRun.objects.all().delete()


def compose_and_queue() -> tuple[float, int]:
    """Beat's call: the seconds to compose the daily digest and publish its batches."""
    from notifications.tasks import digest_compose_task

    started = time.perf_counter()
    batches = digest_compose_task("daily")
    return time.perf_counter() - started, batches


def check(project, users: list[int], sent: int, batches: int, *,
          complete: bool = True) -> str:
    """Every follower sent one digest (`complete`), or at least no one sent two: the
    claims (`claims`) equal the people sent."""
    from notifications.delivery import MAX_BATCHES

    if not 0 < batches <= MAX_BATCHES:
        fail(f"{batches} batch tasks: the composer must queue 1 to {MAX_BATCHES}.")
    people = sent_people(project)
    if sent != people:
        fail(f"{sent:,} digests for {people:,} people sent: each must get exactly one.")
    if complete and (waiting(project) or people != len(users)):
        fail(f"{len(users) - people:,} followers were not sent their digest.")
    return (f"check: {people:,} of {len(users):,} followers sent one digest each, "
            f"in {batches} batch tasks{'' if complete else ' (the send was cut short)'}")


# ------------------------------------------------------------------------------ worker
def status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pool_child(pid: int) -> int | None:
    found = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                           text=True, check=False).stdout.split()
    return int(found[0]) if found else None


def send_with_worker(project, broker: str, limit: int | None = None) -> tuple[float, float]:
    """A real worker sends the queued batches, all of them or until `limit` people are
    sent: (seconds, peak MB of its pool process)."""
    env = {**os.environ, "CELERY_BROKER_URL": broker, "CELERY_RESULT_BACKEND": broker,
           "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
           "LOG_LEVEL": "WARNING"}
    log = Path(tempfile.gettempdir()) / f"bench-digest-worker-{os.getpid()}.log"
    started = time.perf_counter()
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "config", "worker", "-c", "1",
         "-l", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-n", f"bench-digest-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True)
    peak = 0.0
    try:
        while waiting(project) and (limit is None or sent_people(project) < limit):
            if worker.poll() is not None:
                fail(f"the worker stopped: {log.read_text()[-2000:]}")
            child = pool_child(worker.pid)
            if child:
                peak = max(peak, status_mb(child, "VmHWM"))
            time.sleep(2)
        seconds = time.perf_counter() - started
        child = pool_child(worker.pid)
        if child:
            peak = max(peak, status_mb(child, "VmHWM"))
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=120)
    return seconds, peak


def waiting(project) -> bool:
    from notifications.models import Notification

    return Notification.objects.filter(event__project=project, email="daily",
                                       emailed_at__isnull=True).exists()


def sent_people(project) -> int:
    from notifications.models import Notification

    return (Notification.objects.filter(event__project=project, email="daily",
                                        emailed_at__isnull=False)
            .values("user_id").distinct().count())


def claims(project) -> int:
    """How many claims the batches made: one UPDATE per person and e-mail sets one time
    on all of that person's rows, so (user, emailed_at) pairs count the e-mails sent."""
    from notifications.models import Notification

    return (Notification.objects.filter(event__project=project, email="daily",
                                        emailed_at__isnull=False)
            .values("user_id", "emailed_at").distinct().count())


def reference_read(project) -> float:
    """The reference: the bare read the composer cannot avoid, the distinct users with a
    daily notification waiting (the same index), in raw SQL."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM (SELECT DISTINCT user_id FROM "
                       "notifications_notification WHERE emailed_at IS NULL "
                       "AND email = 'daily') u")
        cursor.fetchone()
    return time.perf_counter() - started


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench.bench_digest")
    parser.add_argument("--followers", type=int, default=FOLLOWERS)
    parser.add_argument("--proposals", type=int, default=PROPOSALS)
    parser.add_argument("--send-limit", type=int, default=None,
                        help="stop the worker once this many people are sent")
    args = parser.parse_args(argv)
    from config.env import read_services_env, redis_url_with_db

    read_services_env()
    if "REDIS_URL" not in os.environ:
        fail("no REDIS_URL: start the services (`make services`) first.")
    broker = redis_url_with_db(os.environ["REDIS_URL"], BROKER_DB)
    os.environ["CELERY_BROKER_URL"] = os.environ["CELERY_RESULT_BACKEND"] = broker
    setup_django()
    from config.celery import app

    out(f"{NAME}: {args.followers:,} followers, {args.proposals} new proposals and "
        f"{args.proposals} status changes in a day, daily digests")
    project, users, _fan_out = seed(args.followers, args.proposals)
    reset(project)
    reference = reference_read(project)
    app.control.purge()  # the bench's own broker database: batches of an interrupted run
    seconds, batches = compose_and_queue()
    out(f"compose and queue: {seconds:.2f} s, {batches} batch tasks "
        f"({-(-args.followers // batches):,} followers each at most)")
    send_seconds, peak = send_with_worker(project, broker, args.send_limit)
    sent = claims(project)
    out(f"send: {send_seconds:.1f} s for {sent:,} digests by one worker process "
        f"({send_seconds / max(sent, 1) * 1000:.1f} ms each, its start included); "
        f"its peak resident memory {peak:.0f} MB")
    out(check(project, users, sent, batches, complete=args.send_limit is None))
    app.control.purge()  # what a cut-short send left queued
    out(f"{NAME}: ours {seconds:.2f} s, reference {reference:.2f} s, ratio "
        f"{seconds / reference:.2f} (compose and queue {args.followers:,} digests vs the "
        f"bare read of who is waiting); worker peak {peak:.0f} MB, send {send_seconds:.0f} s")

if __name__ == "__main__":
    main(sys.argv[1:])
