"""The Celery app. Tasks live in each app's `tasks.py`; settings are CELERY_* in settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# With DJANGO_SETTINGS_MODULE set, Celery uses its Django task class, which adds
# `delay_on_commit`: tasks are published only once the transaction that asked for
# them has committed, so a worker never looks for rows that do not exist yet.
app = Celery("plaza")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="plaza.health.ping", ignore_result=False, acks_late=False)
def ping() -> str:
    """Answer the health check's round trip. Running it twice is harmless: it only answers."""
    return "pong"
