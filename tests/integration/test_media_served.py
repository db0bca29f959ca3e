"""Proposal pictures from a real gunicorn with `make run`'s settings (config.settings.local,
DEBUG on): the picture answers with its bytes, nothing else under /media/ answers."""

import os

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.storage import private_storage
from tests.factories import (
    claim_make,
    picture_make,
    project_make,
    proposal_make,
    role_make,
    user_make,
)
from tests.integration.processes import get, process_env, start_web, stop, wait_until
from tests.launcher import load_launcher

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def make_run_web(tmp_path):
    port = load_launcher().free_port()
    redis = os.environ.get("TEST_CACHE_REDIS_URL") or os.environ["REDIS_URL"]
    env = process_env(
        DJANGO_SETTINGS_MODULE="config.settings.local", DEBUG="true", REDIS_URL=redis,
        CACHE_REDIS_URL=redis, CELERY_BROKER_URL=redis, MEDIA_ROOT=str(settings.MEDIA_ROOT),
        PRIVATE_MEDIA_ROOT=str(private_storage().location),
        S3_BUCKET="")  # on disk, even when var/services.env names an S3 server (up --s3)
    log = tmp_path / "gunicorn.log"
    proc = start_web(env, port, log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: get(f"{base}/media/proposals/0/none.jpg")[0] == 404, timeout=60,
                   what="gunicorn", log=log)
        yield base
    finally:
        stop(proc)


def test_make_runs_server_shows_a_proposals_picture_and_nothing_else(make_run_web):
    citizen = user_make("walker")
    picture = picture_make(proposal_make(project_make(), citizen))
    claim = claim_make(citizen, role_make("resident"))
    claim.evidence_file.save("bill.pdf", ContentFile(b"%PDF-1.4 a bill"))
    folder = os.path.basename(str(private_storage().location).rstrip("/"))

    status, body = get(make_run_web + picture.image.url)
    assert status == 200
    with default_storage.open(picture.image.name, "rb") as stored:
        assert body == stored.read()
    for path in [f"/media/{claim.evidence_file.name}",
                 f"/media/../{folder}/{claim.evidence_file.name}",
                 f"/media/proposals/%2e%2e/%2e%2e/{folder}/{claim.evidence_file.name}"]:
        status, body = get(make_run_web + path)
        assert status == 404, path
        assert b"%PDF" not in body
