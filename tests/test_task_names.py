"""Every Plaza task has an explicit, stable name, and beat names tasks by it.

The name is what the broker carries and beat sends. One taken from the module path
changes whenever a tasks module moves or a function is renamed, and then the messages
already queued and beat's schedule name a task no worker knows. The Python function
ends in `_task`, so that a task is never mistaken for the service it calls (which has
the name the task is registered under) or for a model.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from config.celery import app

NAME = re.compile(r"plaza\.[a-z]+\.[a-z_]+")


def plaza_tasks() -> dict:
    app.loader.import_default_modules()  # every app's tasks.py, as a worker loads them
    # Celery's own, and none a test module registered when it runs in the same session.
    return {name: task for name, task in app.tasks.items()
            if not name.startswith("celery.") and not task.run.__module__.startswith("tests.")}


@pytest.mark.quality("task-moved-module")
def test_every_plaza_task_is_named_plaza_app_job():
    tasks = plaza_tasks()
    assert "plaza.health.ping" in tasks and len(tasks) > 1
    assert sorted(name for name in tasks if not NAME.fullmatch(name)) == []
    assert sorted(name for name, task in tasks.items()
                  if not task.run.__name__.endswith("_task")) == []


@pytest.mark.quality("task-moved-module")
def test_every_beat_entry_names_a_registered_task():
    tasks = plaza_tasks()
    unknown = {key: entry["task"] for key, entry in settings.CELERY_BEAT_SCHEDULE.items()
               if entry["task"] not in tasks}
    assert unknown == {}
