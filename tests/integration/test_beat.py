"""Beat's schedule names tasks by string: a misspelt name is sent to a queue where no
worker knows it, and the periodic job silently never runs. Every entry must name a task
the real worker process has registered, with arguments its function accepts."""

import inspect
from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings

from config.celery import app

pytestmark = pytest.mark.integration


def scheduled() -> dict[str, dict]:
    return settings.CELERY_BEAT_SCHEDULE


def test_the_schedule_holds_the_periodic_jobs_the_docs_promise():
    names = {entry["task"] for entry in scheduled().values()}
    # docs/reports.md, README ("noticed by beat"), accounts' expiry of role claims,
    # docs/notifications.md (phases, events left waiting, the digests).
    assert {"plaza.reports.reports_requeue_stale", "plaza.gisdata.imports_requeue_stale",
            "plaza.accounts.role_claims_expire", "plaza.notifications.digest_compose",
            "plaza.notifications.events_fan_out_pending",
            "plaza.notifications.phases_started_record"} <= names
    for entry in scheduled().values():
        schedule = entry["schedule"]
        if isinstance(schedule, crontab):  # a time of day (the digests)
            continue
        assert isinstance(schedule, timedelta) and schedule.total_seconds() > 0
    digests = {entry["args"] for entry in scheduled().values()
               if entry["task"] == "plaza.notifications.digest_compose"}
    assert digests == {("daily",), ("weekly",)}
    weekly = next(e["schedule"] for e in scheduled().values() if e.get("args") == ("weekly",))
    assert weekly.day_of_week == {1}  # Mondays


@pytest.mark.django_db(transaction=True)
def test_every_scheduled_task_is_registered_by_the_running_worker(worker):
    answers = app.control.inspect(timeout=10).registered()
    assert answers, "the worker did not answer the inspection"
    [registered] = answers.values()  # the one worker of the test run
    missing = {key: entry["task"] for key, entry in scheduled().items()
               if entry["task"] not in registered}
    assert not missing, f"beat would send tasks no worker knows: {missing}"


def test_every_scheduled_task_accepts_the_arguments_beat_sends():
    app.loader.import_default_modules()
    for key, entry in scheduled().items():
        task = app.tasks.get(entry["task"])
        assert task is not None, f"{key}: {entry['task']} is not a task of the app"
        # Raises TypeError if beat's args/kwargs do not fit the function.
        inspect.signature(task.run).bind(*entry.get("args", ()), **entry.get("kwargs", {}))
