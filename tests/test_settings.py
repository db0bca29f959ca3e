"""Settings: production demands its secrets and passes Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, env):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def production_env(**overrides):
    env = {k: v for k, v in os.environ.items() if k not in {
        "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "SITE_URL", "DEBUG"}}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "k3y-" + "x7Qp9Lm2Vb8Nc4Zr6Tw1Ys5Hd3Jf0Gk" * 2,
        "DATABASE_URL": "postgis://plaza:secret@db.example.org:5432/plaza",
        "REDIS_URL": "redis://redis.example.org:6379/0",
        "ALLOWED_HOSTS": "plaza.example.org",
        "SITE_URL": "https://plaza.example.org",
    })
    env.update(overrides)
    return env


def test_production_passes_the_deployment_checks_with_real_values():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_know_load_demo_and_it_asks_before_loading():
    """A demo server runs with DEBUG off: the command is there (the demo app is in every
    settings module) and refuses until told `--allow-production`."""
    result = manage("load_demo", env=production_env())
    assert result.returncode != 0
    assert "Refusing to load demo users with DEBUG off" in result.stderr, result.stderr


@pytest.mark.parametrize("variable", ["SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL"])
def test_production_refuses_to_start_without(variable):
    env = production_env()
    del env[variable]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert variable in result.stderr


@pytest.mark.quality("publish-on-commit")
def test_celery_speaks_json_only_and_acknowledges_late():
    assert settings.CELERY_ACCEPT_CONTENT == ["json"]
    assert settings.CELERY_TASK_SERIALIZER == "json"
    assert settings.CELERY_RESULT_ACCEPT_CONTENT == ["json"]
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert visibility > settings.CELERY_TASK_TIME_LIMIT


def test_the_celery_app_uses_the_django_task_class():
    from config.celery import app

    assert hasattr(app.Task, "delay_on_commit")
    assert app.conf.accept_content == ["json"]


@pytest.mark.quality("wrong-crs")
def test_proj_never_goes_to_the_network():
    assert os.environ["PROJ_NETWORK"] == "OFF"
