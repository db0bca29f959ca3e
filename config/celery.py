"""The Celery app. Tasks live in each app's `tasks.py`; settings are CELERY_* in settings."""

import functools
import logging
import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

from core import log_context, task_metrics

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
log = logging.getLogger(__name__)


class PlazaTask(DjangoTask):
    """`delay_on_commit` publishes once the transaction that asked for the task has
    committed, so a worker never looks for rows that do not exist yet; and if Redis is
    down then, the request that committed still succeeds. What the task was for is
    already saved: imports and reports wait as queued and beat publishes them again;
    an e-mail whose task was lost is logged."""

    def delay_on_commit(self, *args, **kwargs) -> None:
        transaction.on_commit(functools.partial(self._publish_or_log, *args, **kwargs))

    def _publish_or_log(self, *args, **kwargs) -> None:
        try:
            self.apply_async(args, kwargs)
        except BrokerUnavailable as exc:
            log.error("task %s%r not published, the broker is unavailable: %s",
                      self.name, args, exc)


app = Celery("plaza", task_cls=PlazaTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Worker and beat log through settings.LOGGING; tasks carry the ids of the request
# that published them (core/log_context.py).
log_context.connect_celery_signals()
# Workers count their tasks' runtimes and failures in Redis, for the web's /metrics
# (core/task_metrics.py).
task_metrics.connect_celery_signals()


@app.task(name="plaza.health.ping", ignore_result=False, acks_late=False)
def ping_task() -> str:
    """Answer the health check's round trip. Running it twice is harmless: it only answers."""
    return "pong"
