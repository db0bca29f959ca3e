"""The Django project: settings, URLs, the Celery app. It wires; it holds no business code."""

# Load the Celery app whenever Django starts, so that `shared_task` binds to it and
# `delay_on_commit` publishes with Plaza's broker settings.
from config.celery import app as celery_app

__all__ = ["celery_app"]
